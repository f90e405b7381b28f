/*
 * What data to sync: the union of the Config's spec.sync.syncOnly and every
 * SyncSet's spec.gvks (Gatekeeper's rule), and which namespaces the `sync`
 * process skips (Config spec.match[] with processes "sync" or "*").
 */
export interface GVK {
  group: string;
  version: string;
  kind: string;
}

import { configExcludedNamespaces, namespaceExcluded } from "@portcullis/engine";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

export function apiVersionOf(g: GVK): string {
  return g.group === "" ? g.version : `${g.group}/${g.version}`;
}

export function gvkId(g: GVK): string {
  return `${apiVersionOf(g)}/${g.kind}`;
}

/** Entries lacking a version or kind are reported, not synced. */
function gvkList(list: unknown, where: string, problems: string[]): GVK[] {
  if (!Array.isArray(list)) return [];
  const out: GVK[] = [];
  list.forEach((e, i) => {
    const g = {
      group: str(isObj(e) ? e.group : ""),
      version: str(isObj(e) ? e.version : ""),
      kind: str(isObj(e) ? e.kind : ""),
    };
    if (g.version === "" || g.kind === "") problems.push(`${where}[${i}]: needs version and kind`);
    else out.push(g);
  });
  return out;
}

export interface SyncTargets {
  /** gvkId -> GVK, sorted by id. */
  gvks: Map<string, GVK>;
  /** Namespace name patterns ("prefix*" or "*suffix" globs) whose objects are not synced. */
  excludedNamespaces: string[];
  problems: string[];
}

/** `config` is the install's Config (or undefined); `syncSets` all SyncSets. */
export function syncTargets(config: Obj | undefined, syncSets: Iterable<Obj>): SyncTargets {
  const problems: string[] = [];
  const all: GVK[] = [];
  if (config) {
    const spec = isObj(config.spec) ? config.spec : {};
    const sync = isObj(spec.sync) ? spec.sync : {};
    all.push(...gvkList(sync.syncOnly, "Config spec.sync.syncOnly", problems));
  }
  for (const s of syncSets) {
    const spec = isObj(s.spec) ? s.spec : {};
    const name = str(isObj(s.metadata) ? s.metadata.name : "");
    all.push(...gvkList(spec.gvks, `SyncSet ${name} spec.gvks`, problems));
  }
  const gvks = new Map<string, GVK>();
  for (const g of all.sort((a, b) => (gvkId(a) < gvkId(b) ? -1 : gvkId(a) > gvkId(b) ? 1 : 0)))
    gvks.set(gvkId(g), g);
  return { gvks, excludedNamespaces: excludedFor(config, "sync"), problems };
}

/** Config spec.match[].excludedNamespaces for one process ("audit", "webhook", "sync", …). */
export function excludedFor(config: Obj | undefined, process: string): string[] {
  return configExcludedNamespaces(config, process);
}

export { namespaceExcluded };
