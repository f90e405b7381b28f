import { FrameworkError, fail } from "./errors.ts";
import { get, isObj, type Obj, str } from "./objects.ts";
import { validateSchema } from "./schema.ts";

export const ENFORCEMENT_ACTIONS = ["deny", "dryrun", "warn", "scoped"];

export interface ScopedAction {
  action: string;
  enforcementPoints: string[];
}

export interface ParsedConstraint {
  kind: string;
  name: string;
  match: Obj;
  enforcementAction: string;
  scoped: ScopedAction[];
  parameters: unknown;
  raw: Obj;
}

/** Checks a constraint's shape and validates its parameters against the template's schema. */
export function parseConstraint(obj: unknown, schema: unknown): ParsedConstraint {
  if (!isObj(obj)) fail("invalid_constraint", "constraint must be an object");
  const apiVersion = str(obj.apiVersion);
  if (!apiVersion.startsWith("constraints.gatekeeper.sh/")) {
    fail(
      "invalid_constraint",
      `constraint apiVersion must be constraints.gatekeeper.sh/*, got ${JSON.stringify(apiVersion)}`,
    );
  }
  const kind = str(obj.kind);
  const name = str(get(obj, "metadata", "name"));
  if (name === "") fail("invalid_constraint", "constraint has no metadata.name", "metadata.name");
  const spec = get(obj, "spec");
  if (spec !== undefined && spec !== null && !isObj(spec))
    fail("invalid_constraint", "spec must be an object", "spec");

  const enforcementAction = str(get(spec, "enforcementAction")) || "deny";
  if (!ENFORCEMENT_ACTIONS.includes(enforcementAction)) {
    fail(
      "invalid_enforcement_action",
      `unrecognized enforcementAction ${JSON.stringify(enforcementAction)}, allowed: ${ENFORCEMENT_ACTIONS.join(", ")}`,
      "spec.enforcementAction",
    );
  }
  const scoped = parseScoped(get(spec, "scopedEnforcementActions"));
  if (enforcementAction === "scoped" && scoped.length === 0) {
    fail(
      "invalid_enforcement_action",
      "enforcementAction scoped requires spec.scopedEnforcementActions",
      "spec.scopedEnforcementActions",
    );
  }

  const match = get(spec, "match");
  if (match !== undefined && match !== null && !isObj(match))
    fail("invalid_constraint", "spec.match must be an object", "spec.match");

  const parameters = get(spec, "parameters");
  if (schema !== undefined && parameters !== undefined) {
    const errs = validateSchema(schema, parameters, "spec.parameters");
    if (errs.length > 0) {
      throw new FrameworkError(
        errs.map((e) => ({ code: "invalid_parameters", message: e.message, location: e.path })),
      );
    }
  }
  return { kind, name, match: (match as Obj) ?? {}, enforcementAction, scoped, parameters, raw: obj };
}

/** spec.scopedEnforcementActions, actions lower-cased. */
export function parseScoped(v: unknown): ScopedAction[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((a) => ({
    action: str(a.action).toLowerCase(),
    enforcementPoints: (Array.isArray(a.enforcementPoints) ? a.enforcementPoints : []).map((p: unknown) =>
      str(get(p, "name")),
    ),
  }));
}

/** The scoped actions applying at an enforcement point ("*" means every point). */
export function actionsAt(c: ParsedConstraint, point: string): string[] {
  return scopedActionsAt(c.scoped, point);
}

export function scopedActionsAt(scoped: readonly ScopedAction[], point: string): string[] {
  const out: string[] = [];
  for (const s of scoped) {
    if (s.enforcementPoints.some((p) => p === point || p === "*") && !out.includes(s.action))
      out.push(s.action);
  }
  return out;
}
