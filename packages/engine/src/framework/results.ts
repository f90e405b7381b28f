import { actionsAt, type ParsedConstraint, parseScoped, scopedActionsAt } from "./constraint.ts";
import type { Violation } from "./drivers/driver.ts";
import { get } from "./objects.ts";

/** Gatekeeper's enforcement points: where a scoped constraint's actions apply. */
export const ENFORCEMENT_POINTS = {
  webhook: "validation.gatekeeper.sh",
  audit: "audit.gatekeeper.sh",
  gator: "gator.gatekeeper.sh",
} as const;

export interface Result {
  constraint: Record<string, unknown>;
  kind: string;
  name: string;
  enforcementAction: string;
  scopedEnforcementActions?: string[];
  msg: string;
  details?: unknown;
}

/** The deny line Gatekeeper shows for a result: "[constraint-name] message". */
export function denyMessage(r: Result): string {
  return `[${r.name}] ${r.msg}`;
}

/**
 * The actions a result takes at an enforcement point: its enforcementAction, or for
 * "scoped" the scopedEnforcementActions naming the point (or "*"), read from the
 * constraint itself so the answer holds for any point, not only the Client's.
 */
export function actionsOf(r: Result, point: string): string[] {
  if (r.enforcementAction !== "scoped") return [r.enforcementAction];
  const scoped = get(r.constraint, "spec", "scopedEnforcementActions");
  if (scoped === undefined) return r.scopedEnforcementActions ?? [];
  return scopedActionsAt(parseScoped(scoped), point);
}

export interface Decision {
  /** "[constraint] message" lines that reject the request (403 at the webhook). */
  deny: string[];
  /** "[constraint] message" lines returned as admission warnings. */
  warn: string[];
  /** Results only recorded (logged, exported), never enforced. */
  dryrun: Result[];
}

/**
 * What a review's results mean at an enforcement point. A scoped result can land in
 * several lists (e.g. deny and warn); unknown actions are ignored.
 */
export function decide(results: Iterable<Result>, point: string): Decision {
  const d: Decision = { deny: [], warn: [], dryrun: [] };
  for (const r of results) {
    for (const action of actionsOf(r, point)) {
      if (action === "deny") d.deny.push(denyMessage(r));
      else if (action === "warn") d.warn.push(denyMessage(r));
      else if (action === "dryrun") d.dryrun.push(r);
    }
  }
  return d;
}

/**
 * Whether a constraint acts at this enforcement point: a scoped constraint with no
 * action for the point is skipped entirely.
 */
export function appliesAt(c: ParsedConstraint, point: string): boolean {
  return c.enforcementAction !== "scoped" || actionsAt(c, point).length > 0;
}

export function toResult(c: ParsedConstraint, v: Violation, point: string): Result {
  const r: Result = {
    constraint: c.raw,
    kind: c.kind,
    name: c.name,
    enforcementAction: c.enforcementAction,
    msg: v.msg,
  };
  if (c.enforcementAction === "scoped") r.scopedEnforcementActions = actionsAt(c, point);
  if (v.details !== undefined) r.details = v.details;
  return r;
}
