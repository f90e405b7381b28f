/*
 * The audit's side of the public event stream: subjects, dedupe message ids,
 * event builders from engine results, and a publisher that retries until
 * JetStream acknowledges (a violation is never dropped: if NATS stays away
 * the chunk job fails and BullMQ retries it, and the message ids make the
 * retry's events duplicates that JetStream discards).
 */
import { createHash } from "node:crypto";
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { actionsOf, ENFORCEMENT_POINTS, type Result } from "@portcullis/engine";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

export const DEFAULT_STREAM = "PORTCULLIS_VIOLATIONS";
export const DEFAULT_PREFIX = "portcullis";

/** Gatekeeper's export message fields, audit flavour (see packages/events/src/types.ts). */
export interface AuditViolationEvent {
  id: string;
  details?: unknown;
  eventType: "violation_audited";
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
  message: string;
  enforcementAction: string;
  enforcementActions?: string[];
  constraintAnnotations?: Record<string, string>;
  resourceGroup: string;
  resourceAPIVersion: string;
  resourceKind: string;
  resourceNamespace: string;
  resourceName: string;
  resourceLabels?: Record<string, string>;
  resourceUID: string;
  timestamp: string;
}

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

/** Published once at the end of a run: exact totals from the chunk jobs' results. */
export interface AuditRunSummary {
  eventType: "audit_finished";
  id: string;
  /** The scope (scheduler name) the run belongs to. */
  scope: string;
  startedAt: string;
  finishedAt: string;
  /** "<Kind>/<name>" -> violations in this run, for every constraint audited (0 included). */
  totals: Record<string, number>;
  /** enforcement action -> violations (Gatekeeper's gatekeeper_violations gauge). */
  byAction: Record<string, number>;
  objectsAudited: number;
  errors: number;
  chunks: number;
}

/** NATS subject tokens may not contain '.', '*', '>' or whitespace. */
export function subjectToken(s: string): string {
  return s.replace(/[.*>\s]/g, "_") || "_";
}

export interface Subjects {
  audit(kind: string, name: string): string;
  auditAll: string;
  admissionAll: string;
  runs: string;
  errors: string;
  all: string;
}

export function subjects(prefix = DEFAULT_PREFIX): Subjects {
  return {
    audit: (kind, name) => `${prefix}.violations.audit.${subjectToken(kind)}.${subjectToken(name)}`,
    auditAll: `${prefix}.violations.audit.>`,
    admissionAll: `${prefix}.violations.admission.>`,
    runs: `${prefix}.audit.runs`,
    errors: `${prefix}.audit.errors`,
    all: `${prefix}.>`,
  };
}

const hash = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 16);

/** Same run, constraint, object and message -> same id: a retried chunk's events are duplicates. */
export function violationMsgId(e: AuditViolationEvent): string {
  const obj = e.resourceUID || `${e.resourceAPIVersion}/${e.resourceKind}/${e.resourceNamespace}/${e.resourceName}`;
  return `audit:${e.id}:${e.kind}/${e.name}:${obj}:${hash(e.message)}`;
}

export function errorMsgId(e: AuditErrorEvent): string {
  return `audit-error:${e.id}:${e.constraintKind}/${e.constraintName}:${e.resourceAPIVersion}/${e.resourceKind}/${e.resourceNamespace}/${e.resourceName}:${hash(e.message)}`;
}

export const summaryMsgId = (runId: string): string => `audit-summary:${runId}`;

function labels(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return Object.keys(out).length ? out : undefined;
}

/** One event per result, with the actions it takes at the audit point. */
export function auditEvent(runId: string, r: Result, obj: Obj, timestamp: string): AuditViolationEvent {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const apiVersion = str(obj.apiVersion);
  const slash = apiVersion.indexOf("/");
  const cmeta = isObj(r.constraint.metadata) ? r.constraint.metadata : {};
  const e: AuditViolationEvent = {
    id: runId,
    eventType: "violation_audited",
    group: "constraints.gatekeeper.sh",
    version: "v1beta1",
    kind: r.kind,
    name: r.name,
    namespace: "",
    message: r.msg,
    enforcementAction: r.enforcementAction,
    resourceGroup: slash < 0 ? "" : apiVersion.slice(0, slash),
    resourceAPIVersion: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    resourceKind: str(obj.kind),
    resourceNamespace: str(meta.namespace),
    resourceName: str(meta.name),
    resourceUID: str(meta.uid),
    timestamp,
  };
  if (r.details !== undefined) e.details = r.details;
  if (r.enforcementAction === "scoped") e.enforcementActions = actionsOf(r, ENFORCEMENT_POINTS.audit);
  const ann = labels(cmeta.annotations);
  if (ann) e.constraintAnnotations = ann;
  const lab = labels(meta.labels);
  if (lab) e.resourceLabels = lab;
  return e;
}

export interface EventBusOptions {
  servers: string;
  stream?: string;
  prefix?: string;
  /** JetStream's dedupe window; long enough to cover a chunk's retries (default 1 h). */
  duplicateWindowMs?: number;
}

/** A NATS connection that reconnects forever, plus the stream the events go to. */
export class EventBus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  readonly subjects: Subjects;

  private constructor(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, o: EventBusOptions) {
    this.nc = nc;
    this.js = js;
    this.jsm = jsm;
    this.stream = o.stream ?? DEFAULT_STREAM;
    this.subjects = subjects(o.prefix ?? DEFAULT_PREFIX);
  }

  static async connect(o: EventBusOptions): Promise<EventBus> {
    const nc = await connect({
      servers: o.servers.split(",").map((s) => s.replace(/^nats:\/\//, "")),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5000,
    });
    const bus = new EventBus(nc, jetstream(nc), await jetstreamManager(nc), o);
    await bus.ensureStream(o.duplicateWindowMs ?? 3_600_000);
    return bus;
  }

  /** Creates the stream when absent; an existing stream (maybe created by the webhook) is left as it is. */
  async ensureStream(duplicateWindowMs: number): Promise<void> {
    try {
      await this.jsm.streams.info(this.stream);
    } catch {
      try {
        await this.jsm.streams.add({
          name: this.stream,
          subjects: [this.subjects.all],
          duplicate_window: duplicateWindowMs * 1_000_000,
        });
      } catch (e) {
        // Another process created it meanwhile.
        await this.jsm.streams.info(this.stream).catch(() => {
          throw e;
        });
      }
    }
  }

  /**
   * Publishes with retries until acknowledged or `deadlineMs` passes; then throws
   * (the caller's job fails and is retried, so nothing is dropped).
   */
  async publish(subject: string, payload: unknown, msgID: string, deadlineMs = 30_000): Promise<void> {
    const data = JSON.stringify(payload);
    const end = Date.now() + deadlineMs;
    let wait = 100;
    for (;;) {
      try {
        await this.js.publish(subject, data, { msgID, timeout: 5000 });
        return;
      } catch (e) {
        if (Date.now() + wait > end) throw new Error(`publishing ${subject} failed: ${String(e)}`);
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 2000);
      }
    }
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

/** Publishes many messages with bounded concurrency; rejects if any one finally fails. */
export async function publishAll(
  bus: EventBus,
  msgs: { subject: string; payload: unknown; id: string }[],
  concurrency = 64,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < msgs.length) {
      const m = msgs[next++] as (typeof msgs)[number];
      await bus.publish(m.subject, m.payload, m.id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, msgs.length) }, lane));
}
