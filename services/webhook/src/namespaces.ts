/*
 * Namespace exemptions, as Gatekeeper spells them: exact names, "prefix*"
 * and "*suffix" globs (flags --exempt-namespace, and Config
 * spec.match[].excludedNamespaces for the processes "webhook" or "*").
 */

export const IGNORE_LABEL = "admission.gatekeeper.sh/ignore";

export class NamespaceGlobs {
  readonly #exact = new Set<string>();
  readonly #prefixes: string[] = [];
  readonly #suffixes: string[] = [];

  constructor(patterns: Iterable<string>) {
    for (const raw of patterns) {
      const p = raw.trim();
      if (p === "") continue;
      if (p.endsWith("*")) this.#prefixes.push(p.slice(0, -1));
      else if (p.startsWith("*")) this.#suffixes.push(p.slice(1));
      else this.#exact.add(p);
    }
  }

  get empty(): boolean {
    return this.#exact.size === 0 && this.#prefixes.length === 0 && this.#suffixes.length === 0;
  }

  matches(ns: string): boolean {
    if (this.#exact.has(ns)) return true;
    for (const p of this.#prefixes) if (ns.startsWith(p)) return true;
    for (const s of this.#suffixes) if (ns.endsWith(s)) return true;
    return false;
  }
}

/** Comma- or whitespace-separated patterns from a flag value. */
export function parseGlobList(v: string | undefined): string[] {
  return (v ?? "").split(/[\s,]+/).filter((s) => s !== "");
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The namespaces a Config excludes from one process. Built once per Config
 * object (the cache hands out the same object until it changes).
 */
export function configExclusions(config: unknown, process: string): NamespaceGlobs {
  const patterns: string[] = [];
  const match = isObj(config) && isObj(config.spec) ? config.spec.match : undefined;
  if (Array.isArray(match)) {
    for (const m of match) {
      if (!isObj(m) || !Array.isArray(m.processes) || !Array.isArray(m.excludedNamespaces)) continue;
      if (!m.processes.some((p) => p === process || p === "*")) continue;
      for (const ns of m.excludedNamespaces) if (typeof ns === "string") patterns.push(ns);
    }
  }
  return new NamespaceGlobs(patterns);
}
