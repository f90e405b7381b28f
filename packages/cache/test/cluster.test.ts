/* The cache on a real Redis Cluster: 3 masters, started by the test harness on loopback. */
import { type RedisTestCluster, startRedisCluster } from "@portcullis/testkit";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyChange,
  CacheReader,
  CacheWriter,
  connectRedis,
  FencedError,
  type FollowEvent,
  type WriteOp,
} from "../src/index.ts";
import { eventually, plain, replayStream, uniqueCluster } from "./helpers.ts";

let rc: RedisTestCluster;
let client: Cluster;

beforeAll(async () => {
  rc = await startRedisCluster();
  const c = connectRedis({ nodes: rc.urls });
  if (!(c instanceof Cluster)) throw new Error("connectRedis({ nodes }) did not return a Cluster");
  client = c;
}, 90_000);
afterAll(async () => {
  client?.disconnect();
  await rc?.stop();
});

describe("on a 3-master Redis Cluster", () => {
  it("has three masters covering all slots", async () => {
    const nodes = client.nodes("master");
    await eventually("3 masters known", () => client.nodes("master").length === 3);
    expect(nodes.length).toBe(3);
    const info = (await client.cluster("INFO")) as string;
    expect(info).toMatch(/cluster_state:ok/);
    expect(info).toMatch(/cluster_known_nodes:3/);
  });

  it("keeps every key of an install in one slot, on one node", async () => {
    const cluster = uniqueCluster("slot");
    const writer = new CacheWriter(client, { cluster });
    await writer.init();
    await writer.apply([
      { op: "put", collection: "templates", key: "a", object: { v: 1 } },
      { op: "put", collection: "data/v1/Pod", key: "ns/p", object: { v: 1 } },
      { op: "put", collection: "constraints/K8sX", key: "c", object: { v: 1 } },
    ]);
    const k = writer.keys;
    const names = [
      k.epoch,
      k.rev,
      k.collections,
      k.stream,
      k.fence,
      ...["templates", "data/v1/Pod", "constraints/K8sX"].map(k.collection),
    ];
    const slots = new Set<number>();
    for (const name of names) slots.add((await client.cluster("KEYSLOT", name)) as number);
    expect(slots.size).toBe(1);
    // The node that owns the slot holds them all (fence exists only once a fenced writer wrote).
    const slot = [...slots][0];
    let holders = 0;
    for (const url of rc.urls) {
      const node = new Redis(url);
      try {
        const count = Number(await node.cluster("COUNTKEYSINSLOT", slot));
        if (count > 0) {
          holders++;
          expect(count).toBe(names.length - 1);
        }
      } finally {
        node.disconnect();
      }
    }
    expect(holders).toBe(1);
  });

  it("spreads different installs over the nodes", async () => {
    const owners = new Set<number>();
    const slots = await client.cluster("SLOTS");
    for (let i = 0; i < 40; i++) {
      const writer = new CacheWriter(client, { cluster: uniqueCluster(`spread${i}`) });
      const slot = (await client.cluster("KEYSLOT", writer.keys.rev)) as number;
      owners.add(slots.findIndex(([from, to]) => slot >= from && slot <= to));
    }
    expect(owners.size).toBeGreaterThan(1);
  });

  it("writes, loads consistently under writes, follows, reconciles and drops", async () => {
    const cluster = uniqueCluster("full");
    const writer = new CacheWriter(client, { cluster, streamMaxLen: 0, maxBatchOps: 50 });
    const reader = new CacheReader(client, { cluster, pageSize: 50 });
    await writer.init();
    const ops = (n: number, round: number): WriteOp[] =>
      Array.from({ length: n }, (_, i) => ({
        op: (i + round) % 5 === 0 ? "delete" : "put",
        collection: ["templates", "constraints/K8sX", "data/v1/Pod"][i % 3],
        key: `k${(i * 13 + round) % 300}`,
        object: { round, i, pad: "y".repeat(300) },
      }));
    await writer.apply(ops(900, 0));
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
    let stop = false;
    let round = 1;
    const hammer = (async () => {
      while (!stop) await writer.apply(ops(40, round++));
    })();
    try {
      for (let i = 0; i < 4; i++) {
        const snapshot = await reader.load();
        expect(plain(snapshot)).toEqual(plain(await replayStream(client, writer.keys, snapshot.revision)));
      }
    } finally {
      stop = true;
      await hammer;
    }
    await eventually("follower caught up", () => state.revision === writer.revision);
    expect(events.every((e) => e.op !== "resync")).toBe(true);
    expect(plain(state)).toEqual(plain(await reader.load()));

    const listing = new Map(Array.from({ length: 10 }, (_, i) => [`new${i}`, { i }]));
    const reconciled = await writer.reconcile("templates", listing);
    expect(reconciled.puts).toBe(10);
    await writer.dropCollection("data/v1/Pod");
    await eventually("follower saw reconcile and drop", () => state.revision === writer.revision);
    ac.abort();
    await following;
    expect(await writer.collections()).toEqual(["constraints/K8sX", "templates"]);
    const final = await reader.load();
    expect([...final.collections.get("templates")!.keys()].sort()).toEqual([...listing.keys()].sort());
    expect(plain(state)).toEqual(plain(final));
  }, 60_000);

  it("fences, and connects with a cluster URL (?cluster=true)", async () => {
    const viaUrl = connectRedis(`${rc.urls[1]}?cluster=true`);
    try {
      expect(viaUrl).toBeInstanceOf(Cluster);
      const cluster = uniqueCluster("fence");
      const a = new CacheWriter(client, { cluster, fence: () => 1 });
      const b = new CacheWriter(viaUrl, { cluster, fence: () => 2 });
      await a.init();
      await a.put("c", "k", { by: "a" });
      await b.init();
      await expect(a.put("c", "k", { by: "a" + 2 })).rejects.toBeInstanceOf(FencedError);
      await b.put("c", "k", { by: "b" });
      const snapshot = await new CacheReader(viaUrl, { cluster }).load();
      expect(snapshot.collections.get("c")!.get("k")!.object).toEqual({ by: "b" });
    } finally {
      viaUrl.disconnect();
    }
  });
});
