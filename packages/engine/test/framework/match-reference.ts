// The spec.match implementation before matches were compiled (commit 0256872), kept as the
// oracle the compiled matcher is checked against. Do not "improve" it.
import { type GVK, get, isObj, labelsOf, type Obj, str } from "../../src/framework/objects.ts";

/** What a constraint's spec.match is tested against. */
export interface Matchable {
  gvk: GVK;
  name: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  object: unknown;
  oldObject?: unknown;
  namespaceObject?: unknown;
  /**
   * The caller supplied namespaceObject (gator test does, even an empty one
   * for objects without a namespace): namespace criteria then look at its
   * name and labels, as Gatekeeper's matcher does, rather than at the object's.
   */
  namespaceSupplied?: boolean;
  source: string;
}

export class MatchError extends Error {}

/** Gatekeeper's wildcard: "prefix*", "*suffix", "*infix*" or an exact name. */
export function wildcardMatch(pattern: string, candidate: string): boolean {
  const pre = pattern.startsWith("*");
  const post = pattern.endsWith("*") && pattern.length > 1;
  if (pattern === "*") return true;
  if (pre && post) return candidate.includes(pattern.slice(1, -1));
  if (pre) return candidate.endsWith(pattern.slice(1));
  if (post) return candidate.startsWith(pattern.slice(0, -1));
  return pattern === candidate;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

export function kindsMatch(kinds: unknown, gvk: GVK): boolean {
  if (!Array.isArray(kinds) || kinds.length === 0) return true;
  return kinds.some((k) => {
    const groups = strings(get(k, "apiGroups"));
    const names = strings(get(k, "kinds"));
    const g = groups.length === 0 || groups.includes("*") || groups.includes(gvk.group);
    const n = names.length === 0 || names.includes("*") || names.includes(gvk.kind);
    return g && n;
  });
}

function isNamespace(m: Matchable): boolean {
  return m.gvk.group === "" && m.gvk.kind === "Namespace";
}

/** The namespace that namespace-based criteria look at: a Namespace's own name. */
function effectiveNamespace(m: Matchable): string {
  if (isNamespace(m)) return m.name;
  return m.namespaceSupplied ? str(get(m.namespaceObject, "metadata", "name")) : m.namespace;
}

/** No namespace to disqualify the object with: Gatekeeper lets it match. */
function noNamespace(m: Matchable): boolean {
  return !isNamespace(m) && !m.namespaceSupplied && m.namespace === "";
}

export function scopeMatch(scope: unknown, m: Matchable): boolean {
  const s = str(scope);
  const hasNamespace = m.namespace !== "" || !!m.namespaceSupplied;
  // Anything else, typos included, matches everything, as in Gatekeeper.
  if (s === "Cluster") return isNamespace(m) || !hasNamespace;
  if (s === "Namespaced") return !isNamespace(m) && hasNamespace;
  return true;
}

export function namespacesMatch(list: unknown, m: Matchable): boolean {
  const pats = strings(list);
  if (!Array.isArray(list) || list.length === 0) return true;
  // Cluster-scoped objects are not filtered by namespace lists.
  if (noNamespace(m)) return true;
  const ns = effectiveNamespace(m);
  return pats.some((p) => wildcardMatch(p, ns));
}

export function excludedNamespacesMatch(list: unknown, m: Matchable): boolean {
  const pats = strings(list);
  if (noNamespace(m)) return true;
  const ns = effectiveNamespace(m);
  return !pats.some((p) => wildcardMatch(p, ns));
}

/** Kubernetes label selector semantics (matchLabels AND matchExpressions). */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return true;
  const ml = selector.matchLabels;
  if (isObj(ml)) {
    for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  }
  const exprs = selector.matchExpressions;
  if (Array.isArray(exprs)) {
    for (const e of exprs) {
      const key = str(get(e, "key"));
      const values = strings(get(e, "values"));
      const has = Object.hasOwn(labels, key);
      switch (str(get(e, "operator"))) {
        case "In":
          if (!has || !values.includes(labels[key])) return false;
          break;
        case "NotIn":
          if (has && values.includes(labels[key])) return false;
          break;
        case "Exists":
          if (!has) return false;
          break;
        case "DoesNotExist":
          if (has) return false;
          break;
        default:
          return false;
      }
    }
  }
  return true;
}

export function labelSelectorMatch(selector: unknown, m: Matchable): boolean {
  if (!isObj(selector)) return true;
  // An update matches if either the new or the old object does.
  if (isObj(m.object) && selectorMatches(selector, labelsOf(m.object))) return true;
  if (isObj(m.oldObject) && selectorMatches(selector, labelsOf(m.oldObject))) return true;
  return !isObj(m.object) && !isObj(m.oldObject) && selectorMatches(selector, {});
}

export function namespaceSelectorMatch(selector: unknown, m: Matchable): boolean {
  if (!isObj(selector)) return true;
  if (isNamespace(m)) {
    const obj = isObj(m.object) ? m.object : m.oldObject;
    return selectorMatches(selector, labelsOf(obj));
  }
  if (noNamespace(m)) return true;
  if (!isObj(m.namespaceObject)) {
    throw new MatchError("namespace selector for namespace-scoped object but missing Namespace");
  }
  return selectorMatches(selector, labelsOf(m.namespaceObject));
}

export function nameMatch(name: unknown, m: Matchable): boolean {
  const n = str(name);
  if (n === "") return true;
  return wildcardMatch(n, m.name);
}

export function sourceMatch(source: unknown, m: Matchable): boolean {
  const s = str(source);
  if (s === "" || s === "All" || m.source === "All") return true;
  return s === (m.source || "Original");
}

/** Whether a constraint's spec.match selects the object; throws MatchError when it cannot tell. */
export function matches(match: Obj, m: Matchable): boolean {
  return (
    kindsMatch(match.kinds, m.gvk) &&
    scopeMatch(match.scope, m) &&
    namespacesMatch(match.namespaces, m) &&
    excludedNamespacesMatch(match.excludedNamespaces, m) &&
    nameMatch(match.name, m) &&
    sourceMatch(match.source, m) &&
    labelSelectorMatch(match.labelSelector, m) &&
    namespaceSelectorMatch(match.namespaceSelector, m)
  );
}
