/*
 * CacheWriter: the one writer (services/sync). Every op runs inside the
 * apply script (scripts.ts), which bumps :rev, appends the stream entry and
 * updates the object's hash field atomically, after checking the epoch and
 * the fencing token.
 *
 * Throughput: apply() calls are queued and written in rounds ("group
 * commit"): while one round is in flight, later calls accumulate; the next
 * round packs all of them into script calls of up to maxBatchOps ops /
 * maxBatchBytes bytes, sent as one pipeline. Ops are written in call order.
 */

import { randomBytes } from "node:crypto";
import { META, READY_KEY } from "./collections.ts";
import { encodeObject, storedObjectJson } from "./encoding.ts";
import { type CacheKeys, type CacheNameOptions, cacheKeys } from "./keys.ts";
import { callInit, defineScripts, queueApply, type RedisClient, scriptError } from "./scripts.ts";
import type { Collection, WriteOp, WriteResult } from "./types.ts";

export interface WriterOptions extends CacheNameOptions {
  /**
   * Fencing token, read at every write (sync: its lease transition count).
   * Writes carrying a token lower than the highest one Redis has seen are
   * refused with FencedError. Omit for an unfenced writer.
   */
  fence?: () => number;
  /** The stream is trimmed (MAXLEN ~) to about this many entries. Default 100,000; 0 = never trim. */
  streamMaxLen?: number;
  /** Ops per script call. Default 256. */
  maxBatchOps?: number;
  /** Approximate bytes of object JSON per script call. Default 512 KiB. */
  maxBatchBytes?: number;
  /** Bytes of object JSON per pipeline round. Default 8 MiB. */
  maxRoundBytes?: number;
}

export interface InitResult {
  epoch: string;
  /** True when this call created the epoch: Redis was empty or lost its data, so rebuild everything. */
  created: boolean;
  revision: number;
}

export interface ReconcileResult extends WriteResult {
  /** Objects added or changed. */
  puts: number;
  /** Objects deleted because the listing no longer has them. */
  deletes: number;
}

interface Prepared {
  kind: "p" | "d" | "f";
  collection: Collection;
  key: string;
  json: string;
}

interface Pending {
  ops: Prepared[];
  resolve(result: { revision: number; flags: string }): void;
  reject(error: unknown): void;
}

export const DEFAULT_STREAM_MAX_LEN = 100_000;
const SCAN_COUNT = 1000;

export class CacheWriter {
  readonly keys: CacheKeys;
  readonly #redis: RedisClient;
  readonly #fence: (() => number) | undefined;
  readonly #maxLen: number;
  readonly #maxOps: number;
  readonly #maxBytes: number;
  readonly #maxRoundBytes: number;
  #epoch: string | undefined;
  #revision = 0;
  #queue: Pending[] = [];
  #draining = false;

  constructor(redis: RedisClient, options: WriterOptions = {}) {
    this.#redis = redis;
    this.keys = cacheKeys(options);
    this.#fence = options.fence;
    this.#maxLen = options.streamMaxLen ?? DEFAULT_STREAM_MAX_LEN;
    this.#maxOps = Math.max(1, options.maxBatchOps ?? 256);
    this.#maxBytes = Math.max(1, options.maxBatchBytes ?? 512 * 1024);
    this.#maxRoundBytes = Math.max(1, options.maxRoundBytes ?? 8 * 1024 * 1024);
    defineScripts(redis);
  }

  /** The epoch this writer writes to (after init()). */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** The revision after this writer's last write (or init()). */
  get revision(): number {
    return this.#revision;
  }

  /**
   * Adopts the cache's epoch, creating it when absent. `created` means the
   * cache was empty (first start, or Redis lost its data): rebuild it.
   */
  async init(): Promise<InitResult> {
    const k = this.keys;
    const candidate = randomBytes(12).toString("base64url");
    let reply: unknown;
    try {
      reply = await callInit(this.#redis, [k.epoch, k.rev, k.stream, k.fence], [candidate, this.#fenceArg()]);
    } catch (error) {
      throw scriptError(error, "");
    }
    const [epoch, created, rev] = reply as [string, number, string];
    this.#epoch = epoch;
    this.#revision = Number(rev);
    return { epoch, created: created === 1, revision: this.#revision };
  }

  /**
   * Writes the ops in order, each atomically. A put of an object identical
   * to the stored one and a delete of an absent key change nothing (no
   * revision, no stream entry). Throws EpochLostError when Redis lost the
   * cache (call init() and rebuild), FencedError when a newer writer wrote.
   */
  async apply(ops: readonly WriteOp[]): Promise<WriteResult> {
    const prepared: Prepared[] = [];
    for (const op of ops) {
      if (op.op === "put") {
        if (!op.object) throw new Error(`cache put of ${op.collection} ${op.key} has no object`);
        prepared.push({ kind: "p", collection: op.collection, key: op.key, json: encodeObject(op.object) });
      } else if (op.op === "delete") {
        prepared.push({ kind: "d", collection: op.collection, key: op.key, json: "" });
      } else {
        throw new Error(`cache op ${JSON.stringify((op as { op: unknown }).op)} is neither put nor delete`);
      }
    }
    const { revision, flags } = await this.#enqueue(prepared);
    return { revision, changed: countChanged(flags, 0, flags.length) };
  }

  put(collection: Collection, key: string, object: Record<string, unknown>): Promise<WriteResult> {
    return this.apply([{ op: "put", collection, key, object }]);
  }

  delete(collection: Collection, key: string): Promise<WriteResult> {
    return this.apply([{ op: "delete", collection, key }]);
  }

  /**
   * Makes the collection equal to the listing: puts what is new or changed,
   * then deletes what the listing lacks. Never empties it first, so readers
   * never see a collection vanish and come back.
   */
  async reconcile(
    collection: Collection,
    listed: Iterable<[string, Record<string, unknown>]>,
  ): Promise<ReconcileResult> {
    const want = new Map<string, string>();
    for (const [key, object] of listed) want.set(key, encodeObject(object));
    const have = await this.#scan(collection, true);
    const ops: Prepared[] = [];
    for (const [key, json] of want) {
      if (have.get(key) !== json) ops.push({ kind: "p", collection, key, json });
    }
    const firstDelete = ops.length;
    for (const key of have.keys()) {
      if (!want.has(key)) ops.push({ kind: "d", collection, key, json: "" });
    }
    const { revision, flags } = await this.#enqueue(ops);
    return {
      revision,
      changed: countChanged(flags, 0, flags.length),
      puts: countChanged(flags, 0, firstDelete),
      deletes: countChanged(flags, firstDelete, flags.length),
    };
  }

  /**
   * Marks the cache complete for the current epoch (readers that saw the
   * epoch change wait for this before trusting the new state). Call after
   * init() once everything is written.
   */
  markComplete(): Promise<WriteResult> {
    if (this.#epoch === undefined) throw new Error("markComplete() before init()");
    return this.put(META, READY_KEY, { epoch: this.#epoch, at: new Date().toISOString() });
  }

  /** Deletes every object of the collection (each through the stream), then forgets the collection. */
  async dropCollection(collection: Collection): Promise<WriteResult> {
    let changed = 0;
    for (let attempt = 0; ; attempt++) {
      const have = await this.#scan(collection, false);
      const ops: Prepared[] = [...have.keys()].map((key) => ({ kind: "d", collection, key, json: "" }));
      ops.push({ kind: "f", collection, key: "", json: "" });
      const { revision, flags } = await this.#enqueue(ops);
      changed += countChanged(flags, 0, flags.length - 1);
      const forgotten = flags.endsWith("1");
      // Not forgotten: either it was already gone, or a put raced in; then go again.
      const empty = (await this.#redis.hlen(this.keys.collection(collection))) === 0;
      if (forgotten || empty || attempt >= 10) return { revision, changed };
    }
  }

  /** Names of the collections in the cache. */
  async collections(): Promise<Collection[]> {
    return (await this.#redis.smembers(this.keys.collections)).sort();
  }

  #fenceArg(): string {
    if (!this.#fence) return "";
    const token = this.#fence();
    if (!Number.isSafeInteger(token)) throw new Error(`cache fencing token must be an integer, got ${token}`);
    return String(token);
  }

  /** key -> stored object JSON (or "" when values are not wanted). */
  async #scan(collection: Collection, values: boolean): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const key = this.keys.collection(collection);
    let cursor = "0";
    do {
      const [next, flat] = await this.#redis.hscan(key, cursor, "COUNT", SCAN_COUNT);
      for (let i = 0; i + 1 < flat.length; i += 2) {
        out.set(flat[i], values ? (storedObjectJson(flat[i + 1]) ?? "") : "");
      }
      cursor = next;
    } while (cursor !== "0");
    return out;
  }

  #enqueue(ops: Prepared[]): Promise<{ revision: number; flags: string }> {
    if (this.#epoch === undefined) {
      return Promise.reject(new Error("CacheWriter.init() must be called before writing"));
    }
    if (ops.length === 0) return Promise.resolve({ revision: this.#revision, flags: "" });
    return new Promise((resolve, reject) => {
      this.#queue.push({ ops, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        let bytes = 0;
        let n = 0;
        while (n < this.#queue.length && (n === 0 || bytes < this.#maxRoundBytes)) {
          for (const op of this.#queue[n].ops) bytes += op.json.length + op.key.length;
          n++;
        }
        const round = this.#queue.splice(0, n);
        try {
          await this.#round(round);
        } catch (error) {
          for (const p of round) p.reject(error); // settled ones ignore this
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Writes the ops of some apply() calls as one pipeline of script calls. */
  async #round(round: Pending[]): Promise<void> {
    const epoch = this.#epoch!;
    let fence: string;
    try {
      fence = this.#fenceArg();
    } catch (error) {
      for (const p of round) p.reject(error);
      return;
    }
    const k = this.keys;
    const maxLen = String(this.#maxLen);
    const pipeline = this.#redis.pipeline();
    /* Each chunk: the index of its first op in the round's flat op list. */
    const chunkStarts: number[] = [];
    let keys: string[] = [];
    let args: string[] = [];
    let hashIndex = new Map<Collection, number>();
    let ops = 0;
    let bytes = 0;
    let flat = 0;
    const close = (): void => {
      if (ops === 0) return;
      queueApply(pipeline, [k.epoch, k.rev, k.collections, k.stream, k.fence, ...keys], args);
      keys = [];
      args = [];
      hashIndex = new Map();
      ops = 0;
      bytes = 0;
    };
    for (const p of round) {
      for (const op of p.ops) {
        if (ops === 0) {
          chunkStarts.push(flat);
          args.push(epoch, fence, maxLen);
        }
        let h = hashIndex.get(op.collection);
        if (h === undefined) {
          keys.push(k.collection(op.collection));
          hashIndex.set(op.collection, (h = keys.length));
        }
        args.push(op.kind, String(h), op.collection, op.key, op.json);
        ops++;
        flat++;
        bytes += op.json.length + op.key.length;
        if (ops >= this.#maxOps || bytes >= this.#maxBytes) close();
      }
    }
    close();

    let replies: [Error | null, unknown][];
    try {
      replies = (await pipeline.exec()) ?? [];
    } catch (error) {
      for (const p of round) p.reject(error);
      return;
    }
    /* Per chunk: [revision, flags] or the error. */
    const chunks = chunkStarts.map((start, i) => {
      const [error, reply] = replies[i] ?? [new Error("cache pipeline returned no reply"), null];
      if (error) return { start, error: scriptError(error, epoch) };
      const [rev, flags] = reply as [string, string];
      return { start, revision: Number(rev), flags };
    });
    for (const c of chunks)
      if (c.revision !== undefined) this.#revision = Math.max(this.#revision, c.revision);

    let offset = 0;
    let chunk = 0;
    for (const p of round) {
      const end = offset + p.ops.length;
      let flags = "";
      let revision = this.#revision;
      let failure: unknown;
      while (chunk < chunks.length && chunks[chunk].start < end) {
        const c = chunks[chunk];
        const from = Math.max(offset, c.start) - c.start;
        const nextStart = chunks[chunk + 1]?.start ?? flat;
        const to = Math.min(end, nextStart) - c.start;
        if (c.error !== undefined) failure ??= c.error;
        else {
          flags += c.flags!.slice(from, to);
          revision = c.revision!;
        }
        if (nextStart > end) break;
        chunk++;
      }
      if (failure !== undefined) p.reject(failure);
      else p.resolve({ revision, flags });
      offset = end;
    }
  }
}

function countChanged(flags: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (flags.charCodeAt(i) === 49) n++;
  return n;
}
