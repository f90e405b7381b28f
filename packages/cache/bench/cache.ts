/*
 * pnpm bench:cache — the cache against a real redis-server this script
 * starts on a free loopback port:
 *   1. load() of 10,000 synced objects (Pods and Ingresses of ~4 KB) + 50
 *      templates + 100 constraints (target < 1 s);
 *   2. writer throughput: 50,000 object changes through apply() (target
 *      >= 5,000/s), while a follower follows the stream;
 *   3. follow lag: time from apply() resolving to the follower receiving
 *      the change, under that write load (p50/p99/max).
 * The last line is machine-readable:
 *   load_ms_10k=<n> writes_per_s=<n> follow_lag_ms_p99=<n>
 */
import { startRedisServer } from "@portcullis/testkit";
import { Redis } from "ioredis";
import {
  CacheReader,
  CacheWriter,
  constraintsCollection,
  dataCollection,
  namespacedKey,
  TEMPLATES,
  type WriteOp,
} from "../src/index.ts";
import { constraint, ingress, pod, template } from "./objects.ts";

const OBJECTS = 10_000;
const TEMPLATE_COUNT = 50;
const CONSTRAINT_COUNT = 100;
const CHANGES = Number(process.env.BENCH_CHANGES ?? 50_000);
const BATCH = 100; // ops per apply() call in the throughput run
const IN_FLIGHT = 4; // apply() calls in flight at once
const LOAD_RUNS = 7;
const PODS = dataCollection("v1", "Pod");
const INGRESSES = dataCollection("networking.k8s.io/v1", "Ingress");

const ms = (n: number): string => n.toFixed(1);
const quantile = (sorted: number[], q: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const server = await startRedisServer();
const redis = new Redis(server.url);
try {
  const info = await redis.info("server");
  console.log(
    `redis-server ${/redis_version:(\S+)/.exec(info)?.[1]} on ${server.url} (node ${process.version})`,
  );
  const cluster = `bench-${process.pid}`;
  const writer = new CacheWriter(redis, { cluster });
  const reader = new CacheReader(redis, { cluster });
  await writer.init();

  // --- populate ---------------------------------------------------------------
  const data: { collection: string; key: string; namespace: string; name: string }[] = [];
  for (let i = 0; i < OBJECTS; i++) {
    const namespace = `team-${i % 40}`;
    if (i % 10 < 7)
      data.push({ collection: PODS, namespace, name: `svc-${i % 300}-7d9f8c6b5-${i}`, key: "" });
    else data.push({ collection: INGRESSES, namespace, name: `site-${i}`, key: "" });
  }
  for (const d of data) d.key = namespacedKey(d.namespace, d.name);
  const make = (d: (typeof data)[number], rv: number): Record<string, unknown> =>
    d.collection === PODS ? pod(d.namespace, d.name, rv) : ingress(d.namespace, d.name, rv);

  const populateStart = performance.now();
  const kinds = Array.from({ length: TEMPLATE_COUNT }, (_, i) => `K8sBenchPolicy${i}`);
  await writer.reconcile(
    TEMPLATES,
    kinds.map((k) => [k.toLowerCase(), template(k)] as [string, Record<string, unknown>]),
  );
  for (let i = 0; i < CONSTRAINT_COUNT; i++) {
    const kind = kinds[i % kinds.length];
    await writer.put(constraintsCollection(kind), `c-${i}`, constraint(kind, `c-${i}`));
  }
  const initial: WriteOp[] = data.map((d) => ({
    op: "put",
    collection: d.collection,
    key: d.key,
    object: make(d, 1),
  }));
  let bytes = 0;
  for (const op of initial) bytes += JSON.stringify(op.object).length;
  const r0 = await writer.apply(initial);
  const populateMs = performance.now() - populateStart;
  console.log(
    `populate: ${OBJECTS} objects (avg ${(bytes / OBJECTS / 1024).toFixed(1)} KiB before stripping managedFields) + ` +
      `${TEMPLATE_COUNT} templates + ${CONSTRAINT_COUNT} constraints in ${ms(populateMs)} ms, revision ${r0.revision}`,
  );
  const mem = /used_memory_human:(\S+)/.exec(await redis.info("memory"))?.[1];
  console.log(`redis used_memory: ${mem}`);

  // --- load() -----------------------------------------------------------------
  const loadTimes: number[] = [];
  let objectsLoaded = 0;
  for (let i = 0; i < LOAD_RUNS; i++) {
    const t = performance.now();
    const snap = await reader.load();
    loadTimes.push(performance.now() - t);
    objectsLoaded = 0;
    for (const m of snap.collections.values()) objectsLoaded += m.size;
  }
  const loadSorted = [...loadTimes].sort((a, b) => a - b);
  const loadMedian = quantile(loadSorted, 0.5);
  console.log(
    `load(): ${objectsLoaded} objects, runs ${loadTimes.map(ms).join(" / ")} ms; ` +
      `first ${ms(loadTimes[0])} ms, median ${ms(loadMedian)} ms (target < 1000)`,
  );

  // --- throughput + follow lag --------------------------------------------------
  // Every change is a new version of an existing object (new resourceVersion, other fields).
  console.log(`preparing ${CHANGES} changes...`);
  const changes: WriteOp[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const d = data[i % data.length];
    changes.push({ op: "put", collection: d.collection, key: d.key, object: make(d, 2 + i) });
  }
  const start = await reader.load();
  const received = new Map<number, number>(); // revision -> performance.now() when the follower got it
  const abort = new AbortController();
  let followed = 0;
  const follower = (async () => {
    for await (const event of reader.follow(start.revision, { signal: abort.signal, epoch: start.epoch })) {
      if (event.op === "resync") throw new Error(`follower had to resync (${event.reason})`);
      received.set(event.revision, performance.now());
      followed++;
    }
  })();
  await new Promise((r) => setTimeout(r, 100)); // follower connected and blocked in XREAD

  const resolvedAt: { from: number; to: number; at: number }[] = [];
  let changed = 0;
  let nextBatch = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (nextBatch * BATCH < changes.length) {
      const batch = changes.slice(nextBatch * BATCH, ++nextBatch * BATCH);
      const result = await writer.apply(batch);
      resolvedAt.push({
        from: result.revision - result.changed + 1,
        to: result.revision,
        at: performance.now(),
      });
      changed += result.changed;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const writeMs = performance.now() - t0;
  const writesPerS = (changed / writeMs) * 1000;
  console.log(
    `writer: ${changed} changes in ${ms(writeMs)} ms = ${Math.round(writesPerS)} changes/s ` +
      `(apply() of ${BATCH} ops, ${IN_FLIGHT} in flight; target >= 5000)`,
  );

  const finalRevision = writer.revision;
  const deadline = Date.now() + 30_000;
  while (followed < changed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const drainedMs = performance.now() - t0;
  abort.abort();
  await follower;
  if (followed !== changed) throw new Error(`follower received ${followed} of ${changed} changes`);
  console.log(
    `follower: ${followed} changes in order up to revision ${finalRevision}, caught up ${ms(drainedMs - writeMs)} ms after the last apply()`,
  );

  const lags: number[] = [];
  let early = 0;
  for (const r of resolvedAt) {
    for (let rev = r.from; rev <= r.to; rev++) {
      const got = received.get(rev);
      if (got === undefined) throw new Error(`follower never received revision ${rev}`);
      if (got < r.at) early++;
      lags.push(Math.max(0, got - r.at));
    }
  }
  lags.sort((a, b) => a - b);
  console.log(
    `follow lag after apply() resolved, writer flat out: p50 ${ms(quantile(lags, 0.5))} ms, p99 ${ms(quantile(lags, 0.99))} ms, ` +
      `max ${ms(lags[lags.length - 1])} ms (${early} of ${lags.length} arrived before their apply() resolved, counted as 0)`,
  );

  changes.length = 0; // let the 50k prepared objects go before the next phases
  received.clear();

  // --- follow lag at exactly the target rate -----------------------------------
  {
    const RATE = 5000;
    const SECONDS = 3;
    const TICK_MS = 10;
    const perTick = (RATE * TICK_MS) / 1000;
    const head = await reader.load();
    const got = new Map<number, number>();
    const ac = new AbortController();
    const paced = (async () => {
      for await (const event of reader.follow(head.revision, { signal: ac.signal, epoch: head.epoch })) {
        if (event.op === "resync") throw new Error(`follower had to resync (${event.reason})`);
        got.set(event.revision, performance.now());
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const done: { from: number; to: number; at: number }[] = [];
    const pending: Promise<void>[] = [];
    const begin = performance.now();
    let i = 0;
    for (let tick = 0; tick < (SECONDS * 1000) / TICK_MS; tick++) {
      const due = begin + tick * TICK_MS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const batch: WriteOp[] = [];
      for (let j = 0; j < perTick; j++, i++) {
        const d = data[i % data.length];
        batch.push({ op: "put", collection: d.collection, key: d.key, object: make(d, 2_000_000 + i) });
      }
      pending.push(
        writer.apply(batch).then((r) => {
          done.push({ from: r.revision - r.changed + 1, to: r.revision, at: performance.now() });
        }),
      );
    }
    await Promise.all(pending);
    const elapsed = performance.now() - begin;
    const last = writer.revision;
    const until = Date.now() + 30_000;
    while (!got.has(last) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await paced;
    const pacedLags: number[] = [];
    for (const r of done) {
      for (let rev = r.from; rev <= r.to; rev++) {
        const t = got.get(rev);
        if (t === undefined) throw new Error(`paced follower never received revision ${rev}`);
        pacedLags.push(Math.max(0, t - r.at));
      }
    }
    pacedLags.sort((a, b) => a - b);
    console.log(
      `follow lag at a steady ${RATE} changes/s (${pacedLags.length} changes in ${ms(elapsed)} ms): ` +
        `p50 ${ms(quantile(pacedLags, 0.5))} ms, p99 ${ms(quantile(pacedLags, 0.99))} ms, max ${ms(pacedLags[pacedLags.length - 1])} ms`,
    );
  }

  // --- single-op apply() calls (how sync writes watch events) ------------------
  const singles = 20_000;
  const ts = performance.now();
  const results = await Promise.all(
    Array.from({ length: singles }, (_, i) => {
      const d = data[i % data.length];
      return writer.put(d.collection, d.key, make(d, 1_000_000 + i));
    }),
  );
  const singleMs = performance.now() - ts;
  const singleChanged = results.reduce((n, r) => n + r.changed, 0);
  console.log(
    `writer: ${singleChanged} single-op put() calls issued at once in ${ms(singleMs)} ms = ` +
      `${Math.round((singleChanged / singleMs) * 1000)} changes/s (group commit)`,
  );

  console.log(
    `load_ms_10k=${Math.round(loadMedian)} writes_per_s=${Math.round(writesPerS)} follow_lag_ms_p99=${ms(quantile(lags, 0.99))}`,
  );
} finally {
  redis.disconnect();
  await server.stop();
}
