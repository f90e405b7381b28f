import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pod } from "../bench/objects.ts";
import {
  CacheReader,
  CacheWriter,
  cacheKeys,
  constraintsCollection,
  FencedError,
  TEMPLATES,
  type WriteOp,
} from "../src/index.ts";
import { dropCache, plain, replayStream, sharedRedis, uniqueCluster } from "./helpers.ts";

let redis: Redis;
const used: string[] = [];

beforeAll(() => {
  redis = sharedRedis();
});
afterAll(async () => {
  if (redis) for (const cluster of used) await dropCache(redis, cacheKeys({ cluster }));
  redis?.disconnect();
});

async function fresh(what: string, options: ConstructorParameters<typeof CacheWriter>[1] = {}) {
  const cluster = uniqueCluster(what);
  used.push(cluster);
  const writer = new CacheWriter(redis, { cluster, ...options });
  const reader = new CacheReader(redis, { cluster });
  return { cluster, writer, reader, keys: writer.keys };
}

describe("CacheWriter", () => {
  it("refuses to write before init()", async () => {
    const { writer } = await fresh("noinit");
    await expect(writer.put(TEMPLATES, "a", { a: 1 })).rejects.toThrow(/init\(\) must be called/);
  });

  it("creates the epoch once, then adopts it", async () => {
    const { writer, cluster, keys } = await fresh("init");
    const first = await writer.init();
    expect(first.created).toBe(true);
    expect(first.revision).toBe(0);
    expect(first.epoch).toMatch(/^[\w-]{16}$/);
    expect(await redis.get(keys.epoch)).toBe(first.epoch);
    const again = await new CacheWriter(redis, { cluster }).init();
    expect(again).toEqual({ epoch: first.epoch, created: false, revision: 0 });
  });

  it("puts and deletes, one revision and one stream entry per change", async () => {
    const { writer, reader, keys } = await fresh("putdel");
    const { epoch } = await writer.init();
    expect(await writer.put(TEMPLATES, "a", { kind: "ConstraintTemplate", spec: 1 })).toEqual({
      revision: 1,
      changed: 1,
    });
    expect(await writer.put(TEMPLATES, "b", { kind: "ConstraintTemplate", spec: 2 })).toEqual({
      revision: 2,
      changed: 1,
    });
    expect(await writer.put(TEMPLATES, "a", { kind: "ConstraintTemplate", spec: 3 })).toEqual({
      revision: 3,
      changed: 1,
    });
    expect(await writer.delete(TEMPLATES, "b")).toEqual({ revision: 4, changed: 1 });
    expect(await redis.get(keys.rev)).toBe("4");
    expect(await redis.hget(keys.collection(TEMPLATES), "a")).toBe(
      '{"r":3,"o":{"kind":"ConstraintTemplate","spec":3}}',
    );
    expect(await redis.hexists(keys.collection(TEMPLATES), "b")).toBe(0);
    const entries = await redis.xrange(keys.stream, "-", "+");
    expect(entries.map(([id]) => id)).toEqual(["1-0", "2-0", "3-0", "4-0"]);
    expect(entries[3][1]).toEqual(["e", epoch, "op", "delete", "c", TEMPLATES, "k", "b"]);
    expect(entries[2][1]).toEqual([
      "e",
      epoch,
      "op",
      "put",
      "c",
      TEMPLATES,
      "k",
      "a",
      "o",
      '{"kind":"ConstraintTemplate","spec":3}',
    ]);
    const snapshot = await reader.load();
    expect(snapshot.revision).toBe(4);
    expect(plain(snapshot)).toEqual({
      templates: { a: { revision: 3, object: { kind: "ConstraintTemplate", spec: 3 } } },
    });
  });

  it("is idempotent: an identical put or a delete of an absent key changes nothing", async () => {
    const { writer, keys } = await fresh("idem");
    await writer.init();
    const object = pod("ns", "p-1");
    expect(await writer.put("data/v1/Pod", "ns/p-1", object)).toEqual({ revision: 1, changed: 1 });
    expect(await writer.put("data/v1/Pod", "ns/p-1", structuredClone(object))).toEqual({
      revision: 1,
      changed: 0,
    });
    expect(await writer.delete("data/v1/Pod", "ns/absent")).toEqual({ revision: 1, changed: 0 });
    expect(await writer.delete("data/v1/Pod", "ns/p-1")).toEqual({ revision: 2, changed: 1 });
    expect(await writer.delete("data/v1/Pod", "ns/p-1")).toEqual({ revision: 2, changed: 0 });
    expect(
      await writer.apply([
        { op: "put", collection: "x", key: "k", object: { v: 1 } },
        { op: "put", collection: "x", key: "k", object: { v: 1 } },
        { op: "delete", collection: "x", key: "nope" },
      ]),
    ).toEqual({ revision: 3, changed: 1 });
    expect(await redis.xlen(keys.stream)).toBe(3);
  });

  it("stores objects without metadata.managedFields and leaves the caller's object alone", async () => {
    const { writer, reader } = await fresh("managed");
    await writer.init();
    const object = pod("ns", "p-1");
    const managed = (object.metadata as Record<string, unknown>).managedFields;
    expect(managed).toBeDefined();
    await writer.put("data/v1/Pod", "ns/p-1", object);
    expect((object.metadata as Record<string, unknown>).managedFields).toBe(managed);
    const stored = (await reader.load()).collections.get("data/v1/Pod")!.get("ns/p-1")!.object;
    expect((stored.metadata as Record<string, unknown>).managedFields).toBeUndefined();
    const { managedFields: _, ...metadata } = object.metadata as Record<string, unknown>;
    expect(stored).toEqual({ ...object, metadata });
    // Only managedFields differ: still the same object, no new revision.
    const otherManaged = structuredClone(object);
    (otherManaged.metadata as Record<string, unknown>).managedFields = [{ manager: "someone-else" }];
    expect((await writer.put("data/v1/Pod", "ns/p-1", otherManaged)).changed).toBe(0);
  });

  it("rejects a put without an object", async () => {
    const { writer } = await fresh("noobj");
    await writer.init();
    await expect(writer.apply([{ op: "put", collection: "x", key: "k" }])).rejects.toThrow(/has no object/);
  });

  it("keeps call order across many concurrent apply() calls split into many script calls", async () => {
    const { writer, reader, keys } = await fresh("order", { maxBatchOps: 7, maxBatchBytes: 300 });
    await writer.init();
    const model = new Map<string, number>();
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const ops: WriteOp[] = [];
      for (let j = 0; j < 1 + (i % 5); j++) {
        const key = `k${(i * 7 + j) % 40}`;
        if ((i + j) % 4 === 3) {
          ops.push({ op: "delete", collection: "c", key });
          model.delete(key);
        } else {
          ops.push({ op: "put", collection: "c", key, object: { i, j } });
          model.set(key, i * 100 + j);
        }
      }
      calls.push(writer.apply(ops));
    }
    const results = (await Promise.all(calls)) as { revision: number; changed: number }[];
    // Revisions grow with call order, and the changes add up to the stream.
    for (let i = 1; i < results.length; i++)
      expect(results[i].revision).toBeGreaterThanOrEqual(results[i - 1].revision);
    const total = results.reduce((n, r) => n + r.changed, 0);
    expect(writer.revision).toBe(total);
    expect(await redis.xlen(keys.stream)).toBe(total);
    const snapshot = await reader.load();
    const got = new Map(
      [...snapshot.collections.get("c")!].map(([k, v]) => [
        k,
        (v.object.i as number) * 100 + (v.object.j as number),
      ]),
    );
    expect(got).toEqual(model);
    expect(plain(snapshot)).toEqual(plain(await replayStream(redis, keys, snapshot.revision)));
  });

  it("reconcile() puts what changed, deletes what is not listed, and reports it", async () => {
    const { writer, reader } = await fresh("reconcile");
    await writer.init();
    await writer.apply([
      { op: "put", collection: "c", key: "keep", object: { v: 1 } },
      { op: "put", collection: "c", key: "change", object: { v: 1 } },
      { op: "put", collection: "c", key: "gone", object: { v: 1 } },
      { op: "put", collection: "other", key: "x", object: { v: 1 } },
    ]);
    const result = await writer.reconcile(
      "c",
      new Map([
        ["keep", { v: 1 }],
        ["change", { v: 2 }],
        ["new", { v: 3, metadata: { managedFields: [] } }],
      ]),
    );
    expect(result).toEqual({ revision: 7, changed: 3, puts: 2, deletes: 1 });
    const snapshot = await reader.load();
    expect(plain(snapshot)).toEqual({
      c: {
        change: { revision: 5, object: { v: 2 } },
        keep: { revision: 1, object: { v: 1 } },
        new: { revision: 6, object: { v: 3, metadata: {} } },
      },
      other: { x: { revision: 4, object: { v: 1 } } },
    });
    expect(
      await writer.reconcile(
        "c",
        [...snapshot.collections.get("c")!].map(([k, v]) => [k, v.object]),
      ),
    ).toEqual({
      revision: 7,
      changed: 0,
      puts: 0,
      deletes: 0,
    });
  });

  it("dropCollection() deletes every object through the stream, then forgets the collection", async () => {
    const { writer, reader } = await fresh("drop");
    await writer.init();
    const kind = constraintsCollection("K8sRequiredLabels");
    await writer.apply([
      ...Array.from(
        { length: 1500 },
        (_, i): WriteOp => ({ op: "put", collection: kind, key: `c${i}`, object: { i } }),
      ),
      { op: "put", collection: TEMPLATES, key: "k8srequiredlabels", object: { t: 1 } },
    ]);
    expect(await writer.collections()).toEqual([kind, TEMPLATES]);
    const before = await reader.load();
    const deletes: number[] = [];
    const ac = new AbortController();
    const following = (async () => {
      for await (const e of reader.follow(before.revision, { signal: ac.signal, epoch: before.epoch })) {
        if (e.op === "delete" && e.collection === kind) deletes.push(e.revision);
        if (deletes.length === 1500) ac.abort();
      }
    })();
    expect(await writer.dropCollection(kind)).toEqual({ revision: 3001, changed: 1500 });
    await following;
    expect(deletes).toHaveLength(1500);
    expect(await writer.collections()).toEqual([TEMPLATES]);
    const after = await reader.load();
    expect([...after.collections.keys()]).toEqual([TEMPLATES]);
    expect(await writer.dropCollection(kind)).toEqual({ revision: 3001, changed: 0 });
  });

  it("fences off a deposed writer once a writer with a higher token has written", async () => {
    const { cluster } = await fresh("fence");
    let tokenA = 1;
    const a = new CacheWriter(redis, { cluster, fence: () => tokenA });
    const b = new CacheWriter(redis, { cluster, fence: () => 2 });
    await a.init();
    await a.put("c", "k", { by: "a" });
    await b.init(); // presenting token 2 raises the fence
    const error = await a.put("c", "k", { by: "a again" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FencedError);
    expect(error).toMatchObject({ token: 1, highest: 2 });
    expect((error as Error).message).toMatch(/token 1 is lower than 2/);
    await expect(a.init()).rejects.toBeInstanceOf(FencedError);
    expect((await b.put("c", "k", { by: "b" })).changed).toBe(1);
    // A writer that re-acquired the lease (higher token) writes again.
    tokenA = 3;
    expect((await a.put("c", "k", { by: "a, re-elected" })).changed).toBe(1);
    await expect(b.put("c", "k", { by: "b, deposed" })).rejects.toBeInstanceOf(FencedError);
    const snapshot = await new CacheReader(redis, { cluster }).load();
    expect(snapshot.collections.get("c")!.get("k")!.object).toEqual({ by: "a, re-elected" });
  });

  it("a fenced batch writes nothing, even when other calls were queued with it", async () => {
    const { cluster, keys } = await fresh("fence2");
    const a = new CacheWriter(redis, { cluster, fence: () => 1 });
    await a.init();
    await new CacheWriter(redis, { cluster, fence: () => 5 }).init();
    const results = await Promise.allSettled([a.put("c", "1", { v: 1 }), a.put("c", "2", { v: 2 })]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(await redis.exists(keys.collection("c"), keys.stream)).toBe(0);
  });
});
