/*
 * Views of the mirror's state: templates, constraints with their audit
 * status, and the lookup of one cached object. Pure reads; recomputed per
 * request (the mirror swaps its state in place, so nothing is cached here).
 */
import { constraintsCollection } from "@portcullis/cache";
import type { PolicyMirror } from "@portcullis/mirror";

type Obj = Record<string, unknown>;

export interface TemplateView {
  name: string;
  kind: string;
  object: Obj;
  errors: { code: string; message: string; location?: string }[];
}

export interface StatusViolation {
  message?: string;
  enforcementAction?: string;
  group?: string;
  version?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}

export interface ConstraintView {
  kind: string;
  name: string;
  object: Obj;
  enforcementAction: string;
  totalViolations: number;
  violations: StatusViolation[];
  auditTimestamp?: string;
}

const rec = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === "string" ? v : "");

export function templates(mirror: PolicyMirror): TemplateView[] {
  const errs = mirror.templateErrors();
  return mirror
    .objects("templates")
    .map((t) => {
      const name = str(rec(t.metadata).name);
      const kind = str(rec(rec(rec(rec(t.spec).crd).spec).names).kind);
      const errors = [...(errs.get(name) ?? [])];
      // Status errors as sync/Gatekeeper recorded them (byPod[].errors[]).
      const byPod = rec(t.status).byPod;
      if (Array.isArray(byPod))
        for (const p of byPod) {
          const e = rec(p).errors;
          if (Array.isArray(e))
            for (const x of e) {
              const r = rec(x);
              errors.push({
                code: str(r.code),
                message: str(r.message),
                ...(r.location ? { location: str(r.location) } : {}),
              });
            }
        }
      return { name, kind, object: t, errors };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function constraintKinds(mirror: PolicyMirror): string[] {
  const kinds = new Set<string>();
  for (const t of templates(mirror)) if (t.kind) kinds.add(t.kind);
  for (const c of mirror.client.constraints()) kinds.add(c.kind);
  return [...kinds].sort();
}

export function constraintView(kind: string, c: Obj): ConstraintView {
  const status = rec(c.status);
  const violations = Array.isArray(status.violations) ? (status.violations as StatusViolation[]) : [];
  const total = typeof status.totalViolations === "number" ? status.totalViolations : violations.length;
  return {
    kind,
    name: str(rec(c.metadata).name),
    object: c,
    enforcementAction: str(rec(c.spec).enforcementAction) || "deny",
    totalViolations: total,
    violations,
    ...(status.auditTimestamp ? { auditTimestamp: str(status.auditTimestamp) } : {}),
  };
}

export function constraints(mirror: PolicyMirror, onlyKind?: string): ConstraintView[] {
  const out: ConstraintView[] = [];
  for (const kind of onlyKind ? [onlyKind] : constraintKinds(mirror))
    for (const c of mirror.objects(constraintsCollection(kind))) out.push(constraintView(kind, c));
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

export function constraint(mirror: PolicyMirror, kind: string, name: string): ConstraintView | undefined {
  return constraints(mirror, kind).find((c) => c.name === name);
}

export interface ViolationFilter {
  namespace?: string;
  kind?: string;
  name?: string;
  q?: string;
}

export function filterViolations(vs: StatusViolation[], f: ViolationFilter): StatusViolation[] {
  const q = f.q?.toLowerCase();
  const name = f.name?.toLowerCase();
  return vs.filter(
    (v) =>
      (!f.namespace || (v.namespace ?? "") === f.namespace) &&
      (!f.kind || (v.kind ?? "") === f.kind) &&
      (!name || (v.name ?? "").toLowerCase().includes(name)) &&
      (!q || (v.message ?? "").toLowerCase().includes(q)),
  );
}

/** The cached object of kind/namespace/name, from the Namespace cache or the data inventory. */
export function findObject(
  mirror: PolicyMirror,
  kind: string,
  namespace: string,
  name: string,
): Obj | undefined {
  if (kind === "Namespace") return mirror.namespace(name);
  const inv = rec(mirror.client.inventory());
  const scope = namespace ? rec(rec(inv.namespace)[namespace]) : rec(inv.cluster);
  for (const gv of Object.values(scope)) {
    const o = rec(rec(rec(gv)[kind])[name]);
    if (Object.keys(o).length > 0) return o;
  }
  return undefined;
}
