import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyChange,
  CacheReader,
  CacheWriter,
  type Change,
  cacheKeys,
  emptySnapshot,
  type FollowEvent,
  type WriteOp,
} from "../src/index.ts";
import { dropCache, eventually, plain, replayStream, sharedRedis, sleep, uniqueCluster } from "./helpers.ts";

let redis: Redis;
const used: string[] = [];

beforeAll(() => {
  redis = sharedRedis();
});
afterAll(async () => {
  if (redis) for (const cluster of used) await dropCache(redis, cacheKeys({ cluster }));
  redis?.disconnect();
});

function fresh(
  what: string,
  writerOptions: ConstructorParameters<typeof CacheWriter>[1] = {},
  pageSize?: number,
) {
  const cluster = uniqueCluster(what);
  used.push(cluster);
  const writer = new CacheWriter(redis, { cluster, ...writerOptions });
  const reader = new CacheReader(redis, { cluster, pageSize });
  return { cluster, writer, reader, keys: writer.keys };
}

/** A random op on one of `keys` keys in 3 collections, with an in-memory model of the result. */
function randomOp(model: Map<string, Map<string, unknown>>, n: number, seq: number): WriteOp {
  const collection = ["templates", "constraints/K8sX", "data/v1/Pod"][Math.floor(Math.random() * 3)];
  const key = `ns/obj-${Math.floor(Math.random() * n)}`;
  let objects = model.get(collection);
  if (!objects) model.set(collection, (objects = new Map()));
  if (Math.random() < 0.3) {
    objects.delete(key);
    return { op: "delete", collection, key };
  }
  const object = {
    metadata: { name: key, resourceVersion: String(seq) },
    pad: "x".repeat(200 + (seq % 300)),
  };
  objects.set(key, object);
  return { op: "put", collection, key, object };
}

function modelOf(snapshot: { collections: Map<string, Map<string, { object: unknown }>> }) {
  const out = new Map<string, Map<string, unknown>>();
  for (const [c, objects] of snapshot.collections) {
    if (objects.size > 0) out.set(c, new Map([...objects].map(([k, v]) => [k, v.object])));
  }
  return out;
}
function nonEmpty(model: Map<string, Map<string, unknown>>) {
  return new Map([...model].filter(([, m]) => m.size > 0));
}

describe("CacheReader.load", () => {
  it("returns an empty snapshot with epoch '' before any writer initialised the cache", async () => {
    const { reader } = fresh("uninit");
    const snapshot = await reader.load();
    expect(snapshot).toEqual(emptySnapshot());
  });

  it("is exactly the state at its revision while a writer hammers the cache", async () => {
    // No trimming, so the whole stream is there to replay as the ground truth.
    const { writer, reader, keys } = fresh("consistent", { streamMaxLen: 0 }, 25);
    await writer.init();
    const model = new Map<string, Map<string, unknown>>();
    let seq = 0;
    const initial: WriteOp[] = [];
    for (let i = 0; i < 3000; i++) initial.push(randomOp(model, 1000, seq++));
    await writer.apply(initial);

    let stop = false;
    let writes = 0;
    const hammer = (async () => {
      while (!stop) {
        const ops: WriteOp[] = [];
        for (let i = 0, n = 1 + Math.floor(Math.random() * 20); i < n; i++)
          ops.push(randomOp(model, 1000, seq++));
        await writer.apply(ops); // one call at a time: the model's order is the write order
        writes += ops.length;
      }
    })();
    const revisions: number[] = [];
    let midLoad = 0;
    try {
      for (let i = 0; i < 12; i++) {
        const before = Number(await redis.get(keys.rev));
        const snapshot = await reader.load();
        revisions.push(snapshot.revision);
        if (snapshot.revision > before) midLoad++;
        const truth = await replayStream(redis, keys, snapshot.revision);
        expect(plain(snapshot)).toEqual(plain(truth));
      }
    } finally {
      stop = true;
      await hammer;
    }
    expect(writes).toBeGreaterThan(100);
    // Writes landed during the loads, so the snapshots sit at different revisions.
    expect(new Set(revisions).size).toBeGreaterThan(1);
    expect(midLoad).toBeGreaterThan(0);
    // Once quiet, the snapshot equals the writer's own model of what it wrote.
    const final = await reader.load();
    expect(final.revision).toBe(writer.revision);
    expect(modelOf(final)).toEqual(nonEmpty(model));
  });

  it("retries when the stream is trimmed past its start revision meanwhile, and stays exact", async () => {
    // A stream of ~100 entries (MAXLEN ~ 1 keeps one node) and a writer in bursts: loads that overlap
    // a burst find the stream trimmed and retry; the ones that succeed must still be exact.
    const cluster = uniqueCluster("trimload");
    used.push(cluster);
    const writer = new CacheWriter(redis, { cluster, streamMaxLen: 1 });
    const retries: string[] = [];
    const reader = new CacheReader(redis, {
      cluster,
      pageSize: 4,
      loadAttempts: 1000,
      onLoadRetry: (reason) => retries.push(reason),
    });
    await writer.init();
    const model = new Map<string, Map<string, unknown>>();
    let seq = 0;
    await writer.apply(Array.from({ length: 1500 }, () => randomOp(model, 500, seq++)));
    /* The model after each write, by revision: the ground truth (the stream is trimmed). */
    const clone = () => new Map([...model].map(([c, m]) => [c, new Map(m)]));
    const history = new Map([[writer.revision, clone()]]);
    let stop = false;
    const hammer = (async () => {
      while (!stop) {
        for (let i = 0; i < 40 && !stop; i++) {
          await writer.apply(Array.from({ length: 10 }, () => randomOp(model, 500, seq++)));
          history.set(writer.revision, clone());
        }
        await sleep(40);
      }
    })();
    try {
      for (let i = 0; i < 10; i++) {
        const snapshot = await reader.load();
        await sleep(5); // the hammer records the write whose reply came back with load()'s
        const truth = history.get(snapshot.revision);
        expect(truth, `no write ended at revision ${snapshot.revision}`).toBeDefined();
        expect(modelOf(snapshot)).toEqual(nonEmpty(truth!));
      }
    } finally {
      stop = true;
      await hammer;
    }
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]).toMatch(/stream trimmed past revision \d+/);
  });

  it("gives up with a clear error when the stream is always trimmed under it", async () => {
    const cluster = uniqueCluster("trimfail");
    used.push(cluster);
    const writer = new CacheWriter(redis, { cluster, streamMaxLen: 1 });
    const reader = new CacheReader(redis, { cluster, pageSize: 2, loadAttempts: 3 });
    await writer.init();
    const model = new Map<string, Map<string, unknown>>();
    let seq = 0;
    await writer.apply(Array.from({ length: 1500 }, () => randomOp(model, 500, seq++)));
    let stop = false;
    const hammer = (async () => {
      while (!stop) await writer.apply(Array.from({ length: 50 }, () => randomOp(model, 500, seq++)));
    })();
    try {
      await expect(reader.load()).rejects.toThrow(
        /gave up after 3 attempts .*raise the writer's streamMaxLen/,
      );
    } finally {
      stop = true;
      await hammer;
    }
    await expect(reader.load()).resolves.toBeDefined();
  });
});

describe("reconcile and readers", () => {
  it("never shows a concurrent reader an empty collection", async () => {
    const { writer, reader, keys } = fresh("noempty");
    await writer.init();
    const c = "data/v1/Pod";
    const listing = (from: number, to: number, version: number): Map<string, Record<string, unknown>> =>
      new Map(Array.from({ length: to - from }, (_, i) => [`ns/p${from + i}`, { v: version, i: from + i }]));
    await writer.reconcile(c, listing(0, 400, 1));

    let stop = false;
    let minHlen = Number.POSITIVE_INFINITY;
    let minLoaded = Number.POSITIVE_INFINITY;
    let minFollowed = Number.POSITIVE_INFINITY;
    const poll = (async () => {
      const other = redis.duplicate();
      try {
        while (!stop) minHlen = Math.min(minHlen, await other.hlen(keys.collection(c)));
      } finally {
        other.disconnect();
      }
    })();
    const loads = (async () => {
      while (!stop) minLoaded = Math.min(minLoaded, (await reader.load()).collections.get(c)?.size ?? 0);
    })();
    const start = await reader.load();
    const ac = new AbortController();
    const follow = (async () => {
      const state = start;
      for await (const e of reader.follow(start.revision, { signal: ac.signal, epoch: start.epoch })) {
        if (e.op === "resync") throw new Error("unexpected resync");
        applyChange(state, e);
        minFollowed = Math.min(minFollowed, state.collections.get(c)?.size ?? 0);
      }
    })();
    // Replace the whole content several times over: every key deleted, new keys added.
    for (let round = 1; round <= 6; round++) {
      const result = await writer.reconcile(c, listing(round * 400, round * 400 + 300 + round * 20, round));
      expect(result.deletes).toBeGreaterThan(0);
      expect(result.puts).toBe(300 + round * 20);
    }
    await eventually("follower caught up", async () => {
      return (
        minFollowed !== Number.POSITIVE_INFINITY && (await redis.get(keys.rev)) === String(writer.revision)
      );
    });
    await sleep(100);
    stop = true;
    ac.abort();
    await Promise.all([poll, loads, follow]);
    expect(minHlen).toBeGreaterThan(0);
    expect(minLoaded).toBeGreaterThan(0);
    expect(minFollowed).toBeGreaterThan(0);
    expect([...((await reader.load()).collections.get(c)?.keys() ?? [])].sort()).toEqual(
      [...listing(2400, 2400 + 420, 6).keys()].sort(),
    );
  });
});

describe("CacheReader.follow", () => {
  it("yields every change after fromRevision, in order, while writes race it", async () => {
    const { writer, reader } = fresh("follow", { maxBatchOps: 16 });
    await writer.init();
    const model = new Map<string, Map<string, unknown>>();
    let seq = 0;
    await writer.apply(Array.from({ length: 50 }, () => randomOp(model, 100, seq++)));
    const start = await reader.load();
    const state = await reader.load();
    const events: FollowEvent[] = [];
    const ac = new AbortController();
    const following = (async () => {
      for await (const e of reader.follow(start.revision, { signal: ac.signal, blockMs: 200 })) {
        events.push(e);
        if (e.op !== "resync") applyChange(state, e);
      }
    })();
    const writes = Array.from({ length: 100 }, () =>
      writer.apply(Array.from({ length: 1 + (seq % 7) }, () => randomOp(model, 100, seq++))),
    );
    await Promise.all(writes);
    await eventually("all changes followed", () => state.revision === writer.revision);
    ac.abort();
    await following;
    expect(events.every((e) => e.op !== "resync")).toBe(true);
    const revisions = (events as Change[]).map((e) => e.revision);
    expect(revisions).toEqual(
      Array.from({ length: writer.revision - start.revision }, (_, i) => start.revision + 1 + i),
    );
    expect(plain(state)).toEqual(plain(await reader.load()));
    expect(modelOf(state)).toEqual(nonEmpty(model));
  });

  it("waits for changes, and ends when the signal aborts", async () => {
    const { writer, reader } = fresh("abort");
    await writer.init();
    const ac = new AbortController();
    const got: FollowEvent[] = [];
    const following = (async () => {
      for await (const e of reader.follow(0, { signal: ac.signal, blockMs: 50 })) got.push(e);
    })();
    await sleep(200); // several idle XREAD timeouts
    await writer.put("c", "k", { v: 1 });
    await eventually("the change", () => got.length === 1);
    const t = performance.now();
    ac.abort();
    await following;
    expect(performance.now() - t).toBeLessThan(1000);
    expect(got).toEqual([{ op: "put", revision: 1, collection: "c", key: "k", object: { v: 1 } }]);
  });

  it("yields resync 'trimmed' when the entries after fromRevision were trimmed, then ends", async () => {
    const { writer, reader, keys } = fresh("trimmed", { streamMaxLen: 10 });
    await writer.init();
    for (let i = 0; i < 50; i++) {
      await writer.apply(
        Array.from(
          { length: 20 },
          (_, j): WriteOp => ({ op: "put", collection: "c", key: `k${j}`, object: { i } }),
        ),
      );
    }
    const length = await redis.xlen(keys.stream);
    expect(length).toBeLessThan(1000);
    const events: FollowEvent[] = [];
    for await (const e of reader.follow(0, { blockMs: 50 })) events.push(e);
    expect(events).toEqual([{ op: "resync", reason: "trimmed" }]);
    // From a revision the stream still holds, following works.
    const recent = writer.revision - 5;
    const ac = new AbortController();
    const later: FollowEvent[] = [];
    for await (const e of reader.follow(recent, { signal: ac.signal, blockMs: 50 })) {
      later.push(e);
      if (later.length === 5) ac.abort();
    }
    expect(later.map((e) => (e as Change).revision)).toEqual([1, 2, 3, 4, 5].map((i) => recent + i));
  });

  it("yields resync 'epoch' for a revision the cache never reached or another epoch", async () => {
    const { writer, reader } = fresh("ahead");
    const { epoch } = await writer.init();
    await writer.put("c", "k", { v: 1 });
    const ahead: FollowEvent[] = [];
    for await (const e of reader.follow(99, { blockMs: 50 })) ahead.push(e);
    expect(ahead).toEqual([{ op: "resync", reason: "epoch" }]);
    const other: FollowEvent[] = [];
    for await (const e of reader.follow(0, { blockMs: 50, epoch: `${epoch}-not` })) other.push(e);
    expect(other).toEqual([{ op: "resync", reason: "epoch" }]);
  });
});

describe("applyChange", () => {
  it("is idempotent and ignores changes the snapshot already reflects", () => {
    const s = emptySnapshot("e", 0);
    const put1: Change = { op: "put", revision: 1, collection: "c", key: "k", object: { v: 1 } };
    const put2: Change = { op: "put", revision: 2, collection: "c", key: "k", object: { v: 2 } };
    const del3: Change = { op: "delete", revision: 3, collection: "c", key: "k" };
    expect(applyChange(s, put1)).toBe(true);
    expect(applyChange(s, put1)).toBe(false);
    expect(applyChange(s, put2)).toBe(true);
    expect(applyChange(s, put1)).toBe(false);
    expect(s.collections.get("c")!.get("k")).toEqual({ revision: 2, object: { v: 2 } });
    expect(applyChange(s, del3)).toBe(true);
    expect(applyChange(s, put2)).toBe(false); // a replayed older put does not resurrect it
    expect(applyChange(s, del3)).toBe(false);
    expect(s.revision).toBe(3);
    expect(s.collections.get("c")!.size).toBe(0);
  });
});
