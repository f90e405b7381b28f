import { actionsAt, type ParsedConstraint } from "./constraint.ts";
import type { Violation } from "./drivers/driver.ts";

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
