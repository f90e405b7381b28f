/*
 * pnpm bench:audit [--objects N] [--chunk-size N] [--concurrency N]
 *
 * N synthetic Pods in the Redis cache (auditFromCache) x every template of
 * the gatekeeper-library corpus with its sample constraints; one audit run
 * with 1 worker process, then with 2; prints objects/s, the speed-up and the
 * peak RSS of each worker (VmHWM). Starts its own redis-server and
 * nats-server -js on free loopback ports. Last line:
 *   objects=<n> seconds_1w=<n> seconds_2w=<n> speedup=<n> peak_rss_mb=<n>
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { CacheWriter, connectRedis, dataCollection, namespacedKey } from "@portcullis/cache";
import {
  libraryFiles,
  type ServiceProcess,
  serviceMain,
  startRedisServer,
  startService,
  waitFor,
  yamlDocuments,
} from "@portcullis/testkit";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "20000" },
    "chunk-size": { type: "string", default: "500" },
    concurrency: { type: "string", default: "1" },
  },
});
const N = Number(values.objects);
type Obj = Record<string, unknown>;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function pod(i: number): Obj {
  const ns = `bench-${i % 50}`;
  const bad = i % 4 === 0;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `pod-${i}`,
      namespace: ns,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      labels: { app: `app-${i % 100}`, ...(bad ? {} : { owner: "team" }) },
      annotations: { "bench/index": String(i) },
    },
    spec: {
      containers: [
        {
          name: "main",
          image: bad ? `docker.io/library/nginx:${i % 7}` : `openpolicyagent/opa:0.${i % 60}.0`,
          ports: [{ containerPort: 8080 }],
          resources: bad
            ? {}
            : { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
          ...(bad ? { securityContext: { privileged: true } } : {}),
          readinessProbe: { httpGet: { path: "/", port: 8080 } },
          livenessProbe: { httpGet: { path: "/", port: 8080 } },
        },
      ],
    },
  };
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const natsPort = await freePort();
  const natsDir = await mkdtemp(join(tmpdir(), "portcullis-bench-nats-"));
  const nats = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(natsPort), "-sd", natsDir], {
    stdio: "ignore",
  });
  const workers: ServiceProcess[] = [];
  try {
    const client = connectRedis(redis.url);
    const cacheName = `bench-${randomUUID().slice(0, 8)}`;
    const writer = new CacheWriter(client, { cluster: cacheName });
    await writer.init();
    const files = libraryFiles();
    const templates = files.filter((f) => f.endsWith("/template.yaml")).flatMap((f) => yamlDocuments<Obj>(f));
    const constraints = files
      .filter((f) => /\/samples\/[^/]+\/constraint\.yaml$/.test(f))
      .flatMap((f) => yamlDocuments<Obj>(f));
    const ops = [];
    for (const t of templates)
      ops.push({
        op: "put" as const,
        collection: "templates",
        key: String((t.metadata as Obj).name),
        object: t,
      });
    for (const c of constraints)
      ops.push({
        op: "put" as const,
        collection: `constraints/${c.kind}`,
        key: String((c.metadata as Obj).name),
        object: c,
      });
    for (let i = 0; i < 50; i++)
      ops.push({
        op: "put" as const,
        collection: "namespaces",
        key: `bench-${i}`,
        object: {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: `bench-${i}`, labels: { team: "t" } },
        },
      });
    await writer.apply(ops);
    for (let i = 0; i < N; i += 5000) {
      const batch = [];
      for (let j = i; j < Math.min(N, i + 5000); j++) {
        const p = pod(j);
        const m = p.metadata as Obj;
        batch.push({
          op: "put" as const,
          collection: dataCollection("v1", "Pod"),
          key: namespacedKey(String(m.namespace), String(m.name)),
          object: p,
        });
      }
      await writer.apply(batch);
    }
    // What sync does once everything is listed: readers serve only a complete cache.
    await writer.markComplete();
    process.stdout.write(
      `cache: ${N} pods, ${templates.length} templates, ${constraints.length} constraints (gatekeeper-library)\n`,
    );
    const nc = await connect({ servers: `127.0.0.1:${natsPort}` });
    const natsUrl = `nats://127.0.0.1:${natsPort}`;

    const run = async (w: number): Promise<{ seconds: number; rssMb: number[]; summary: Obj }> => {
      const scope = `bench-${w}w-${randomUUID().slice(0, 6)}`;
      const prefix = `b${w}w${randomUUID().slice(0, 6)}`;
      const stream = `BENCH_${prefix}`;
      // biome-ignore format: flag list
      const common = [
        "--redis-url", redis.url, "--cache-name", cacheName, "--nats-url", natsUrl, "--stream", stream,
        "--subject-prefix", prefix, "--scope", scope, "--audit-from-cache", "--audit-chunk-size",
        String(values["chunk-size"]), "--no-log-violations", "--health-addr", "127.0.0.1", "--health-port", "0",
        "--log-level", "info",
      ];
      const mine: ServiceProcess[] = [];
      for (let i = 0; i < w; i++) {
        const p = await startService({
          main: serviceMain("audit"),
          args: ["--role", "audit-worker", "--concurrency", String(values.concurrency), ...common],
          identity: `w${i}`,
          startTimeoutMs: 60_000,
        }).catch(async (e) => {
          throw e;
        });
        mine.push(p);
        workers.push(p);
      }
      for (const p of mine)
        await waitFor("worker ready", async () => (await p.readyz()).status === 200, 120_000);
      const jsm = await jetstreamManager(nc);
      await waitFor("stream", async () => (await jsm.streams.info(stream)) !== undefined, 20_000);
      // The summary is published after the subscription exists: a core subscription sees it.
      const messages = nc.subscribe(`${prefix}.audit.runs`, { max: 1 });
      const scheduler = await startService({
        main: serviceMain("audit"),
        args: ["--role", "audit-scheduler", "--run-now", "--audit-interval", "1h", ...common],
        identity: "scheduler",
      });
      workers.push(scheduler);
      let summary: Obj | undefined;
      for await (const m of messages) {
        summary = m.json<Obj>();
        break;
      }
      const s = summary as Obj;
      const seconds = (Date.parse(String(s.finishedAt)) - Date.parse(String(s.startedAt))) / 1000;
      const rssMb = mine.map((p) => {
        const status = readFileSync(`/proc/${p.child.pid}/status`, "utf8");
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        return Math.round(kb / 1024);
      });
      for (const p of [...mine, scheduler]) await p.stop();
      return { seconds, rssMb, summary: s };
    };

    const one = await run(1);
    const violations = Object.values(one.summary.totals as Record<string, number>).reduce((a, b) => a + b, 0);
    process.stdout.write(
      `1 worker:  ${one.seconds.toFixed(2)} s, ${Math.round(N / one.seconds)} objects/s, ${violations} violations, ${one.summary.chunks} chunks, peak RSS ${one.rssMb.join(", ")} MB\n`,
    );
    const two = await run(2);
    process.stdout.write(
      `2 workers: ${two.seconds.toFixed(2)} s, ${Math.round(N / two.seconds)} objects/s, peak RSS ${two.rssMb.join(", ")} MB\n`,
    );
    const speedup = one.seconds / two.seconds;
    process.stdout.write(`speed-up 1 -> 2 workers: ${speedup.toFixed(2)}x\n`);
    await nc.close();
    client.disconnect();
    const peak = Math.max(...one.rssMb, ...two.rssMb);
    process.stdout.write(
      `objects=${N} seconds_1w=${one.seconds.toFixed(2)} seconds_2w=${two.seconds.toFixed(2)} speedup=${speedup.toFixed(2)} peak_rss_mb=${peak}\n`,
    );
  } finally {
    for (const w of workers) await w.kill().catch(() => {});
    nats.kill("SIGKILL");
    await redis.stop();
  }
}

await main();
process.exit(0);
