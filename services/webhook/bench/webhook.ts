/*
 * bench:webhook — the webhook as a process over HTTPS (keep-alive), loaded
 * with the whole gatekeeper-library corpus (every template, every sample
 * constraint), answering Pod CREATE reviews that match the pod-security and
 * general constraints. Prints throughput and latency for 1 and 2 processes,
 * p99 with 10 vs 200 extra constraints of kinds that do not match Pods, and
 * cold start to ready from a cache holding 10,000 synced objects.
 *
 * The cache is written with CacheWriter directly (what sync would write).
 * The load generator runs on the same machine as the webhook(s): on a small
 * machine it takes a share of the CPU, so these are conservative numbers.
 *
 *   pnpm bench:webhook            (BENCH_SECONDS=8 by default per run;
 *                                  BENCH_NATS_URL=nats://… to publish admission events too)
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { cpus } from "node:os";
import { CacheWriter, connectRedis, constraintsCollection, dataCollection } from "@portcullis/cache";
import { Client, ENFORCEMENT_POINTS } from "@portcullis/engine";
import {
  libraryFiles,
  serviceMain,
  startRedisServer,
  startService,
  waitFor,
  yamlDocuments,
} from "@portcullis/testkit";
import autocannon from "autocannon";
import { selfSigned } from "../test/support/webhook.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
// Events are off unless asked for: every review of the bench Pod is denied with ~25 violations,
// i.e. ~25 JetStream messages per review, which measures NATS on this machine more than the webhook.
const NATS = process.env.BENCH_NATS_URL;

type Obj = Record<string, any>;

const files = libraryFiles();
const templates = files.filter((f) => f.endsWith("/template.yaml")).flatMap((f) => yamlDocuments<Obj>(f));
const constraints = files
  .filter((f) => f.includes("/samples/") && f.endsWith("/constraint.yaml"))
  .flatMap((f) => yamlDocuments<Obj>(f))
  .filter((c) => c.apiVersion?.startsWith("constraints.gatekeeper.sh/"));

const ns = "bench";
const pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-1", namespace: ns, labels: { app: "web", owner: "team-a" } },
  spec: {
    containers: [
      {
        name: "web",
        image: "nginx:1.27",
        ports: [{ containerPort: 8080 }],
        resources: { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
        securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
      },
      { name: "sidecar", image: "busybox:1.36", command: ["sleep", "3600"] },
    ],
    volumes: [{ name: "data", emptyDir: {} }],
  },
};
const reviewBody = JSON.stringify({
  apiVersion: "admission.k8s.io/v1",
  kind: "AdmissionReview",
  request: {
    uid: "0b9a3f3e-5c1d-4a7e-9a7c-bench0000001",
    kind: { group: "", version: "v1", kind: "Pod" },
    resource: { group: "", version: "v1", resource: "pods" },
    requestKind: { group: "", version: "v1", kind: "Pod" },
    name: "web-1",
    namespace: ns,
    operation: "CREATE",
    userInfo: { username: "bench", groups: ["system:authenticated"] },
    object: pod,
    oldObject: null,
    dryRun: false,
    options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
  },
});

const nonMatching = (i: number) => ({
  apiVersion: "constraints.gatekeeper.sh/v1beta1",
  kind: "K8sRequiredLabels",
  metadata: { name: `non-matching-${i}` },
  spec: {
    match: { kinds: [{ apiGroups: ["apps"], kinds: ["Deployment", "StatefulSet"] }] },
    parameters: { labels: [{ key: `team-${i}` }] },
  },
});

const redisServer = await startRedisServer();
const redis = connectRedis(redisServer.url);
const cert = selfSigned();
const ca = readFileSync(cert.certPath);
const running: { stop(): Promise<unknown>; metrics(): Promise<string> }[] = [];

async function writeCorpus(cache: string, extraObjects = 0): Promise<number> {
  const w = new CacheWriter(redis, { cluster: cache });
  await w.init();
  const ops: Parameters<CacheWriter["apply"]>[0] = [];
  for (const t of templates)
    ops.push({ op: "put", collection: "templates", key: t.metadata.name, object: t });
  for (const c of constraints)
    ops.push({ op: "put", collection: constraintsCollection(c.kind), key: c.metadata.name, object: c });
  ops.push({
    op: "put",
    collection: "namespaces",
    key: ns,
    object: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { env: "bench" } } },
  });
  await w.apply(ops);
  for (let i = 0; i < extraObjects; i += 1000) {
    const batch: typeof ops = [];
    for (let j = i; j < Math.min(extraObjects, i + 1000); j++) {
      const name = `pod-${j}`;
      const p = { ...pod, metadata: { ...pod.metadata, name, namespace: `ns-${j % 100}`, uid: `uid-${j}` } };
      batch.push({
        op: "put",
        collection: dataCollection("v1", "Pod"),
        key: `ns-${j % 100}/${name}`,
        object: p,
      });
    }
    await w.apply(batch);
  }
  // What sync does once everything is listed: readers serve only a complete cache.
  await w.markComplete();
  return ops.length + extraObjects;
}

async function webhook(cache: string, identity: string) {
  // biome-ignore format: flag list
  const args = [
    "--redis-url", redisServer.url, "--cache-name", cache,
    "--tls-cert-file", cert.certPath, "--tls-key-file", cert.keyPath,
    "--addr", "127.0.0.1", "--port", "0", "--health-addr", "127.0.0.1", "--health-port", "0",
    "--log-level", "info", ...(NATS ? ["--nats-url", NATS] : []),
  ];
  const t0 = performance.now();
  const p = await startService({ main: serviceMain("webhook"), args, identity, startTimeoutMs: 60_000 });
  await waitFor(`${identity} ready`, async () => (await p.readyz()).status === 200, 60_000, 10);
  const readyMs = performance.now() - t0;
  const port = Number(p.logs.find((l) => l.msg === "started")?.port);
  running.push(p);
  return { p, port, readyMs };
}

async function gauge(p: { metrics(): Promise<string> }, name: string): Promise<number> {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(await p.metrics());
  return Number(m?.[1] ?? Number.NaN);
}

function cannon(port: number, connections: number, seconds = SECONDS): Promise<autocannon.Result> {
  return autocannon({
    url: `https://127.0.0.1:${port}/v1/admit`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: reviewBody,
    connections,
    pipelining: 1,
    duration: seconds,
    tlsOptions: { ca },
  });
}

/** Open-loop load at a fixed rate with sub-millisecond latency timing. */
async function fixedRate(port: number, rate: number, seconds = SECONDS) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64, ca });
  const lat: number[] = [];
  let errors = 0;
  let inflight = 0;
  const one = () => {
    const t0 = performance.now();
    inflight++;
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/v1/admit",
        method: "POST",
        agent,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          inflight--;
          if (res.statusCode === 200) lat.push(performance.now() - t0);
          else errors++;
        });
      },
    );
    req.on("error", () => {
      inflight--;
      errors++;
    });
    req.end(reviewBody);
  };
  // Warm the connections first.
  for (let i = 0; i < 32; i++) one();
  await new Promise((r) => setTimeout(r, 300));
  lat.length = 0;
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - start) / 1000;
      if (elapsed >= seconds) {
        clearInterval(tick);
        resolve();
        return;
      }
      const due = Math.floor(elapsed * rate);
      while (sent < due) {
        one();
        sent++;
      }
    }, 1);
  });
  await waitFor("drain", () => inflight === 0, 10_000, 10).catch(() => {});
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? Number.NaN;
  return { p50: q(0.5), p99: q(0.99), count: lat.length, errors, rate: lat.length / seconds };
}

const r2 = (n: number) => Math.round(n * 100) / 100;

try {
  console.log(`machine: ${cpus().length} cpus (${cpus()[0]?.model ?? "?"}), node ${process.version}`);
  console.log(`corpus: ${templates.length} templates, ${constraints.length} sample constraints`);
  console.log(
    `admission events: ${NATS ? `published to ${NATS}` : "off (BENCH_NATS_URL=nats://… to publish them)"}`,
  );
  // The engine alone, in this process: the floor under the webhook's per-review cost.
  const engine = new Client({ enforcementPoint: ENFORCEMENT_POINTS.webhook });
  for (const t of templates) engine.addTemplate(t);
  for (const c of constraints) engine.addConstraint(c);
  const reviewRequest = JSON.parse(reviewBody).request;
  const nsObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { env: "bench" } } };
  for (let i = 0; i < 300; i++) engine.review(reviewRequest, { admissionRequest: true, namespace: nsObject });
  const e0 = performance.now();
  let n = 0;
  while (performance.now() - e0 < 2000) {
    engine.review(JSON.parse(reviewBody).request, { admissionRequest: true, namespace: nsObject });
    n++;
  }
  const engineMs = (performance.now() - e0) / n;
  console.log(
    `engine alone (JSON.parse + review, one thread): ${engineMs.toFixed(3)} ms/review = ${Math.round(1000 / engineMs)} reviews/s/core ceiling`,
  );

  await writeCorpus("bench");
  const a = await webhook("bench", "webhook-a");
  const loaded = {
    templates: await gauge(a.p, "portcullis_webhook_templates"),
    constraints: await gauge(a.p, "portcullis_webhook_constraints"),
  };
  console.log(`webhook loaded ${loaded.templates} templates, ${loaded.constraints} constraints`);
  const probe = await fetchReview(a.port);
  const resp = JSON.parse(probe).response;
  const denyLines = resp.status?.message ? String(resp.status.message).split("\n").length : 0;
  console.log(
    `the Pod review: allowed=${resp.allowed}, ${denyLines} deny lines, ${resp.warnings?.length ?? 0} warnings`,
  );

  await cannon(a.port, 16, 2); // warm-up (JIT)
  const one = await cannon(a.port, 16);
  const rps1 = one.requests.average;
  console.log(
    `1 process: ${Math.round(rps1)} reviews/s (autocannon, 16 connections, ${SECONDS}s), p50 ${one.latency.p50} ms, p99 ${one.latency.p99} ms, non-2xx ${one.non2xx}, errors ${one.errors}`,
  );

  const half = Math.max(100, Math.round(rps1 / 2));
  const atHalf = await fixedRate(a.port, half);
  console.log(
    `1 process at half load (${half}/s, open loop): p50 ${r2(atHalf.p50)} ms, p99 ${r2(atHalf.p99)} ms (${atHalf.count} reviews, ${atHalf.errors} errors)`,
  );

  // Extra constraints that cannot match a Pod (kind index: they should cost nothing).
  const w = new CacheWriter(redis, { cluster: "bench" });
  await w.init();
  // Set the extra constraints to exactly n (puts 0..n-1, deletes the rest), then wait until loaded.
  let extra = 0;
  const setNonMatching = async (n: number) => {
    const ops: Parameters<CacheWriter["apply"]>[0] = [];
    for (let i = extra; i < n; i++)
      ops.push({
        op: "put",
        collection: constraintsCollection("K8sRequiredLabels"),
        key: `non-matching-${i}`,
        object: nonMatching(i),
      });
    for (let i = n; i < extra; i++)
      ops.push({
        op: "delete",
        collection: constraintsCollection("K8sRequiredLabels"),
        key: `non-matching-${i}`,
      });
    if (ops.length > 0) await w.apply(ops);
    extra = n;
    await waitFor(
      `${n} extra constraints loaded`,
      async () => (await gauge(a.p, "portcullis_webhook_constraints")) === loaded.constraints + n,
      30_000,
    );
  };
  // Interleaved rounds: a shared machine drifts; the median p99 of each side is compared.
  const p99s: Record<number, number[]> = { 10: [], 200: [] };
  const p50s: Record<number, number[]> = { 10: [], 200: [] };
  for (let round = 0; round < 3; round++) {
    for (const n of [10, 200]) {
      await setNonMatching(n);
      const r = await fixedRate(a.port, half, Math.max(3, SECONDS / 2));
      p99s[n]!.push(r.p99);
      p50s[n]!.push(r.p50);
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const nm10 = { p99: median(p99s[10]!), p50: median(p50s[10]!) };
  const nm200 = { p99: median(p99s[200]!), p50: median(p50s[200]!) };
  console.log(
    `p99 at ${half}/s with 10 non-matching constraints: ${r2(nm10.p99)} ms; with 200: ${r2(nm200.p99)} ms (median of 3 interleaved rounds; rounds ${p99s[10]!.map(r2).join("/")} vs ${p99s[200]!.map(r2).join("/")}; p50 ${r2(nm10.p50)} / ${r2(nm200.p50)})`,
  );

  const b = await webhook("bench", "webhook-b");
  await cannon(b.port, 8, 2);
  const [ra, rb] = await Promise.all([cannon(a.port, 16), cannon(b.port, 16)]);
  const rps2 = ra.requests.average + rb.requests.average;
  console.log(
    `2 processes: ${Math.round(rps2)} reviews/s (${Math.round(ra.requests.average)} + ${Math.round(rb.requests.average)}), p99 ${ra.latency.p99} / ${rb.latency.p99} ms`,
  );
  await Promise.all(running.splice(0).map((p) => p.stop()));

  // Cold start: a cache holding 10,000 synced objects (Pods in data.inventory) plus the corpus.
  const objects = await writeCorpus("bench-cold", 10_000);
  const cold = await webhook("bench-cold", "webhook-cold");
  const coldData = await gauge(cold.p, "portcullis_webhook_cache_revision");
  console.log(
    `cold start to ready from a cache of ${objects} objects (10,000 synced Pods): ${Math.round(cold.readyMs)} ms (revision ${coldData})`,
  );
  await Promise.all(running.splice(0).map((p) => p.stop()));

  console.log(
    `reviews_per_s_1proc=${Math.round(rps1)} reviews_per_s_2proc=${Math.round(rps2)} p50_ms=${r2(atHalf.p50)} p99_ms=${r2(atHalf.p99)} p99_ms_10_nonmatching=${r2(nm10.p99)} p99_ms_200_nonmatching=${r2(nm200.p99)}`,
  );
} finally {
  await Promise.all(running.map((p) => p.stop()));
  redis.disconnect();
  await redisServer.stop();
}

async function fetchReview(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/v1/admit",
        method: "POST",
        ca,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        let d = "";
        res.setEncoding("utf8").on("data", (c: string) => (d += c));
        res.on("end", () => resolve(d));
      },
    );
    req.on("error", reject);
    req.end(reviewBody);
  });
}
