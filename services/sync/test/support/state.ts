/*
 * The two sides a sync test compares: what the cluster holds (listed with
 * kubectl) and what the cache holds (CacheReader.load()), both reduced to
 * collection -> key -> resourceVersion, so "equal" means same objects at the
 * same versions.
 */
import type { Snapshot } from "@portcullis/cache";
import type { KubeEnv } from "@portcullis/testkit";

export type State = Record<string, Record<string, string>>;

type Item = { metadata: { name: string; namespace?: string; resourceVersion: string } };

async function list(kube: KubeEnv, args: string[]): Promise<Item[]> {
  const r = await kube.kubectl(["get", ...args, "-o", "json"]);
  if (r.code !== 0) throw new Error(`kubectl get ${args.join(" ")}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { items: Item[] }).items;
}

function byKey(items: Item[], key: (i: Item) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of items) out[key(i)] = i.metadata.resourceVersion;
  return out;
}

const nsKey = (i: Item): string => `${i.metadata.namespace ?? ""}/${i.metadata.name}`;

export interface ClusterStateOptions {
  installNamespace: string;
  /** Constraint kinds (template kinds that compile). */
  constraintKinds: string[];
  /** Synced kinds: kubectl resource name and the data collection. */
  synced: { resource: string; collection: string }[];
  /** Templates that do not compile are not cached. */
  brokenTemplates?: string[];
}

export async function clusterState(kube: KubeEnv, o: ClusterStateOptions): Promise<State> {
  const s: State = {};
  const templates = (await list(kube, ["constrainttemplates"])).filter(
    (t) => !o.brokenTemplates?.includes(t.metadata.name),
  );
  if (templates.length > 0) s.templates = byKey(templates, (i) => i.metadata.name);
  s.namespaces = byKey(await list(kube, ["namespaces"]), (i) => i.metadata.name);
  const configs = (await list(kube, ["configs.config.gatekeeper.sh", "-n", o.installNamespace])).filter(
    (c) => c.metadata.name === "config",
  );
  if (configs.length > 0) s.configs = byKey(configs, nsKey);
  const syncsets = await list(kube, ["syncsets.syncset.gatekeeper.sh"]);
  if (syncsets.length > 0) s.syncsets = byKey(syncsets, (i) => i.metadata.name);
  for (const kind of o.constraintKinds) {
    const items = await list(kube, [`${kind.toLowerCase()}.constraints.gatekeeper.sh`]);
    if (items.length > 0) s[`constraints/${kind}`] = byKey(items, (i) => i.metadata.name);
  }
  for (const { resource, collection } of o.synced) {
    const items = await list(kube, [resource, "--all-namespaces"]);
    if (items.length > 0) s[collection] = byKey(items, nsKey);
  }
  return s;
}

export function cacheState(snap: Snapshot): State {
  const s: State = {};
  for (const [c, objects] of snap.collections) {
    // Bookkeeping (the "complete" marker), not cluster state.
    if (objects.size === 0 || c === "meta") continue;
    const m: Record<string, string> = {};
    for (const [k, v] of objects)
      m[k] = String((v.object.metadata as { resourceVersion?: string })?.resourceVersion);
    s[c] = m;
  }
  return s;
}

/** Canonical text of a state (sorted collections and keys), for comparison and messages. */
export function stateText(s: State): string {
  const sorted = Object.fromEntries(
    Object.keys(s)
      .sort()
      .map((c) => [
        c,
        Object.fromEntries(
          Object.keys(s[c])
            .sort()
            .map((k) => [k, s[c][k]]),
        ),
      ]),
  );
  return JSON.stringify(sorted);
}
