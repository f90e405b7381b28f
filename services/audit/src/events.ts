/*
 * The audit's side of the public event stream: subjects, dedupe message ids,
 * event builders from engine results, and a publisher that retries until
 * JetStream acknowledges (a violation is never dropped: if NATS stays away
 * the chunk job fails and BullMQ retries it, and the message ids make the
 * retry's events duplicates that JetStream discards).
 */

import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { AuditErrorEvent, AuditViolationEvent } from "@portcullis/events";
import {
  auditMsgId,
  type AuditRunSummary as BaseRunSummary,
  auditEvent as buildAuditEvent,
  connectNats,
  ensureStream,
  messageHash,
  type Subjects,
  subjects,
} from "@portcullis/events";

const DEFAULT_STREAM_NAME = "PORTCULLIS_VIOLATIONS";
const DEFAULT_SUBJECT_PREFIX = "portcullis";

import { actionsOf, ENFORCEMENT_POINTS, type Result } from "@portcullis/engine";

export type { AuditErrorEvent, AuditViolationEvent, Subjects } from "@portcullis/events";
export { DEFAULT_PREFIX, DEFAULT_STREAM, subjects } from "@portcullis/events";

/** The run summary, with what the audit adds: scope, per-action counts and chunk count. */
export interface AuditRunSummary extends BaseRunSummary {
  /** The scope (queue name) the run belongs to. */
  scope: string;
  /** enforcement action -> violations (Gatekeeper's gatekeeper_violations gauge). */
  byAction: Record<string, number>;
  chunks: number;
}

/** Same run, constraint, object and message -> same id: a retried chunk's events are duplicates. */
export function violationMsgId(e: AuditViolationEvent): string {
  const obj =
    e.resourceUID || `${e.resourceGroup}/${e.resourceKind}/${e.resourceNamespace}/${e.resourceName}`;
  return auditMsgId(e.id, e.kind, e.name, obj, e.message);
}

export function errorMsgId(e: AuditErrorEvent): string {
  return `audit-error:${e.id}:${e.constraintKind}/${e.constraintName}:${e.resourceAPIVersion}/${e.resourceKind}/${e.resourceNamespace}/${e.resourceName}:${messageHash(e.message)}`;
}

export const summaryMsgId = (runId: string): string => `audit-summary:${runId}`;

/** One event per result, with the actions it takes at the audit point (scoped constraints). */
export function auditEvent(
  runId: string,
  r: Result,
  obj: Record<string, unknown>,
  timestamp: Date,
): AuditViolationEvent {
  const e = buildAuditEvent(r, obj, { runId, timestamp });
  if (r.enforcementAction === "scoped") e.enforcementActions = actionsOf(r, ENFORCEMENT_POINTS.audit);
  return e;
}

export interface EventBusOptions {
  servers: string;
  stream?: string;
  prefix?: string;
  /** JetStream's dedupe window when this process creates the stream (packages/events' default otherwise). */
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
    this.stream = o.stream ?? DEFAULT_STREAM_NAME;
    this.subjects = subjects(o.prefix ?? DEFAULT_SUBJECT_PREFIX);
  }

  static async connect(o: EventBusOptions): Promise<EventBus> {
    const nc = await connectNats(o.servers.replace(/nats:\/\//g, ""));
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, {
      name: o.stream ?? DEFAULT_STREAM_NAME,
      prefix: o.prefix ?? DEFAULT_SUBJECT_PREFIX,
      ...(o.duplicateWindowMs !== undefined ? { duplicateWindowMs: o.duplicateWindowMs } : {}),
    });
    return new EventBus(nc, jetstream(nc), jsm, o);
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
