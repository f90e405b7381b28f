/**
 * Loading Kubernetes manifests from files and directories, as gator does:
 * directories are walked recursively in lexical order and only .yaml, .yml
 * and .json files are read from them; a file named explicitly is read
 * whatever its extension; `-` is stdin. YAML files may hold many documents
 * and `kind: List` objects are expanded into their items.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { parseJson, parseYamlDocuments, SourceError } from "./yaml.ts";

export interface Manifest {
  obj: Record<string, unknown>;
  /** File the object came from ("<stdin>" for stdin). */
  file: string;
  /** 1-based line of the YAML document holding it (1 for JSON). */
  line: number;
}

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

export { SourceError };

/** Every file under `path` (itself, if a file), sorted, filtered by `accept` inside directories. */
export async function listFiles(path: string, accept: (file: string) => boolean): Promise<string[]> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SourceError(path, code === "ENOENT" ? "no such file or directory" : (err as Error).message);
  }
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if ((e.isFile() || e.isSymbolicLink()) && accept(p)) out.push(p);
    }
  };
  await walk(path);
  return out;
}

export function parseManifestText(text: string, file: string): Manifest[] {
  const docs =
    extname(file).toLowerCase() === ".json"
      ? [{ value: parseJson(text, file), line: 1 }]
      : parseYamlDocuments(text, file);
  const out: Manifest[] = [];
  for (const d of docs) {
    const items = Array.isArray(d.value) ? d.value : [d.value];
    for (const v of items) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) {
        throw new SourceError(file, "document is not a Kubernetes object (expected a mapping)", d.line);
      }
      const obj = v as Record<string, unknown>;
      if (obj.kind === "List" && Array.isArray(obj.items)) {
        for (const item of obj.items) {
          if (item && typeof item === "object" && !Array.isArray(item))
            out.push({ obj: item as Record<string, unknown>, file, line: d.line });
        }
        continue;
      }
      out.push({ obj, file, line: d.line });
    }
  }
  return out;
}

export async function loadManifests(
  paths: string[],
  opts: { readStdin?: () => Promise<string> } = {},
): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === "-") {
      if (!opts.readStdin) throw new SourceError("<stdin>", "stdin is not available");
      out.push(...parseManifestText(await opts.readStdin(), "<stdin>"));
      continue;
    }
    const files = await listFiles(p, (f) => MANIFEST_EXTENSIONS.has(extname(f).toLowerCase()));
    for (const f of files) {
      let text: string;
      try {
        text = await readFile(f, "utf8");
      } catch (err) {
        throw new SourceError(f, (err as Error).message);
      }
      out.push(...parseManifestText(text, f));
    }
  }
  return out;
}

/** "apps/v1" → "apps"; "v1" → "". */
export function groupOf(apiVersion: unknown): string {
  if (typeof apiVersion !== "string") return "";
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

export type ManifestRole = "template" | "constraint" | "object";

/** How `test` treats an object: templates and constraints configure the client; the rest are reviewed. */
export function roleOf(obj: Record<string, unknown>): ManifestRole {
  const group = groupOf(obj.apiVersion);
  if (obj.kind === "ConstraintTemplate" && group === "templates.gatekeeper.sh") return "template";
  if (group === "constraints.gatekeeper.sh") return "constraint";
  return "object";
}
