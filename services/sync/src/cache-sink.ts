/*
 * Every cache write sync makes goes through here, in one ordered queue:
 * - consecutive puts/deletes are batched into one writer.apply() call
 *   (informer bursts become a few round trips);
 * - the queue remembers the desired content of every collection, so when
 *   Redis comes back empty (epoch lost) it rebuilds the whole cache from
 *   memory without relisting the cluster;
 * - a write is only attempted while this process holds the lease
 *   (`canWrite`), and the writer fences it in Redis as well;
 * - transient Redis errors are retried with backoff, holding the queue
 *   (informers wait: nothing is dropped or reordered).
 */
import {
  type CacheWriter,
  type Collection,
  EpochLostError,
  FencedError,
  META,
  type WriteOp,
} from "@portcullis/cache";
import type { Logger } from "@portcullis/service";
import { traced } from "./tracing.ts";

type KObj = Record<string, unknown>;

type Task =
  | { t: "op"; op: WriteOp; done: Deferred }
  | { t: "reconcile"; collection: Collection; entries: Map<string, KObj>; done: Deferred }
  | { t: "drop"; collection: Collection; done: Deferred }
  | { t: "rebuild"; done: Deferred }
  | { t: "check"; done: Deferred }
  | { t: "prune"; done: Deferred }
  | { t: "complete"; done: Deferred };

interface Deferred {
  resolve(): void;
  reject(e: unknown): void;
}

export class NotLeaderError extends Error {
  constructor() {
    super("not the leader: cache writes are refused");
    this.name = "NotLeaderError";
  }
}

export interface CacheSinkOptions {
  writer: CacheWriter;
  log: Logger;
  canWrite: () => boolean;
  /** Called when the writer was fenced off (another leader wrote). */
  onFenced: () => void;
  /** Observes each successful batch: ops written and how long they waited. */
  onWritten?: (n: number, oldestQueuedMs: number) => void;
  onEpoch?: (epoch: string, rebuilt: boolean) => void;
  maxBatch?: number;
}

export class CacheSink {
  readonly #o: CacheSinkOptions;
  readonly #desired = new Map<Collection, Map<string, KObj>>();
  #queue: { task: Task; at: number }[] = [];
  #running = false;
  #closed = false;
  #healthy = true;
  #lastError: string | undefined;
  #epoch = "";
  #rebuilds = 0;
  /** The initial lists were all written (markComplete ran) in this term. */
  #complete = false;

  constructor(o: CacheSinkOptions) {
    this.#o = o;
  }

  /** Whether the last write attempt reached Redis. */
  get healthy(): boolean {
    return this.#healthy;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }
  get epoch(): string {
    return this.#epoch;
  }
  get rebuilds(): number {
    return this.#rebuilds;
  }
  /** Every collection sync currently mirrors, with its size. */
  sizes(): Map<Collection, number> {
    return new Map([...this.#desired].map(([c, m]) => [c, m.size]));
  }
  get pending(): number {
    return this.#queue.length;
  }

  /** The desired content of a collection (what sync believes the cache holds). */
  collection(c: Collection): ReadonlyMap<string, KObj> | undefined {
    return this.#desired.get(c);
  }

  put(collection: Collection, key: string, object: KObj): Promise<void> {
    return this.#push((done) => ({ t: "op", op: { op: "put", collection, key, object }, done }));
  }

  delete(collection: Collection, key: string): Promise<void> {
    return this.#push((done) => ({ t: "op", op: { op: "delete", collection, key }, done }));
  }

  /** Makes the collection equal to `entries` (deletes included), never emptying it first. */
  reconcile(collection: Collection, entries: Map<string, KObj>): Promise<void> {
    return this.#push((done) => ({ t: "reconcile", collection, entries, done }));
  }

  drop(collection: Collection): Promise<void> {
    return this.#push((done) => ({ t: "drop", collection, done }));
  }

  /** Rewrites every collection from memory (after Redis lost its data). */
  rebuild(): Promise<void> {
    return this.#push((done) => ({ t: "rebuild", done }));
  }

  /**
   * Makes sure the cache has an epoch; if Redis came back empty, rebuilds it
   * from memory. Run periodically: a Redis restart may happen while nothing
   * is being written.
   */
  checkEpoch(): Promise<void> {
    return this.#push((done) => ({ t: "check", done }));
  }

  /** Drops collections Redis holds that sync does not (kinds removed while no leader ran). */
  pruneUnknown(): Promise<void> {
    return this.#push((done) => ({ t: "prune", done }));
  }

  /**
   * Marks the cache complete for its epoch: everything sync lists is written.
   * From then on a rebuild (Redis lost its data) marks it again when done.
   */
  markComplete(): Promise<void> {
    return this.#push((done) => ({ t: "complete", done }));
  }

  /** Rejects queued work; used when leadership is lost or on shutdown. */
  close(reason: Error = new NotLeaderError()): void {
    this.#closed = true;
    for (const { task } of this.#queue.splice(0)) task.done.reject(reason);
  }

  /** Waits until everything queued so far is written. */
  async flush(): Promise<void> {
    if (this.#queue.length === 0 && !this.#running) return;
    await this.#push((done) => ({ t: "op", op: { op: "noop" } as unknown as WriteOp, done })).catch(() => {});
  }

  #push(make: (d: Deferred) => Task): Promise<void> {
    if (this.#closed) return Promise.reject(new NotLeaderError());
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ task: make({ resolve, reject }), at: performance.now() });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const first = this.#queue[0];
        if (first.task.t === "op") {
          // A run of plain ops becomes one batch.
          let n = 0;
          const max = this.#o.maxBatch ?? 500;
          while (n < this.#queue.length && n < max && this.#queue[n].task.t === "op") n++;
          const batch = this.#queue.slice(0, n);
          const ops = batch.map((b) => (b.task as { op: WriteOp }).op);
          await traced("sync.cache.write", { "portcullis.ops": ops.length }, () =>
            this.#attempt(() => this.#applyOps(ops)),
          );
          this.#queue.splice(0, n);
          this.#o.onWritten?.(n, performance.now() - first.at);
          for (const b of batch) b.task.done.resolve();
        } else {
          await traced(`sync.cache.${first.task.t}`, {}, () => this.#attempt(() => this.#run(first.task)));
          this.#queue.shift();
          first.task.done.resolve();
        }
      }
    } catch (e) {
      // Only non-retryable errors get here (fenced / not leader): fail everything queued.
      this.close(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.#running = false;
    }
  }

  async #applyOps(ops: WriteOp[]): Promise<void> {
    const real: WriteOp[] = [];
    for (const op of ops) {
      if ((op.op as string) === "noop") continue;
      this.#remember(op);
      real.push(op);
    }
    if (real.length > 0) await this.#o.writer.apply(real);
  }

  #remember(op: WriteOp): void {
    let m = this.#desired.get(op.collection);
    if (op.op === "put") {
      if (!m) this.#desired.set(op.collection, (m = new Map()));
      m.set(op.key, op.object as KObj);
    } else m?.delete(op.key);
  }

  async #run(task: Task): Promise<void> {
    switch (task.t) {
      case "reconcile":
        this.#desired.set(task.collection, new Map(task.entries));
        await this.#o.writer.reconcile(task.collection, task.entries);
        return;
      case "drop":
        this.#desired.delete(task.collection);
        await this.#o.writer.dropCollection(task.collection);
        return;
      case "rebuild":
        await this.#rebuild();
        return;
      case "check": {
        const { epoch, created } = await this.#o.writer.init();
        if (created) {
          this.#o.log.warn("cache was empty (Redis restarted without data?): rebuilding", { epoch });
          await this.#rebuild();
        } else if (epoch !== this.#epoch) {
          this.#epoch = epoch;
          this.#o.onEpoch?.(epoch, false);
        }
        return;
      }
      case "complete":
        await this.#o.writer.markComplete();
        this.#complete = true;
        return;
      case "prune":
        for (const c of await this.#o.writer.collections()) {
          if (this.#desired.has(c) || c === META) continue;
          this.#o.log.info("dropping a collection no watch owns", { collection: c });
          await this.#o.writer.dropCollection(c);
        }
        return;
      default:
        return;
    }
  }

  async #rebuild(): Promise<void> {
    const { epoch } = await this.#o.writer.init();
    for (const [c, entries] of this.#desired) await this.#o.writer.reconcile(c, entries);
    // Readers hold their last good state until this: never a half-rebuilt cache.
    if (this.#complete) await this.#o.writer.markComplete();
    this.#epoch = epoch;
    this.#rebuilds++;
    this.#o.onEpoch?.(epoch, true);
    this.#o.log.info("cache rebuilt from memory", { epoch, collections: this.#desired.size });
  }

  /** Runs one write, retrying transient failures; rebuilds when the epoch is gone. */
  async #attempt(fn: () => Promise<void>): Promise<void> {
    let delay = 100;
    for (;;) {
      if (this.#closed) throw new NotLeaderError();
      if (!this.#o.canWrite()) throw new NotLeaderError();
      try {
        await fn();
        if (!this.#healthy) this.#o.log.info("cache writes resumed");
        this.#healthy = true;
        this.#lastError = undefined;
        return;
      } catch (e) {
        if (e instanceof FencedError) {
          this.#o.onFenced();
          throw e;
        }
        if (e instanceof NotLeaderError) throw e;
        if (e instanceof EpochLostError) {
          this.#o.log.warn("cache epoch lost (Redis restarted empty?): rebuilding", {});
          // The failed batch is already in #desired, so the rebuild writes it too.
          try {
            await this.#rebuild();
            return;
          } catch (e2) {
            e = e2;
          }
        }
        if (this.#healthy) this.#o.log.warn("cache write failed; retrying", { err: e });
        this.#healthy = false;
        this.#lastError = e instanceof Error ? e.message : String(e);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }
}
