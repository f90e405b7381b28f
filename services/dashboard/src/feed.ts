/*
 * The live feed: an ordered JetStream consumer on the violation stream
 * (admission and audit violations), kept as a ring of the latest events and
 * fanned out to Server-Sent Events listeners.
 */
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeEvent, type Subjects, type ViolationEvent } from "@portcullis/events";
import type { Logger } from "@portcullis/service";

export interface FeedEvent {
  seq: number;
  subject: string;
  source: "admission" | "audit";
  event: ViolationEvent & { decision?: string; operation?: string; user?: string };
}

export class LiveFeed {
  readonly #ring: FeedEvent[] = [];
  readonly #listeners = new Set<(e: FeedEvent) => void>();
  readonly #size: number;
  #stopped = false;
  received = 0;

  constructor(size = 500) {
    this.#size = size;
  }

  recent(n = this.#size): FeedEvent[] {
    return this.#ring.slice(-n);
  }

  subscribe(fn: (e: FeedEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  push(e: FeedEvent): void {
    this.received++;
    this.#ring.push(e);
    if (this.#ring.length > this.#size) this.#ring.splice(0, this.#ring.length - this.#size);
    for (const l of this.#listeners) l(e);
  }

  /** Consumes the stream from `sinceMs` ago; resolves once the consumer is set up. */
  async attach(
    nc: NatsConnection,
    o: { stream: string; subjects: Subjects; sinceMs: number; log: Logger },
  ): Promise<void> {
    const js = jetstream(nc);
    const consumer = await js.consumers.get(o.stream, {
      filter_subjects: o.subjects.allViolations,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(Date.now() - o.sinceMs).toISOString(),
    });
    const messages = await consumer.consume();
    const admissionPrefix = `${o.subjects.prefix}.violations.admission.`;
    void (async () => {
      for await (const m of messages) {
        if (this.#stopped) break;
        try {
          const event = decodeEvent<FeedEvent["event"]>(m.data);
          this.push({
            seq: m.seq,
            subject: m.subject,
            source: m.subject.startsWith(admissionPrefix) ? "admission" : "audit",
            event,
          });
        } catch (e) {
          o.log.debug("feed: undecodable event", { subject: m.subject, err: String(e) });
        }
      }
    })().catch((e: unknown) => o.log.warn("feed: consumer ended", { err: String(e) }));
  }

  stop(): void {
    this.#stopped = true;
    this.#listeners.clear();
  }
}
