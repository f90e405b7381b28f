/**
 * Loading Rego modules and data documents the way opa's loader does for
 * `opa eval -d` and `opa test`: .rego files are modules; .json/.yaml files
 * are data, mounted at their directory's path below the given root (so
 * root/a/b/data.json lands at data.a.b) and deep-merged.
 */
import { readFile } from "node:fs/promises";
import { dirname, extname, relative, sep } from "node:path";
import { listFiles } from "./manifests.ts";
import { parseJson, parseYamlDocuments, SourceError } from "./yaml.ts";

export interface Loaded {
  modules: { file: string; source: string; regoVersion: 0 | 1 }[];
  data: Record<string, unknown>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep-merges `v` into `into` at `path`; two files setting the same leaf is a conflict. */
export function mergeAt(into: Record<string, unknown>, path: string[], v: unknown, file: string): void {
  if (!isPlainObject(v) && path.length === 0)
    throw new SourceError(file, "a root data document must be an object");
  let node = into;
  for (let i = 0; i < path.length - (isPlainObject(v) ? 0 : 1); i++) {
    const k = path[i];
    if (node[k] === undefined) node[k] = {};
    else if (!isPlainObject(node[k]))
      throw new SourceError(file, `data conflict at data.${path.slice(0, i + 1).join(".")}`);
    node = node[k] as Record<string, unknown>;
  }
  if (!isPlainObject(v)) {
    const last = path[path.length - 1];
    if (node[last] !== undefined) throw new SourceError(file, `data conflict at data.${path.join(".")}`);
    node[last] = v;
    return;
  }
  for (const [k, val] of Object.entries(v)) {
    if (isPlainObject(val) && isPlainObject(node[k])) mergeAt(node, [k], val, file);
    else if (node[k] !== undefined)
      throw new SourceError(file, `data conflict at data.${[...path, k].join(".")}`);
    else node[k] = val;
  }
}

/** A JSON or YAML document (the first one, for YAML streams); an empty file is {}. */
export function parseDataFile(text: string, file: string): unknown {
  if (extname(file).toLowerCase() === ".json") return parseJson(text, file);
  const docs = parseYamlDocuments(text, file);
  return docs.length === 0 ? {} : docs[0].value;
}

const WANTED = new Set([".rego", ".json", ".yaml", ".yml"]);

export async function loadPolicySources(
  paths: string[],
  versionOf: (source: string) => 0 | 1,
  opts: { data?: boolean } = {},
): Promise<Loaded> {
  const out: Loaded = { modules: [], data: {} };
  for (const root of paths) {
    const files = await listFiles(root, (f) => WANTED.has(extname(f).toLowerCase()));
    for (const f of files) {
      const isRego = extname(f) === ".rego";
      if (!isRego && opts.data === false) continue;
      const text = await readFile(f, "utf8").catch((err: Error) => {
        throw new SourceError(f, err.message);
      });
      if (isRego) {
        out.modules.push({ file: f, source: text, regoVersion: versionOf(text) });
        continue;
      }
      const rel = f === root ? "." : relative(root, dirname(f));
      const prefix = rel === "." || rel === "" ? [] : rel.split(sep);
      mergeAt(out.data, prefix, parseDataFile(text, f), f);
    }
  }
  return out;
}
