/*
 * Status subresources as Gatekeeper writes them: one `byPod` entry per
 * writer id (sync uses one stable id, since only the leader writes), other
 * writers' entries kept. Patches are skipped when nothing would change, so a
 * status write never triggers another round of work.
 */
import type { FrameworkErrorDetail } from "@portcullis/engine";
import type { KObj } from "./watch.ts";

export type StatusError = { code: string; message: string; location?: string };

export function statusErrors(details: FrameworkErrorDetail[]): StatusError[] {
  return details.map((d) => ({
    code: d.code,
    message: d.message,
    ...(d.location ? { location: d.location } : {}),
  }));
}

type Obj = Record<string, unknown>;

function byPodWith(current: KObj, entry: Obj): Obj[] {
  const status = (current.status ?? {}) as Obj;
  const list = Array.isArray(status.byPod) ? (status.byPod as Obj[]) : [];
  return [...list.filter((e) => e?.id !== entry.id), entry].sort((a, b) =>
    String(a.id) < String(b.id) ? -1 : 1,
  );
}

export function templateStatus(template: KObj, id: string, created: boolean, errors: StatusError[]): Obj {
  const entry: Obj = {
    id,
    observedGeneration: template.metadata?.generation ?? 0,
    operations: ["sync"],
    templateUID: template.metadata?.uid ?? "",
    ...(errors.length > 0 ? { errors } : {}),
  };
  return { created, byPod: byPodWith(template, entry) };
}

export function constraintStatus(constraint: KObj, id: string, errors: StatusError[]): Obj {
  const entry: Obj = {
    id,
    constraintUID: constraint.metadata?.uid ?? "",
    enforced: errors.length === 0,
    observedGeneration: constraint.metadata?.generation ?? 0,
    operations: ["sync"],
    ...(errors.length > 0 ? { errors } : {}),
  };
  return { byPod: byPodWith(constraint, entry) };
}

/** Whether `current.status` already has every field of `desired` with equal values. */
export function statusUpToDate(current: KObj, desired: Obj): boolean {
  const status = (current.status ?? {}) as Obj;
  return Object.entries(desired).every(([k, v]) => stableJson(status[k]) === stableJson(v));
}

export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === "object" && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : val,
  );
}
