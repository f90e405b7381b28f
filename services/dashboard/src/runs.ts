/*
 * Audit run history: an ordered JetStream consumer on `<prefix>.audit.runs`
 * (one AuditRunSummary per finished run), starting `sinceMs` ago and keeping
 * the latest `size` runs, oldest first, for the overview chart.
 */
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type AuditRunSummary, decodeEvent, type Subjects } from "@portcullis/events";
import type { Logger } from "@portcullis/service";

export interface RunPoint {
  id: string;
  scope: string;
  finishedAt: string;
  total: number;
  /** "<Kind>/<name>" -> violations in this run. */
  totals: Record<string, number>;
  objectsAudited: number;
  errors: number;
}

/** A summary as published (the audit adds `scope`); null when it is not one. */
export function runPoint(s: Partial<AuditRunSummary> & { scope?: unknown }): RunPoint | null {
  if (s.eventType !== "audit_finished" || typeof s.id !== "string") return null;
  const totals: Record<string, number> = {};
  let total = 0;
  for (const [k, v] of Object.entries(s.totals ?? {}))
    if (typeof v === "number" && Number.isFinite(v)) {
      totals[k] = v;
      total += v;
    }
  return {
    id: s.id,
    scope: typeof s.scope === "string" ? s.scope : "",
    finishedAt: typeof s.finishedAt === "string" ? s.finishedAt : "",
    total,
    totals,
    objectsAudited: typeof s.objectsAudited === "number" ? s.objectsAudited : 0,
    errors: typeof s.errors === "number" ? s.errors : 0,
  };
}

export class RunHistory {
  readonly #runs: RunPoint[] = [];
  readonly #listeners = new Set<(r: RunPoint) => void>();
  readonly #size: number;
  #stopped = false;

  constructor(size = 30) {
    this.#size = size;
  }

  /** The kept runs, oldest first. */
  runs(): RunPoint[] {
    return [...this.#runs];
  }

  subscribe(fn: (r: RunPoint) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  push(r: RunPoint): void {
    // A redelivered summary (same run id) replaces the kept one.
    const i = this.#runs.findIndex((x) => x.id === r.id);
    if (i >= 0) this.#runs[i] = r;
    else this.#runs.push(r);
    if (this.#runs.length > this.#size) this.#runs.splice(0, this.#runs.length - this.#size);
    for (const l of this.#listeners) l(r);
  }

  /** Consumes run summaries from `sinceMs` ago; resolves once the consumer is set up. */
  async attach(
    nc: NatsConnection,
    o: { stream: string; subjects: Subjects; sinceMs: number; log: Logger },
  ): Promise<void> {
    const consumer = await jetstream(nc).consumers.get(o.stream, {
      filter_subjects: o.subjects.auditRuns,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(Date.now() - o.sinceMs).toISOString(),
    });
    const messages = await consumer.consume();
    void (async () => {
      for await (const m of messages) {
        if (this.#stopped) break;
        try {
          const r = runPoint(decodeEvent<AuditRunSummary>(m.data));
          if (r) this.push(r);
        } catch (e) {
          o.log.debug("runs: undecodable summary", { subject: m.subject, err: String(e) });
        }
      }
    })().catch((e: unknown) => o.log.warn("runs: consumer ended", { err: String(e) }));
  }

  stop(): void {
    this.#stopped = true;
    this.#listeners.clear();
  }
}
