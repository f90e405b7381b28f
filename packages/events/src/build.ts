/*
 * Builders from an engine Result (structurally: what @portcullis/engine's
 * review() returns) plus the object under review to the public event types.
 * Kept structural so this package needs nothing from the engine at run time.
 */
import type { AdmissionViolationEvent, AuditViolationEvent, ViolationEvent } from "./types.ts";

/** The fields of an engine `Result` the events use. */
export interface ResultLike {
  constraint: Record<string, unknown>;
  kind: string;
  name: string;
  enforcementAction: string;
  scopedEnforcementActions?: string[];
  msg: string;
  details?: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf("/");
  return i < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, x] of Object.entries(v))
    if (typeof x === "string") {
      out[k] = x;
      n++;
    }
  return n > 0 ? out : undefined;
}

/** The constraint half of an event, common to audit and admission. */
function constraintFields(
  r: ResultLike,
): Omit<
  ViolationEvent,
  | "id"
  | "eventType"
  | "resourceGroup"
  | "resourceAPIVersion"
  | "resourceKind"
  | "resourceNamespace"
  | "resourceName"
  | "timestamp"
> {
  const c = r.constraint;
  const meta = isObj(c.metadata) ? c.metadata : {};
  const { group, version } = splitApiVersion(str(c.apiVersion) || "constraints.gatekeeper.sh/v1beta1");
  const out: ReturnType<typeof constraintFields> = {
    group,
    version,
    kind: r.kind,
    name: r.name,
    namespace: str(meta.namespace),
    message: r.msg,
    enforcementAction: r.enforcementAction,
  };
  if (r.details !== undefined) out.details = r.details;
  if (r.scopedEnforcementActions !== undefined) out.enforcementActions = [...r.scopedEnforcementActions];
  const annotations = stringMap(meta.annotations);
  if (annotations) out.constraintAnnotations = annotations;
  return out;
}

/** What an admission request says about the object (AdmissionRequest v1 fields). */
export interface AdmissionRequestLike {
  uid?: unknown;
  kind?: unknown;
  name?: unknown;
  namespace?: unknown;
  operation?: unknown;
  userInfo?: unknown;
  object?: unknown;
  oldObject?: unknown;
}

export interface AdmissionEventOptions {
  /** What the webhook did: deny | warn | dryrun. */
  decision: string;
  timestamp?: Date;
}

export function admissionEvent(
  r: ResultLike,
  req: AdmissionRequestLike,
  opts: AdmissionEventOptions,
): AdmissionViolationEvent {
  const k = isObj(req.kind) ? req.kind : {};
  const requestKind = { group: str(k.group), version: str(k.version), kind: str(k.kind) };
  // DELETE carries only oldObject: that is what was reviewed.
  const obj = isObj(req.object) ? req.object : isObj(req.oldObject) ? req.oldObject : {};
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const ev: AdmissionViolationEvent = {
    id: str(req.uid),
    eventType: "violation_admission",
    ...constraintFields(r),
    resourceGroup: requestKind.group,
    resourceAPIVersion: requestKind.version,
    resourceKind: requestKind.kind,
    resourceNamespace: str(req.namespace) || str(meta.namespace),
    resourceName: str(req.name) || str(meta.name),
    timestamp: (opts.timestamp ?? new Date()).toISOString(),
    operation: str(req.operation),
    user: isObj(req.userInfo) ? str(req.userInfo.username) : "",
    requestKind,
    decision: opts.decision,
  };
  const labels = stringMap(meta.labels);
  if (labels) ev.resourceLabels = labels;
  return ev;
}

export interface AuditEventOptions {
  runId: string;
  timestamp?: Date;
}

export function auditEvent(r: ResultLike, object: unknown, opts: AuditEventOptions): AuditViolationEvent {
  const obj = isObj(object) ? object : {};
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const { group, version } = splitApiVersion(str(obj.apiVersion));
  const ev: AuditViolationEvent = {
    id: opts.runId,
    eventType: "violation_audited",
    ...constraintFields(r),
    resourceGroup: group,
    resourceAPIVersion: version,
    resourceKind: str(obj.kind),
    resourceNamespace: str(meta.namespace),
    resourceName: str(meta.name),
    resourceUID: str(meta.uid),
    timestamp: (opts.timestamp ?? new Date()).toISOString(),
  };
  const labels = stringMap(meta.labels);
  if (labels) ev.resourceLabels = labels;
  return ev;
}
