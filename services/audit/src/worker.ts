/*
 * The worker role: evaluates chunk jobs (every constraint acting at the audit
 * point against each object, Gatekeeper's audit review: object + namespace
 * object, no operation or user), publishes each violation before the job
 * completes, and returns the chunk's exact counts; when every chunk of a run
 * is done it finalises the run: sums the chunks' results into the summary.
 *
 * A worker killed mid-chunk leaves the job locked until its lock expires;
 * BullMQ's stalled-job check then hands it to another worker, which
 * evaluates the whole chunk again: the counts come only from the completed
 * attempt, and the re-published events carry the same message ids, so
 * JetStream drops the duplicates.
 */
import { cacheKeys } from "@portcullis/cache";
import { actionsOf, ENFORCEMENT_POINTS } from "@portcullis/engine";
import type { PolicyMirror } from "@portcullis/mirror";
import type { Counter, Logger } from "@portcullis/service";
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import {
  type AuditErrorEvent,
  type AuditRunSummary,
  type AuditViolationEvent,
  auditEvent,
  type EventBus,
  errorMsgId,
  publishAll,
  summaryMsgId,
  violationMsgId,
} from "./events.ts";
import { type ChunkData, type ChunkResult, type RunData, type ScopeNames, scopeNames } from "./queues.ts";
import { excludedFor, namespaceExcluded } from "./scope.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export interface WorkerOptions {
  scope: string;
  redis: Redis;
  mirror: PolicyMirror;
  bus: EventBus;
  log: Logger;
  concurrency: number;
  /** How long a chunk's lock lives without renewal: how soon a killed worker's chunk is retried. */
  lockDurationMs: number;
  /** How often stalled (lock-expired) jobs are looked for. */
  stalledIntervalMs: number;
  /** Log a violation_audited line per violation (Gatekeeper does). */
  logViolations: boolean;
  /** Per-evaluation deadline so one pathological policy cannot hold a chunk forever. */
  evalTimeoutMs: number;
  /** Fault injection for tests: hold a chunk this long after its events are published. */
  chunkHoldMs?: number;
  metrics?: { chunks: Counter; objects: Counter; violations: Counter };
}

export class AuditWorker {
  readonly #o: WorkerOptions;
  readonly #names: ScopeNames;
  readonly #chunks: Worker<ChunkData, ChunkResult>;
  readonly #runs: Worker<RunData, AuditRunSummary>;

  constructor(o: WorkerOptions) {
    this.#o = o;
    this.#names = scopeNames(o.scope);
    const common = {
      connection: o.redis,
      autorun: false,
      lockDuration: o.lockDurationMs,
      stalledInterval: o.stalledIntervalMs,
      // A stall is a crash, not a bad chunk: retry it as often as a failure.
      maxStalledCount: 5,
    };
    this.#chunks = new Worker(this.#names.chunks, (job) => this.chunk(job), {
      ...common,
      concurrency: o.concurrency,
    });
    this.#runs = new Worker(this.#names.runs, (job) => this.finalize(job), { ...common, concurrency: 1 });
    this.#chunks.on("failed", (job, e) =>
      o.log.warn("audit chunk failed", {
        audit_id: job?.data.runId,
        chunk: job?.name,
        attempt: job?.attemptsMade,
        err: e.message,
      }),
    );
    this.#runs.on("failed", (job, e) =>
      o.log.error("audit run failed", { audit_id: job?.data.runId, err: e.message }),
    );
  }

  start(): void {
    void this.#chunks.run();
    void this.#runs.run();
  }

  async stop(): Promise<void> {
    await Promise.all([this.#chunks.close(), this.#runs.close()]);
  }

  async #objects(data: ChunkData): Promise<Obj[]> {
    if (data.mode === "api") {
      const text = await this.#o.redis.get(data.pageKey);
      if (text === null) throw new Error(`page ${data.pageKey} is gone (run older than a day?)`);
      return JSON.parse(text) as Obj[];
    }
    const key = cacheKeys({ cluster: data.cacheName }).collection(data.collection);
    const values = data.keys.length ? await this.#o.redis.hmget(key, ...data.keys) : [];
    // Stored as {"r":<revision>,"o":<object>} (packages/cache); null: deleted since the run was planned.
    return values.filter((v): v is string => v !== null).map((v) => (JSON.parse(v) as { o: Obj }).o);
  }

  async chunk(job: Job<ChunkData, ChunkResult>): Promise<ChunkResult> {
    const { mirror, bus, log } = this.#o;
    const { runId } = job.data;
    const objects = await this.#objects(job.data);
    const client = mirror.client;
    const exempt = excludedFor(mirror.config(), "audit");
    const result: ChunkResult = { objects: 0, errors: 0, totals: {}, byAction: {} };
    const msgs: { subject: string; payload: unknown; id: string }[] = [];
    const now = new Date();
    const timestamp = now.toISOString();
    for (const obj of objects) {
      const meta = isObj(obj.metadata) ? obj.metadata : {};
      const ns = typeof meta.namespace === "string" ? meta.namespace : "";
      if (namespaceExcluded(exempt, ns)) continue;
      // A Namespace is its own namespace object for namespaceSelector.
      const nsObj =
        obj.kind === "Namespace" && obj.apiVersion === "v1" ? obj : ns ? mirror.namespace(ns) : undefined;
      result.objects++;
      let review: ReturnType<typeof client.review>;
      try {
        review = client.review(obj, {
          ...(nsObj ? { namespace: nsObj } : {}),
          deadline: Date.now() + this.#o.evalTimeoutMs,
        });
      } catch (e) {
        review = { results: [], errors: [{ code: "review_error", message: String(e), kind: "", name: "" }] };
      }
      for (const r of review.results) {
        const actions = actionsOf(r, ENFORCEMENT_POINTS.audit);
        if (actions.length === 0) continue;
        const key = `${r.kind}/${r.name}`;
        result.totals[key] = (result.totals[key] ?? 0) + 1;
        for (const a of actions) result.byAction[a] = (result.byAction[a] ?? 0) + 1;
        const e: AuditViolationEvent = auditEvent(runId, r, obj, now);
        msgs.push({ subject: bus.subjects.audit(r.kind, r.name), payload: e, id: violationMsgId(e) });
        if (this.#o.logViolations)
          log.info("violation_audited", {
            audit_id: runId,
            event_type: "violation_audited",
            constraint_kind: r.kind,
            constraint_name: r.name,
            constraint_action: r.enforcementAction,
            resource_api_version: e.resourceAPIVersion,
            resource_group: e.resourceGroup,
            resource_kind: e.resourceKind,
            resource_namespace: e.resourceNamespace,
            resource_name: e.resourceName,
            msg_text: r.msg,
          });
      }
      for (const err of review.errors) {
        result.errors++;
        const e: AuditErrorEvent = {
          eventType: "audit_error",
          id: runId,
          constraintKind: err.kind,
          constraintName: err.name,
          resourceAPIVersion: String(obj.apiVersion ?? ""),
          resourceKind: String(obj.kind ?? ""),
          resourceNamespace: ns,
          resourceName: String(meta.name ?? ""),
          message: err.message,
          timestamp,
        };
        msgs.push({ subject: bus.subjects.auditErrors, payload: e, id: errorMsgId(e) });
        log.warn("audit evaluation error", {
          audit_id: runId,
          constraint: `${err.kind}/${err.name}`,
          object: `${e.resourceKind} ${ns}/${e.resourceName}`,
          err: err.message,
        });
      }
    }
    // Every event is acknowledged by JetStream before the chunk counts as done.
    await this.#publishOnce(`${runId}:${job.id}`, msgs);
    log.debug("audit chunk published", {
      audit_id: runId,
      chunk: job.name,
      job: job.id,
      events: msgs.length,
    });
    if (this.#o.chunkHoldMs) await new Promise((r) => setTimeout(r, this.#o.chunkHoldMs));
    const m = this.#o.metrics;
    m?.chunks.inc();
    m?.objects.inc(result.objects);
    m?.violations.inc(msgs.length);
    return result;
  }

  /**
   * Publishes a chunk's events, skipping those an earlier attempt of the same job
   * already had acknowledged (recorded in Redis after each batch), so a retried
   * chunk publishes nothing twice even beyond JetStream's dedupe window; the
   * message ids cover the gap between an ack and its record.
   */
  async #publishOnce(
    attemptKey: string,
    msgs: { subject: string; payload: unknown; id: string }[],
  ): Promise<void> {
    const { redis, bus } = this.#o;
    const key = this.#names.acked(attemptKey);
    let todo = msgs;
    if ((await redis.exists(key)) === 1 && msgs.length > 0) {
      const seen = await redis.smismember(key, ...msgs.map((m) => m.id));
      todo = msgs.filter((_, i) => seen[i] !== 1);
    }
    for (let i = 0; i < todo.length; i += 256) {
      const batch = todo.slice(i, i + 256);
      await publishAll(bus, batch);
      await redis
        .multi()
        .sadd(key, ...batch.map((m) => m.id))
        .expire(key, 86_400)
        .exec();
    }
  }

  async finalize(job: Job<RunData, AuditRunSummary>): Promise<AuditRunSummary> {
    const { bus, log, redis } = this.#o;
    const d = job.data;
    const values = (await job.getChildrenValues<ChunkResult>()) as Record<string, ChunkResult>;
    const summary: AuditRunSummary = {
      eventType: "audit_finished",
      id: d.runId,
      scope: d.scope,
      startedAt: d.startedAt,
      finishedAt: new Date().toISOString(),
      totals: Object.fromEntries(d.constraints.map((c) => [c, 0])),
      byAction: {},
      objectsAudited: 0,
      errors: 0,
      chunks: 0,
    };
    for (const v of Object.values(values)) {
      summary.chunks++;
      summary.objectsAudited += v.objects;
      summary.errors += v.errors;
      for (const [k, n] of Object.entries(v.totals)) summary.totals[k] = (summary.totals[k] ?? 0) + n;
      for (const [k, n] of Object.entries(v.byAction)) summary.byAction[k] = (summary.byAction[k] ?? 0) + n;
    }
    await bus.publish(bus.subjects.auditRuns, summary, summaryMsgId(d.runId));
    for (let i = 0; i < d.pages; i++) await redis.del(this.#names.page(d.runId, i));
    const total = Object.values(summary.totals).reduce((a, b) => a + b, 0);
    log.info("audit_finished", {
      audit_id: d.runId,
      event_type: "audit_finished",
      objects: summary.objectsAudited,
      violations: total,
      errors: summary.errors,
      chunks: summary.chunks,
      seconds: (Date.parse(summary.finishedAt) - Date.parse(d.startedAt)) / 1000,
    });
    return summary;
  }
}
