/*
 * Gatekeeper's Config resource (config.gatekeeper.sh/v1alpha1, name
 * "config"): spec.match[] exempts namespaces from processes ("audit",
 * "webhook", "sync", "mutation-webhook" or "*"). Shared by every service so
 * they read it the same way.
 */
import { wildcardMatch } from "./match.ts";
import { get, isObj, str } from "./objects.ts";

/** The excludedNamespaces patterns that apply to one process, in order, without repeats. */
export function configExcludedNamespaces(config: unknown, process: string): string[] {
  const out: string[] = [];
  const match = get(config, "spec", "match");
  if (!Array.isArray(match)) return out;
  for (const m of match) {
    if (!isObj(m)) continue;
    const procs = Array.isArray(m.processes) ? m.processes.map(str) : [];
    if (!procs.includes("*") && !procs.includes(process)) continue;
    if (Array.isArray(m.excludedNamespaces))
      for (const ns of m.excludedNamespaces) if (typeof ns === "string" && !out.includes(ns)) out.push(ns);
  }
  return out;
}

/** Whether a namespace matches one of the patterns (exact, "prefix*", "*suffix"); "" (cluster scope) never does. */
export function namespaceExcluded(patterns: readonly string[], namespace: string): boolean {
  return namespace !== "" && patterns.some((p) => wildcardMatch(p, namespace));
}
