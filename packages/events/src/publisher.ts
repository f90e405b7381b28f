/*
 * Publishing events to JetStream with a dedupe id and retries.
 *
 * Two ways in:
 *  - publish(): awaits the stream's ack (retrying with backoff); the audit
 *    uses it so a chunk is only done when its events are stored.
 *  - enqueue(): never blocks and never throws; the event goes into a bounded
 *    in-memory buffer drained in the background. When the buffer is full the
 *    oldest event is dropped and counted. The webhook uses it so a slow or
 *    absent NATS never adds latency to, or fails, an admission review.
 */
import { type JetStreamClient, jetstream, type PubAck } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

export type DropReason = "buffer_full" | "failed" | "closed";

export interface PublisherOptions {
  /** The connection; may be attached later with attach() (e.g. NATS is down at start). */
  nc?: NatsConnection;
  /** Events held by enqueue() at most. Default 10,000. */
  bufferSize?: number;
  /** Background publishes in flight at once. Default 32. */
  concurrency?: number;
  /** Attempts per event before it counts as failed. Default 10. */
  maxAttempts?: number;
  /** Per-attempt ack timeout, ms. Default 5,000. */
  timeoutMs?: number;
  /** First retry delay, doubling up to maxBackoffMs. Defaults 50 and 2,000. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Called for every event given up on (metric hook). */
  onDrop?: (reason: DropReason, subject: string) => void;
  /** Called for every stored event; duplicate=true when the stream deduped it. */
  onPublished?: (subject: string, duplicate: boolean) => void;
  /** Called for each failed attempt (logging hook). */
  onError?: (err: unknown, subject: string, attempt: number) => void;
}

interface Item {
  subject: string;
  data: string;
  msgID: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref?.());

export class EventPublisher {
  #js: JetStreamClient | undefined;
  readonly #o: Required<Omit<PublisherOptions, "nc" | "onDrop" | "onPublished" | "onError">>;
  readonly #opts: PublisherOptions;
  // A ring would save the shift(); a head index over an array does the same cheaply.
  #queue: Item[] = [];
  #head = 0;
  #inFlight = 0;
  #dropped = 0;
  #published = 0;
  #closed = false;
  #idle: (() => void)[] = [];
  #wake: (() => void) | undefined;

  constructor(opts: PublisherOptions = {}) {
    this.#opts = opts;
    this.#o = {
      bufferSize: opts.bufferSize ?? 10_000,
      concurrency: opts.concurrency ?? 32,
      maxAttempts: opts.maxAttempts ?? 10,
      timeoutMs: opts.timeoutMs ?? 5_000,
      backoffMs: opts.backoffMs ?? 50,
      maxBackoffMs: opts.maxBackoffMs ?? 2_000,
    };
    if (opts.nc) this.attach(opts.nc);
  }

  /** Starts publishing over this connection (buffered events go out now). */
  attach(nc: NatsConnection): void {
    this.#js = jetstream(nc, { timeout: this.#o.timeoutMs });
    this.#pump();
  }

  get attached(): boolean {
    return this.#js !== undefined;
  }

  /** Events waiting in the buffer or being published. */
  get pending(): number {
    return this.#queue.length - this.#head + this.#inFlight;
  }

  get dropped(): number {
    return this.#dropped;
  }

  get published(): number {
    return this.#published;
  }

  /** Publishes and waits for the stream's ack, retrying; throws after maxAttempts. */
  async publish(subject: string, event: unknown, msgID: string): Promise<PubAck> {
    return this.#send({ subject, data: JSON.stringify(event), msgID });
  }

  /** Buffers the event for background publishing; false if it could not be kept. */
  enqueue(subject: string, event: unknown, msgID: string): boolean {
    if (this.#closed) {
      this.#drop("closed", subject);
      return false;
    }
    let data: string;
    try {
      data = JSON.stringify(event);
    } catch {
      this.#drop("failed", subject);
      return false;
    }
    let kept = true;
    if (this.#queue.length - this.#head >= this.#o.bufferSize) {
      // Oldest out: under a long outage the freshest violations are the useful ones.
      const old = this.#queue[this.#head++];
      if (old) this.#drop("buffer_full", old.subject);
      kept = this.#o.bufferSize > 0;
    }
    if (this.#o.bufferSize > 0) this.#queue.push({ subject, data, msgID });
    else this.#drop("buffer_full", subject);
    this.#compact();
    this.#pump();
    return kept;
  }

  /** Resolves true once everything buffered is published (or dropped), false on timeout. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    if (this.pending === 0) return true;
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Tries to flush for up to timeoutMs, then drops what is left (counted). */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.#js !== undefined) await this.flush(timeoutMs);
    this.#closed = true;
    while (this.#head < this.#queue.length) this.#drop("closed", this.#queue[this.#head++]!.subject);
    this.#queue = [];
    this.#head = 0;
    this.#wake?.();
  }

  #drop(reason: DropReason, subject: string): void {
    this.#dropped++;
    this.#opts.onDrop?.(reason, subject);
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #pump(): void {
    if (this.#js === undefined) return;
    while (this.#inFlight < this.#o.concurrency && this.#head < this.#queue.length && !this.#closed) {
      const item = this.#queue[this.#head++]!;
      this.#inFlight++;
      this.#send(item).then(
        () => this.#done(),
        () => {
          this.#drop("failed", item.subject);
          this.#done();
        },
      );
    }
    this.#compact();
  }

  #done(): void {
    this.#inFlight--;
    this.#pump();
    if (this.pending === 0) for (const f of this.#idle.splice(0)) f();
  }

  async #send(item: Item): Promise<PubAck> {
    let delay = this.#o.backoffMs;
    for (let attempt = 1; ; attempt++) {
      const js = this.#js;
      try {
        if (js === undefined) throw new Error("not connected to NATS");
        const ack = await js.publish(item.subject, item.data, {
          msgID: item.msgID,
          timeout: this.#o.timeoutMs,
        });
        this.#published++;
        this.#opts.onPublished?.(item.subject, ack.duplicate);
        return ack;
      } catch (e) {
        this.#opts.onError?.(e, item.subject, attempt);
        if (attempt >= this.#o.maxAttempts || this.#closed) throw e;
        await sleep(delay);
        delay = Math.min(delay * 2, this.#o.maxBackoffMs);
      }
    }
  }
}
