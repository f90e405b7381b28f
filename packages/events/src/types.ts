/*
 * The public violation event stream (NATS JetStream): the schema both the
 * webhook (admission events) and the audit (audit events, run summaries)
 * publish, and that users subscribe to. Field names follow Gatekeeper's
 * export message so existing consumers keep working.
 */

/** Fields of Gatekeeper's violation export message. */
export interface ViolationEvent {
  /** Audit: the run id. Admission: the AdmissionRequest uid. */
  id: string;
  /** The violation's `details` (Rego) or undefined. */
  details?: unknown;
  eventType: "violation_audited" | "violation_admission";
  /** Constraint group / version / kind / name / namespace (constraints are cluster-scoped: ""). */
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
  message: string;
  enforcementAction: string;
  /** For scoped constraints: the actions at this enforcement point. */
  enforcementActions?: string[];
  constraintAnnotations?: Record<string, string>;
  resourceGroup: string;
  resourceAPIVersion: string;
  resourceKind: string;
  resourceNamespace: string;
  resourceName: string;
  resourceLabels?: Record<string, string>;
  /** ISO time the violation was found. */
  timestamp: string;
}

/** Admission events add what the request was. */
export interface AdmissionViolationEvent extends ViolationEvent {
  eventType: "violation_admission";
  operation: string;
  /** AdmissionRequest userInfo.username. */
  user: string;
  /** AdmissionRequest kind (group/version/kind) as requested. */
  requestKind: { group: string; version: string; kind: string };
  /** deny | warn | dryrun: what the webhook did with it. */
  decision: string;
}

export interface AuditViolationEvent extends ViolationEvent {
  eventType: "violation_audited";
  /** The audited object's uid (part of the dedupe id). */
  resourceUID: string;
}

/** Published once at the end of an audit run. */
export interface AuditRunSummary {
  eventType: "audit_finished";
  id: string;
  startedAt: string;
  finishedAt: string;
  /** "<Kind>/<name>" -> total violations in this run. */
  totals: Record<string, number>;
  objectsAudited: number;
  errors: number;
}

/** An object whose evaluation failed during an audit run (the run goes on). */
export interface AuditErrorEvent {
  eventType: "audit_error";
  id: string;
  constraintKind: string;
  constraintName: string;
  resourceAPIVersion: string;
  resourceKind: string;
  resourceNamespace: string;
  resourceName: string;
  message: string;
  timestamp: string;
}
