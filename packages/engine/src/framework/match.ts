// Gatekeeper's spec.match, compiled once per constraint: patterns are pre-split, selectors
// become closures, and criteria that always hold are dropped. Criteria still run in
// Gatekeeper's order, so the one that can throw (namespaceSelector) is reached exactly
// when it used to be.
import { type GVK, get, isObj, labelsOf, type Obj, str } from "./objects.ts";

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

type StringTest = (candidate: string) => boolean;
type LabelTest = (labels: Record<string, string>) => boolean;
type MatchTest = (m: Matchable) => boolean;

const always = (): boolean => true;
const never = (): boolean => false;

/** Gatekeeper's wildcard: "prefix*", "*suffix", "*infix*" or an exact name. */
export function compileWildcard(pattern: string): StringTest {
  if (pattern === "*") return always;
  const pre = pattern.startsWith("*");
  const post = pattern.endsWith("*") && pattern.length > 1;
  if (pre && post) {
    const infix = pattern.slice(1, -1);
    return (c) => c.includes(infix);
  }
  if (pre) {
    const suffix = pattern.slice(1);
    return (c) => c.endsWith(suffix);
  }
  if (post) {
    const prefix = pattern.slice(0, -1);
    return (c) => c.startsWith(prefix);
  }
  return (c) => c === pattern;
}

export function wildcardMatch(pattern: string, candidate: string): boolean {
  return compileWildcard(pattern)(candidate);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function anyWildcard(patterns: string[]): StringTest {
  const tests = patterns.map(compileWildcard);
  return (c) => tests.some((t) => t(c));
}

/** Kubernetes label selector semantics (matchLabels AND matchExpressions). */
export function compileSelector(selector: unknown): LabelTest {
  if (!isObj(selector)) return always;
  const checks: LabelTest[] = [];
  const ml = selector.matchLabels;
  if (isObj(ml)) {
    for (const [k, v] of Object.entries(ml)) checks.push((labels) => labels[k] === v);
  }
  const exprs = selector.matchExpressions;
  if (Array.isArray(exprs)) {
    for (const e of exprs) {
      const key = str(get(e, "key"));
      const values = strings(get(e, "values"));
      const has = (labels: Record<string, string>) => Object.hasOwn(labels, key);
      switch (str(get(e, "operator"))) {
        case "In":
          checks.push((l) => has(l) && values.includes(l[key]));
          break;
        case "NotIn":
          checks.push((l) => !(has(l) && values.includes(l[key])));
          break;
        case "Exists":
          checks.push(has);
          break;
        case "DoesNotExist":
          checks.push((l) => !has(l));
          break;
        default:
          // An unknown operator makes the whole selector fail.
          return never;
      }
    }
  }
  return (labels) => checks.every((c) => c(labels));
}

export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  return compileSelector(selector)(labels);
}

/** A (group, kind) a constraint can select; undefined is "any". */
export interface KindKey {
  group: string | undefined;
  kind: string | undefined;
}

/**
 * The (group, kind) pairs spec.match.kinds selects, deduplicated; undefined when it
 * selects every kind (no kinds, an empty list, or an entry wildcarding both).
 */
export function compileKinds(kinds: unknown): KindKey[] | undefined {
  if (!Array.isArray(kinds) || kinds.length === 0) return undefined;
  const keys = new Map<string, KindKey>();
  for (const k of kinds) {
    const groups = strings(get(k, "apiGroups"));
    const names = strings(get(k, "kinds"));
    const gs = groups.length === 0 || groups.includes("*") ? [undefined] : groups;
    const ns = names.length === 0 || names.includes("*") ? [undefined] : names;
    for (const group of gs) {
      for (const kind of ns) {
        if (group === undefined && kind === undefined) return undefined;
        keys.set(JSON.stringify([group ?? null, kind ?? null]), { group, kind });
      }
    }
  }
  return [...keys.values()];
}

function kindsTest(keys: KindKey[] | undefined): (gvk: GVK) => boolean {
  if (keys === undefined) return always;
  return (gvk) =>
    keys.some(
      (k) =>
        (k.group === undefined || k.group === gvk.group) && (k.kind === undefined || k.kind === gvk.kind),
    );
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

function hasNamespace(m: Matchable): boolean {
  return m.namespace !== "" || !!m.namespaceSupplied;
}

function scopeTest(scope: unknown): MatchTest | undefined {
  // Anything else, typos included, matches everything, as in Gatekeeper.
  switch (str(scope)) {
    case "Cluster":
      return (m) => isNamespace(m) || !hasNamespace(m);
    case "Namespaced":
      return (m) => !isNamespace(m) && hasNamespace(m);
    default:
      return undefined;
  }
}

function namespacesTest(list: unknown): MatchTest | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const any = anyWildcard(strings(list));
  // Cluster-scoped objects are not filtered by namespace lists.
  return (m) => noNamespace(m) || any(effectiveNamespace(m));
}

function excludedNamespacesTest(list: unknown): MatchTest | undefined {
  const pats = strings(list);
  if (pats.length === 0) return undefined;
  const any = anyWildcard(pats);
  return (m) => noNamespace(m) || !any(effectiveNamespace(m));
}

function nameTest(name: unknown): MatchTest | undefined {
  const n = str(name);
  if (n === "") return undefined;
  const w = compileWildcard(n);
  return (m) => w(m.name);
}

function sourceTest(source: unknown): MatchTest | undefined {
  const s = str(source);
  if (s === "" || s === "All") return undefined;
  return (m) => m.source === "All" || s === (m.source || "Original");
}

function labelSelectorTest(selector: unknown): MatchTest | undefined {
  if (!isObj(selector)) return undefined;
  const sel = compileSelector(selector);
  // An update matches if either the new or the old object does.
  return (m) => {
    if (isObj(m.object) && sel(labelsOf(m.object))) return true;
    if (isObj(m.oldObject) && sel(labelsOf(m.oldObject))) return true;
    return !isObj(m.object) && !isObj(m.oldObject) && sel({});
  };
}

function namespaceSelectorTest(selector: unknown): MatchTest | undefined {
  if (!isObj(selector)) return undefined;
  const sel = compileSelector(selector);
  return (m) => {
    if (isNamespace(m)) return sel(labelsOf(isObj(m.object) ? m.object : m.oldObject));
    if (noNamespace(m)) return true;
    if (!isObj(m.namespaceObject)) {
      throw new MatchError("namespace selector for namespace-scoped object but missing Namespace");
    }
    return sel(labelsOf(m.namespaceObject));
  };
}

export interface CompiledMatch {
  /** What spec.match.kinds selects (undefined: every kind), for indexing by (group, kind). */
  kinds: KindKey[] | undefined;
  /** Every criterion but kinds; throws MatchError when it cannot tell. */
  rest: MatchTest;
  /** The whole of spec.match. */
  test: MatchTest;
}

export function compileMatch(match: Obj): CompiledMatch {
  const kinds = compileKinds(match.kinds);
  const tests = [
    scopeTest(match.scope),
    namespacesTest(match.namespaces),
    excludedNamespacesTest(match.excludedNamespaces),
    nameTest(match.name),
    sourceTest(match.source),
    labelSelectorTest(match.labelSelector),
    namespaceSelectorTest(match.namespaceSelector),
  ].filter((t): t is MatchTest => t !== undefined);
  const rest: MatchTest =
    tests.length === 0
      ? always
      : tests.length === 1
        ? tests[0]
        : (m) => {
            for (const t of tests) if (!t(m)) return false;
            return true;
          };
  const byKind = kindsTest(kinds);
  return { kinds, rest, test: (m) => byKind(m.gvk) && rest(m) };
}

/** Whether a constraint's spec.match selects the object; throws MatchError when it cannot tell. */
export function matches(match: Obj, m: Matchable): boolean {
  return compileMatch(match).test(m);
}
