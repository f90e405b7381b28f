/*
 * The status-writer role: a durable JetStream consumer of the audit events.
 * Violation events fill, per run and constraint, a Redis sorted set holding
 * the first constraintViolationsLimit entries in a fixed order (namespace,
 * name, kind, message), so a redelivered event changes nothing and the
 * kept entries do not depend on arrival order. A run's summary (published
 * after all of its chunks' events were acknowledged) then patches each
 * constraint's status: auditTimestamp = the run's start, totalViolations
 * from the summary's exact totals, violations[] from the set. A summary of a
 * run older than the status' auditTimestamp is skipped, so a late or
 * replayed summary never overwrites a newer run.
 *
 * Messages are handled one at a time in stream order; run one replica (a
 * second one is safe for the status but may see a summary before another
 * replica stored that run's last events).
 */
import { AckPolicy, type Consumer, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import { KubeApiError, type KubeRest } from "@portcullis/kube";
import type { Gauge, Histogram, Logger } from "@portcullis/service";
import type { Redis } from "ioredis";
import type { AuditRunSummary, AuditViolationEvent, EventBus } from "./events.ts";

export interface StatusViolation {
  enforcementAction: string;
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace?: string;
  message: string;
}

export interface StatusWriterOptions {
  bus: EventBus;
  redis: Redis;
  rest: KubeRest;
  log: Logger;
  /** Durable consumer name. */
  durable: string;
  limit: number;
  /** Prefix of the Redis keys holding runs' first violations. */
  keyPrefix: string;
  metrics?: {
    violations: Gauge;
    duration: Histogram;
    lastRun: Gauge;
    lastRunEnd: Gauge;
  };
}

// JSON.stringify escapes control characters, so the entry (after the last SEP) never holds one.
const SEP = "\u0000";

export class StatusWriter {
  readonly #o: StatusWriterOptions;
  #consumer: Consumer | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #lastRun = "";

  constructor(o: StatusWriterOptions) {
    this.#o = o;
  }

  get lastRun(): string {
    return this.#lastRun;
  }

  async start(): Promise<void> {
    const { bus, durable } = this.#o;
    try {
      await bus.jsm.consumers.info(bus.stream, durable);
    } catch {
      await bus.jsm.consumers.add(bus.stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        // audit events and run summaries; admission events are not ours.
        filter_subject: `${bus.subjects.all}`,
        ack_wait: 60_000_000_000,
        max_deliver: -1,
      });
    }
    this.#consumer = await bus.js.consumers.get(bus.stream, durable);
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const batch = await this.#consumer?.fetch({ max_messages: 256, expires: 1000 });
        if (!batch) return;
        for await (const m of batch) {
          if (this.#stopped) {
            m.nak();
            continue;
          }
          await this.#handle(m);
        }
      } catch (e) {
        if (this.#stopped) return;
        this.#o.log.warn("status writer: consuming failed; retrying", { err: String(e) });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Retries a message in place until it is processed, so stream order is kept (summary after its events). */
  async #handle(m: JsMsg): Promise<void> {
    const subjects = this.#o.bus.subjects;
    for (let wait = 500; ; wait = Math.min(wait * 2, 10_000)) {
      try {
        if (m.subject === subjects.auditRuns) await this.#summary(m.json<AuditRunSummary>());
        else if (m.subject.startsWith(subjects.allAudit.slice(0, -1)))
          await this.#violation(m.json<AuditViolationEvent>());
        m.ack();
        return;
      } catch (e) {
        if (this.#stopped) {
          m.nak();
          return;
        }
        this.#o.log.warn("status writer: message not processed; retrying", {
          subject: m.subject,
          err: String(e),
        });
        m.working();
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  #key(runId: string, constraint: string): string {
    return `${this.#o.keyPrefix}:{${runId}}:${constraint}`;
  }

  async #violation(e: AuditViolationEvent): Promise<void> {
    const entry: StatusViolation = {
      enforcementAction: e.enforcementAction,
      group: e.resourceGroup,
      version: e.resourceAPIVersion,
      kind: e.resourceKind,
      name: e.resourceName,
      ...(e.resourceNamespace ? { namespace: e.resourceNamespace } : {}),
      message: e.message,
    };
    const order = [e.resourceNamespace, e.resourceName, e.resourceKind, e.resourceGroup, e.message].join(SEP);
    const key = this.#key(e.id, `${e.kind}/${e.name}`);
    // Same score: the set orders by member, so the N kept are the N smallest, whatever the arrival order.
    await this.#o.redis
      .multi()
      .zadd(key, 0, `${order}${SEP}${JSON.stringify(entry)}`)
      .zremrangebyrank(key, this.#o.limit, -1)
      .expire(key, 86_400)
      .exec();
  }

  async #summary(s: AuditRunSummary): Promise<void> {
    const { rest, redis, log, limit } = this.#o;
    for (const [constraint, total] of Object.entries(s.totals)) {
      const slash = constraint.indexOf("/");
      const kind = constraint.slice(0, slash);
      const name = constraint.slice(slash + 1);
      const members = await redis.zrange(this.#key(s.id, constraint), 0, limit - 1);
      const violations = members.map((m) => JSON.parse(m.slice(m.lastIndexOf(SEP) + 1)) as StatusViolation);
      const path = `/apis/constraints.gatekeeper.sh/v1beta1/${kind.toLowerCase()}/${encodeURIComponent(name)}`;
      const current = await rest.find<{ status?: { auditTimestamp?: string } }>(path);
      if (!current) {
        log.info("status writer: constraint gone; status not written", { audit_id: s.id, constraint });
        continue;
      }
      const at = current.status?.auditTimestamp;
      if (at && Date.parse(at) > Date.parse(s.startedAt)) {
        log.info("status writer: newer run already written; skipping", {
          audit_id: s.id,
          constraint,
          auditTimestamp: at,
        });
        continue;
      }
      try {
        await rest.mergePatch(`${path}/status`, {
          status: { auditTimestamp: s.startedAt, totalViolations: total, violations },
        });
      } catch (e) {
        if (e instanceof KubeApiError && e.status === 404) continue;
        throw e;
      }
    }
    // The sets are kept (they expire): a redelivered summary must write the same status again.
    const m = this.#o.metrics;
    if (m) {
      m.violations.reset();
      for (const [a, n] of Object.entries(s.byAction ?? {})) m.violations.set({ enforcement_action: a }, n);
      const start = Date.parse(s.startedAt) / 1000;
      const end = Date.parse(s.finishedAt) / 1000;
      m.duration.observe(end - start);
      m.lastRun.set(start);
      m.lastRunEnd.set(end);
    }
    this.#lastRun = s.id;
    log.info("audit status written", { audit_id: s.id, constraints: Object.keys(s.totals).length });
  }
}
