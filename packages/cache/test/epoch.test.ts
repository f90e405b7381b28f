/*
 * Redis losing its data: these tests FLUSHALL and restart Redis, so they run
 * against a redis-server of their own, never the shared one.
 */
import { type RedisServer, startRedisServer } from "@portcullis/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CacheReader,
  CacheWriter,
  EpochLostError,
  type FollowEvent,
  type MirrorEvent,
  type Snapshot,
} from "../src/index.ts";
import { eventually, sleep, uniqueCluster } from "./helpers.ts";

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { retryStrategy: () => 50 });
  redis.on("error", () => {});
}, 30_000);
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe("epoch", () => {
  it("after FLUSHALL: apply throws EpochLostError, init() recreates, followers resync", async () => {
    const cluster = uniqueCluster("flush");
    const writer = new CacheWriter(redis, { cluster });
    const reader = new CacheReader(redis, { cluster });
    const first = await writer.init();
    await writer.put("c", "k", { v: 1 });
    const snapshot = await reader.load();
    expect(snapshot.epoch).toBe(first.epoch);

    const events: FollowEvent[] = [];
    const following = (async () => {
      for await (const e of reader.follow(snapshot.revision, { blockMs: 100 })) events.push(e);
    })();
    await sleep(150);
    await redis.flushall();

    const error = await writer.put("c", "k", { v: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EpochLostError);
    expect((error as Error).message).toMatch(/Redis restarted empty or was flushed.*call init\(\)/);
    expect(await redis.exists(writer.keys.collection("c"), writer.keys.stream, writer.keys.rev)).toBe(0);

    await following; // ends after the resync
    expect(events).toEqual([{ op: "resync", reason: "epoch" }]);

    const second = await writer.init();
    expect(second.created).toBe(true);
    expect(second.epoch).not.toBe(first.epoch);
    await writer.put("c", "k", { v: 3 });
    const reloaded = await reader.load();
    expect(reloaded.epoch).toBe(second.epoch);
    expect(reloaded.revision).toBe(1);
    expect(reloaded.collections.get("c")!.get("k")!.object).toEqual({ v: 3 });
  });

  it("a follower from the old epoch resyncs even when the new cache's revisions line up", async () => {
    const cluster = uniqueCluster("lineup");
    const writer = new CacheWriter(redis, { cluster });
    const reader = new CacheReader(redis, { cluster });
    await writer.init();
    await writer.put("c", "k", { v: 1 });
    const old = await reader.load(); // revision 1
    await redis.flushall();
    await writer.init();
    await writer.apply([
      { op: "put", collection: "c", key: "a", object: { v: 1 } },
      { op: "put", collection: "c", key: "b", object: { v: 1 } },
    ]);
    const events: FollowEvent[] = [];
    for await (const e of reader.follow(old.revision, { epoch: old.epoch, blockMs: 100 })) events.push(e);
    expect(events).toEqual([{ op: "resync", reason: "epoch" }]);
  });

  it("followers and mirrors survive a Redis restart that lost the data, and resync", async () => {
    const cluster = uniqueCluster("restart");
    const writer = new CacheWriter(redis, { cluster });
    const reader = new CacheReader(redis, { cluster });
    await writer.init();
    await writer.apply(
      Array.from({ length: 20 }, (_, i) => ({
        op: "put" as const,
        collection: "c",
        key: `k${i}`,
        object: { i },
      })),
    );
    const snapshot = await reader.load();

    const errors: unknown[] = [];
    const events: FollowEvent[] = [];
    let followError: unknown;
    const following = (async () => {
      for await (const e of reader.follow(snapshot.revision, {
        blockMs: 100,
        onError: (e) => errors.push(e),
      })) {
        events.push(e);
      }
    })().catch((e: unknown) => {
      followError = e;
    });

    const mirrored: MirrorEvent[] = [];
    let latest: Snapshot | undefined;
    const ac = new AbortController();
    const mirror = (async () => {
      for await (const e of reader.mirror({ signal: ac.signal, blockMs: 100, onError: () => {} })) {
        mirrored.push(e);
        latest = e.snapshot;
      }
    })();
    await eventually("mirror loaded", () => latest?.revision === 20);

    await server.restart(); // same port, no data
    await following;
    expect(followError).toBeUndefined();
    expect(events).toEqual([{ op: "resync", reason: "epoch" }]);

    // The writer notices, re-inits and rebuilds; the mirror reloads the new epoch and follows it.
    await eventually(
      "writer sees the epoch lost",
      async () => (await writer.put("c", "k0", { i: 0 }).catch((e: unknown) => e)) instanceof EpochLostError,
    );
    const created = await writer.init();
    expect(created.created).toBe(true);
    await writer.apply(
      Array.from({ length: 5 }, (_, i) => ({
        op: "put" as const,
        collection: "c",
        key: `n${i}`,
        object: { i },
      })),
    );
    await eventually(
      "mirror on the new epoch",
      () => latest?.epoch === created.epoch && latest.revision === 5,
    );
    await writer.put("c", "n0", { i: 100 });
    await eventually(
      "mirror follows the new epoch",
      () => latest?.collections.get("c")?.get("n0")?.revision === 6,
    );
    ac.abort();
    await mirror;
    expect([...latest!.collections.get("c")!.keys()].sort()).toEqual(["n0", "n1", "n2", "n3", "n4"]);
    const kinds = mirrored.map((e) => e.type);
    expect(kinds[0]).toBe("snapshot");
    expect(kinds.filter((k) => k === "snapshot").length).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it("a follower started while Redis is down waits for it instead of failing", async () => {
    const cluster = uniqueCluster("down");
    const writer = new CacheWriter(redis, { cluster });
    const reader = new CacheReader(redis, { cluster });
    await writer.init();
    const snapshot = await reader.load();
    await server.process.stop();
    const errors: unknown[] = [];
    const events: FollowEvent[] = [];
    const following = (async () => {
      for await (const e of reader.follow(snapshot.revision, {
        blockMs: 100,
        onError: (e) => errors.push(e),
      })) {
        events.push(e);
      }
    })();
    await sleep(500);
    expect(events).toEqual([]);
    await server.restart();
    await following;
    expect(events).toEqual([{ op: "resync", reason: "epoch" }]);
  }, 30_000);
});
