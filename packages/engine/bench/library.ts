/**
 * The gatekeeper-library corpus as the bench sees it: every Rego template
 * with its suite tests (constraint parameters, match kinds, case objects and
 * inventories), read in place from ../shared/corpus.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

export const ROOT = resolve(import.meta.dirname, "../../..");
export const LIBRARY = resolve(ROOT, "../shared/corpus/gatekeeper-library/library");

export type Obj = Record<string, any>;

export const loadYaml = (path: string): Obj[] =>
  parseAllDocuments(readFileSync(path, "utf8"))
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);

export interface Module {
  file: string;
  source: string;
}

export interface SuiteCase {
  name: string;
  object: Obj;
  inventory: Obj[];
}

export interface SuiteTest {
  name: string;
  parameters: Obj;
  /** kinds of the constraint's match (empty: matches everything) */
  kinds: string[];
  cases: SuiteCase[];
}

export interface Template {
  /** directory relative to the library, e.g. general/containerlimits */
  dir: string;
  pkg: string;
  modules: Module[];
  /** the Rego reads data.inventory (a referential template) */
  referential: boolean;
  tests: SuiteTest[];
}

function findSuites(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...findSuites(p));
    else if (e === "suite.yaml") out.push(p);
  }
  return out.sort();
}

/** Every Rego template of the library that has a suite (CEL-only templates are skipped), one entry per template file. */
export function loadLibrary(): Template[] {
  const byFile = new Map<string, Template>();
  for (const suitePath of findSuites(LIBRARY)) {
    const dir = dirname(suitePath);
    const suite = loadYaml(suitePath)[0];
    for (const t of suite.tests ?? []) {
      const file = join(dir, t.template);
      let tpl = byFile.get(file);
      if (tpl === undefined) {
        const doc = loadYaml(file)[0];
        const target = doc?.spec?.targets?.[0];
        const regoCode = target?.code?.find((c: Obj) => c.engine === "Rego")?.source;
        const rego: string | undefined = target?.rego ?? regoCode?.rego;
        const pkg = rego && /^\s*package\s+([\w.]+)/m.exec(rego)?.[1];
        if (!rego || !pkg) continue;
        const libs: string[] = target?.rego ? (target.libs ?? []) : (regoCode?.libs ?? []);
        tpl = {
          dir: relative(LIBRARY, dir),
          pkg,
          modules: [
            { file: "template.rego", source: rego },
            ...libs.map((source, i) => ({ file: `lib${i}.rego`, source })),
          ],
          referential: /data\.inventory/.test(rego),
          tests: [],
        };
        byFile.set(file, tpl);
      }
      const constraint = t.constraint ? loadYaml(join(dir, t.constraint))[0] : {};
      const kinds: string[] = (constraint?.spec?.match?.kinds ?? []).flatMap((k: Obj) => k.kinds ?? []);
      tpl.tests.push({
        name: t.name,
        parameters: constraint?.spec?.parameters ?? {},
        kinds,
        cases: (t.cases ?? [])
          .filter((c: Obj) => c.object)
          .map((c: Obj) => ({
            name: c.name,
            object: loadYaml(join(dir, c.object))[0],
            inventory: (c.inventory ?? []).flatMap((p: string) => loadYaml(join(dir, p))),
          })),
      });
    }
  }
  return [...byFile.values()];
}

/** gator-style review of a plain object (operation empty). */
export function reviewOf(obj: Obj): Obj {
  const [group, version] = String(obj.apiVersion ?? "").includes("/")
    ? String(obj.apiVersion).split("/")
    : ["", String(obj.apiVersion ?? "")];
  return {
    kind: { group, version, kind: obj.kind },
    name: obj.metadata?.name,
    namespace: obj.metadata?.namespace ?? "",
    operation: "",
    object: obj,
  };
}

/** data.inventory in Gatekeeper's layout: namespace[ns][apiVersion][kind][name], cluster[apiVersion][kind][name]. */
export function inventoryOf(objs: Iterable<Obj>): Obj {
  const cluster: Obj = {};
  const namespace: Obj = {};
  for (const o of objs) {
    const ns = o.metadata?.namespace;
    const root = ns ? ((namespace[ns] ??= {}) as Obj) : cluster;
    ((root[o.apiVersion] ??= {})[o.kind] ??= {})[o.metadata?.name] = o;
  }
  return { cluster, namespace };
}
