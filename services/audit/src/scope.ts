/*
 * What an audit run covers: the constraints acting at the audit point, the
 * kinds to list (every listable kind, or with auditMatchKindOnly only those
 * constraints name), and the namespaces Config exempts from the "audit"
 * process (Gatekeeper's Config spec.match[].processes).
 */
import { configExcludedNamespaces, ENFORCEMENT_POINTS, namespaceExcluded } from "@portcullis/engine";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Config spec.match[].excludedNamespaces for one process ("audit", "webhook", "*"). */
export function excludedFor(config: Obj | undefined, process: string): string[] {
  return configExcludedNamespaces(config, process);
}

export { namespaceExcluded };

/** Whether a raw constraint acts at the audit point (scoped ones must name it or "*"). */
export function auditsAt(constraint: Obj, point: string = ENFORCEMENT_POINTS.audit): boolean {
  const spec = isObj(constraint.spec) ? constraint.spec : {};
  const action = str(spec.enforcementAction) || "deny";
  if (action !== "scoped") return true;
  const scoped = Array.isArray(spec.scopedEnforcementActions) ? spec.scopedEnforcementActions : [];
  return scoped.some(
    (s) =>
      isObj(s) &&
      Array.isArray(s.enforcementPoints) &&
      s.enforcementPoints.some((p) => isObj(p) && (str(p.name) === point || str(p.name) === "*")),
  );
}

/** Group/kind pairs a constraint's spec.match.kinds names ("*" wildcards kept). */
export function matchedKinds(constraint: Obj): { group: string; kind: string }[] {
  const spec = isObj(constraint.spec) ? constraint.spec : {};
  const match = isObj(spec.match) ? spec.match : {};
  // No kinds at all: the constraint matches every kind.
  if (!Array.isArray(match.kinds) || match.kinds.length === 0) return [{ group: "*", kind: "*" }];
  const out: { group: string; kind: string }[] = [];
  for (const k of match.kinds) {
    if (!isObj(k)) continue;
    const groups = Array.isArray(k.apiGroups) ? k.apiGroups.map(str) : ["*"];
    const kinds = Array.isArray(k.kinds) ? k.kinds.map(str) : ["*"];
    for (const group of groups) for (const kind of kinds) out.push({ group, kind });
  }
  return out;
}

/** Whether any of the constraints' kinds covers group/kind. */
export function kindWanted(wanted: { group: string; kind: string }[], group: string, kind: string): boolean {
  return wanted.some((w) => (w.group === "*" || w.group === group) && (w.kind === "*" || w.kind === kind));
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}
