/*
 * The gatekeeper-library corpus, read in place from ../shared/corpus (never
 * copied into the repo): one place that knows where it lives, for tests and
 * benchmarks alike.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "./kube-binaries.ts";

/** The shared corpora (gatekeeper-library, opa-conformance), beside the repository. */
export const corpusDir: string = join(repoRoot, "..", "shared", "corpus");

/** A path inside the shared corpora, e.g. corpusPath("opa-conformance", "meta", "capabilities.json"). */
export function corpusPath(...segments: string[]): string {
  return join(corpusDir, ...segments);
}

export const libraryDir: string = corpusPath("gatekeeper-library", "library");

/** A path inside the library, e.g. libraryPath("general", "requiredlabels", "template.yaml"). */
export function libraryPath(...segments: string[]): string {
  return join(libraryDir, ...segments);
}

/** Every file below `dir` (default: the whole library), depth first. */
export function libraryFiles(dir: string = libraryDir, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) libraryFiles(p, out);
    else out.push(p);
  }
  return out;
}

/** The YAML documents of a file that are objects, as plain values. */
export function yamlDocuments<T = Record<string, unknown>>(path: string): T[] {
  return parseAllDocuments(readFileSync(path, "utf8"))
    .map((d) => d.toJS() as unknown)
    .filter((d): d is T => typeof d === "object" && d !== null);
}

/** The first YAML document of a library file, e.g. a template. */
export function libraryYaml<T = Record<string, unknown>>(...segments: string[]): T {
  const [doc] = yamlDocuments<T>(libraryPath(...segments));
  if (doc === undefined) throw new Error(`no YAML object in ${libraryPath(...segments)}`);
  return doc;
}
