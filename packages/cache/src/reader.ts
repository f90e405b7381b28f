/*
 * CacheReader: load() a consistent snapshot, then follow() the changes after
 * it. See README.md ("Reading") for why load() is exact without ever running
 * one big command.
 */
import type { Cluster, Redis } from "ioredis";
import { decodeEntry, decodeHashValue, revisionOfId } from "./encoding.ts";
import { LoadRetriesExhaustedError } from "./errors.ts";
import { type CacheKeys, type CacheNameOptions, cacheKeys } from "./keys.ts";
import type { RedisClient } from "./scripts.ts";
import { applyChange, applyToCollections } from "./snapshot.ts";
import type { CachedObject, Change, Collection, FollowEvent, Snapshot } from "./types.ts";

export interface ReaderOptions extends CacheNameOptions {
  /** HSCAN COUNT and XRANGE COUNT per round trip. Default 1000. */
  pageSize?: number;
  /** Collections scanned concurrently by load(). Default 8. */
  scanConcurrency?: number;
  /** load() attempts before LoadRetriesExhaustedError. Default 10. */
  loadAttempts?: number;
  /** Called when a load() attempt must be retried (for logs and metrics). */
  onLoadRetry?: (reason: string, attempt: number) => void;
}

export interface FollowOptions {
  signal?: AbortSignal;
  /** How long one XREAD blocks; when it times out the epoch is checked. Default 2000. */
  blockMs?: number;
  /**
   * The epoch fromRevision belongs to (Snapshot.epoch). Default: the epoch
   * of this reader's last load(), else the cache's epoch when follow starts.
   */
  epoch?: string;
  /** Entries per XREAD. Default 1000. */
  count?: number;
  /** Called on a (transient) Redis error while following; following continues. */
  onError?: (error: unknown) => void;
}

export type MirrorEvent =
  | { type: "snapshot"; snapshot: Snapshot }
  | { type: "change"; change: Change; snapshot: Snapshot };

export interface MirrorOptions {
  signal?: AbortSignal;
  blockMs?: number;
  /** Called when load() or following fails; the mirror retries with backoff. */
  onError?: (error: unknown) => void;
}

interface Head {
  epoch: string;
  revision: number;
}

export class CacheReader {
  readonly keys: CacheKeys;
  readonly #redis: RedisClient;
  readonly #page: number;
  readonly #concurrency: number;
  readonly #attempts: number;
  readonly #onRetry: ((reason: string, attempt: number) => void) | undefined;
  #lastEpoch: string | undefined;

  constructor(redis: RedisClient, options: ReaderOptions = {}) {
    this.#redis = redis;
    this.keys = cacheKeys(options);
    this.#page = Math.max(1, options.pageSize ?? 1000);
    this.#concurrency = Math.max(1, options.scanConcurrency ?? 8);
    this.#attempts = Math.max(1, options.loadAttempts ?? 10);
    this.#onRetry = options.onLoadRetry;
  }

  /**
   * A consistent snapshot: exactly the cache's state at snapshot.revision.
   * An epoch of "" means no writer has initialised this cache yet.
   */
  async load(): Promise<Snapshot> {
    let reason = "";
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      const result = await this.#loadOnce();
      if (typeof result !== "string") {
        this.#lastEpoch = result.epoch;
        return result;
      }
      reason = result;
      if (attempt < this.#attempts) this.#onRetry?.(reason, attempt);
    }
    throw new LoadRetriesExhaustedError(this.#attempts, reason);
  }

  /** The cache's current epoch ("" if none) and revision. */
  async head(): Promise<Head> {
    return readHead(this.#redis as Redis, this.keys);
  }

  /** One attempt; a string says why it must be retried. */
  async #loadOnce(): Promise<Snapshot | string> {
    const k = this.keys;
    const redis = this.#redis as Redis;
    const replies = await redis.multi().get(k.epoch).get(k.rev).smembers(k.collections).exec();
    if (!replies) throw new Error("cache load: MULTI was aborted");
    for (const [error] of replies) if (error) throw error;
    const epoch = (replies[0][1] as string | null) ?? "";
    const r0 = Number((replies[1][1] as string | null) ?? "0");
    const names = replies[2][1] as string[];

    // 1. Every collection, in HSCAN pages (objects at revisions >= their state at r0).
    const collections = new Map<Collection, Map<string, CachedObject>>();
    for (const name of names) collections.set(name, new Map());
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const name = names[next++];
        await this.#scanInto(name, collections.get(name)!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, names.length) }, worker));

    // 2. The stream after r0, in pages, each entry applied only over an older object.
    let revision = r0;
    for (;;) {
      const page = (await redis.xrange(k.stream, `${revision + 1}-0`, "+", "COUNT", this.#page)) as [
        string,
        string[],
      ][];
      for (const [id, fields] of page) {
        const rev = revisionOfId(id);
        if (rev !== revision + 1) return `stream trimmed past revision ${revision + 1} (next entry ${rev})`;
        const entry = decodeEntry(id, fields);
        if (entry.epoch !== epoch) return "epoch changed during load";
        applyToCollections(collections, entry.change);
        revision = rev;
      }
      if (page.length < this.#page) break;
    }

    // 3. Nothing replaced the cache meanwhile. (Writes after step 2 read the stream's end are
    //    fine: the scan could not have seen them, so the snapshot is the state at `revision`.)
    const headNow = await readHead(redis, k);
    if (headNow.epoch !== epoch) return "epoch changed during load";
    if (headNow.revision < revision) return "revision went backwards during load";
    return { epoch, revision, collections };
  }

  async #scanInto(name: Collection, into: Map<string, CachedObject>): Promise<void> {
    const key = this.keys.collection(name);
    const redis = this.#redis as Redis;
    let cursor = "0";
    do {
      const [next, flat] = await redis.hscan(key, cursor, "COUNT", this.#page);
      for (let i = 0; i + 1 < flat.length; i += 2) into.set(flat[i], decodeHashValue(flat[i + 1]));
      cursor = next;
    } while (cursor !== "0");
  }

  /**
   * Every change after fromRevision, in order, as it happens. Ends after
   * yielding a resync (load() again and follow from the new snapshot), or
   * when the signal aborts. Transient Redis errors do not end it: it
   * reconnects and continues, checking the epoch first.
   */
  async *follow(
    fromRevision: number,
    options: FollowOptions = {},
  ): AsyncGenerator<FollowEvent, void, undefined> {
    const { signal } = options;
    if (signal?.aborted) return;
    const blockMs = Math.max(1, options.blockMs ?? 2000);
    const count = Math.max(1, options.count ?? 1000);
    const conn = duplicate(this.#redis) as Redis;
    let readyCount = 0;
    let reconnected = false;
    const onReady = (): void => {
      if (++readyCount > 1) reconnected = true;
    };
    conn.on("ready", onReady);
    conn.on("error", () => {}); // reported through the failing command
    const onAbort = (): void => conn.disconnect();
    signal?.addEventListener("abort", onAbort, { once: true });
    const k = this.keys;
    let epoch = options.epoch ?? this.#lastEpoch;
    let last = fromRevision;
    let check = true;
    let delay = 100;
    try {
      while (!signal?.aborted) {
        try {
          if (check || reconnected) {
            reconnected = false;
            const head = await readHead(conn, k);
            epoch ??= head.epoch;
            if (head.epoch !== epoch || head.revision < last) {
              yield { op: "resync", reason: "epoch" };
              return;
            }
            check = false;
          }
          const reply = (await conn.xread(
            "COUNT",
            count,
            "BLOCK",
            blockMs,
            "STREAMS",
            k.stream,
            `${last}-0`,
          )) as [string, [string, string[]][]][] | null;
          delay = 100;
          if (signal?.aborted) return;
          if (!reply || reply.length === 0) {
            check = true; // idle: make sure the cache was not replaced under us
            continue;
          }
          for (const [id, fields] of reply[0][1]) {
            const rev = revisionOfId(id);
            const entry = decodeEntry(id, fields);
            if (entry.epoch !== epoch) {
              yield { op: "resync", reason: "epoch" };
              return;
            }
            if (rev !== last + 1) {
              yield { op: "resync", reason: "trimmed" };
              return;
            }
            last = rev;
            yield entry.change;
          }
        } catch (error) {
          if (signal?.aborted) return;
          options.onError?.(error);
          check = true;
          await sleep(delay, signal);
          delay = Math.min(delay * 2, 2000);
        }
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      conn.off("ready", onReady);
      conn.disconnect();
    }
  }

  /**
   * Keeps one Snapshot current: yields it after every load() (the first, and
   * after each resync) and after every change applied to it. Retries with
   * backoff while Redis is unreachable. The yielded snapshot is the same
   * object throughout one load; treat it as read-only.
   */
  async *mirror(options: MirrorOptions = {}): AsyncGenerator<MirrorEvent, void, undefined> {
    const { signal } = options;
    let delay = 100;
    while (!signal?.aborted) {
      let snapshot: Snapshot;
      try {
        snapshot = await this.load();
      } catch (error) {
        options.onError?.(error);
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 5000);
        continue;
      }
      delay = 100;
      yield { type: "snapshot", snapshot };
      for await (const event of this.follow(snapshot.revision, {
        signal,
        blockMs: options.blockMs,
        epoch: snapshot.epoch,
        onError: options.onError,
      })) {
        if (event.op === "resync") break;
        if (applyChange(snapshot, event)) yield { type: "change", change: event, snapshot };
      }
    }
  }
}

async function readHead(redis: Redis, k: CacheKeys): Promise<Head> {
  const [epoch, rev] = await redis.mget(k.epoch, k.rev);
  return { epoch: epoch ?? "", revision: Number(rev ?? "0") };
}

function duplicate(client: RedisClient): RedisClient {
  return "isCluster" in client && client.isCluster
    ? (client as Cluster).duplicate()
    : (client as Redis).duplicate();
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
