/*
 * The audit as processes against a real kube-apiserver + etcd, Redis, NATS
 * and services/sync: pre-existing violating Namespaces and Pods are found
 * by one run, each constraint's status gets the exact total and at most the
 * limit of violations, and a JetStream subscriber receives exactly one event
 * per violation; a worker SIGKILLed in the middle of a run changes neither
 * the totals nor the set of events.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  type KubeEnv,
  libraryPath,
  natsServer,
  natsUrl,
  redisUrl,
  repoRoot,
  type ServiceProcess,
  serviceMain,
  startKube,
  startService,
  startSync,
  waitFor,
} from "@portcullis/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const LIBRARY = libraryPath("general");
const LIMIT = 5;

let kube: KubeEnv;
let nc: NatsConnection;
const running: ServiceProcess[] = [];
const cache = `audit-${randomUUID().slice(0, 8)}`;
let installNs: string;
let podNs: string;

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await kube.kubectl(args, input !== undefined ? { input } : {});
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function getJson(...args: string[]): Promise<any> {
  const r = await kube.kubectl(["get", ...args, "-o", "json"]);
  return r.code === 0 ? JSON.parse(r.stdout) : undefined;
}

function audit(role: string, scope: string, prefix: string, stream: string, extra: string[] = []) {
  // biome-ignore format: flag list
  const args = [
    "--role", role, "--kubeconfig", kube.kubeconfigPath, "--redis-url", redisUrl(), "--cache-name", cache,
    "--nats-url", natsUrl(), "--stream", stream, "--subject-prefix", prefix, "--scope", scope,
    "--audit-interval", "1h", "--run-now", "--audit-chunk-size", "4", "--audit-match-kind-only",
    "--constraint-violations-limit", String(LIMIT), "--durable", `sw-${scope}`,
    "--lock-duration", "2s", "--stalled-interval", "1s",
    "--health-addr", "127.0.0.1", "--health-port", "0", "--log-level", "debug", ...extra,
  ];
  return startService({ main: serviceMain("audit"), args, identity: `${role}-${scope}` }).then((p) => {
    running.push(p);
    return p;
  });
}

/** Collects every message on the stream's audit subjects, as a user's subscriber would. */
async function subscribe(stream: string, prefix: string) {
  const jsm = await jetstreamManager(nc);
  await waitFor("stream", async () => (await jsm.streams.info(stream)) !== undefined, 20_000);
  const name = `sub-${randomUUID().slice(0, 8)}`;
  await jsm.consumers.add(stream, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${prefix}.>`,
  });
  const consumer = await jetstream(nc).consumers.get(stream, name);
  const violations: any[] = [];
  const summaries: any[] = [];
  const messages = await consumer.consume();
  void (async () => {
    for await (const m of messages) {
      const body = m.json<any>();
      if (body.eventType === "violation_audited") violations.push(body);
      if (body.eventType === "audit_finished") summaries.push(body);
      m.ack();
    }
  })();
  return { violations, summaries, stop: () => messages.stop() };
}

const constraintYaml = (kind: string, name: string, match: string, params: string) => `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: ${kind}
metadata:
  name: ${name}
spec:
  match:
${match}
  parameters:
${params}
`;

const pod = (ns: string, name: string, image: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns },
  spec: { containers: [{ name: "c", image }] },
});

beforeAll(async () => {
  kube = await startKube();
  nc = await connect({ servers: natsServer(), reconnect: false });
  installNs = await kube.createNamespace({ prefix: "portcullis-system", labels: { owner: "ops" } });
  podNs = await kube.createNamespace({ prefix: "pods", labels: { owner: "dev" } });
  // Pre-existing violating objects: Namespaces without "owner", Pods from a disallowed registry.
  for (let i = 0; i < 7; i++) await kube.createNamespace({ prefix: "nolabel" });
  const pods = [];
  for (let i = 0; i < 30; i++) pods.push(pod(podNs, `bad-${i}`, `evil.io/app:${i}`));
  for (let i = 0; i < 5; i++) pods.push(pod(podNs, `good-${i}`, `good.io/app:${i}`));
  await kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: pods }));

  const sync = await startSync({
    kubeconfig: kube.kubeconfigPath,
    redisUrl: redisUrl(),
    cacheName: cache,
    namespace: installNs,
    identity: "sync-audit",
  });
  running.push(sync);
  await waitFor("sync ready", async () => (await sync.readyz()).status === 200, 30_000);
  for (const t of ["requiredlabels", "allowedrepos"])
    await kubectl(["apply", "-f", join(LIBRARY, t, "template.yaml")]);
  for (const crd of ["k8srequiredlabels", "k8sallowedrepos"])
    await waitFor(
      `${crd} CRD`,
      async () => {
        const c = await getJson("crd", `${crd}.constraints.gatekeeper.sh`);
        return c?.status?.conditions?.some((x: any) => x.type === "Established" && x.status === "True");
      },
      30_000,
    );
  await kubectl(
    ["apply", "-f", "-"],
    constraintYaml(
      "K8sRequiredLabels",
      "ns-must-have-owner",
      `    kinds:\n      - apiGroups: [""]\n        kinds: ["Namespace"]`,
      `    labels:\n      - key: owner`,
    ),
  );
  await kubectl(
    ["apply", "-f", "-"],
    constraintYaml(
      "K8sAllowedRepos",
      "repo-is-good",
      `    kinds:\n      - apiGroups: [""]\n        kinds: ["Pod"]\n    namespaces: ["${podNs}"]`,
      `    repos: ["good.io/"]`,
    ),
  );
}, 240_000);

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  await nc?.close();
  await kube?.stop();
});

/** The true counts, from the API server. */
async function expected(): Promise<Record<string, number>> {
  const nss = (await getJson("namespaces")).items;
  // The template's CEL code (preferred, as in Gatekeeper) has two validations, and a missing
  // label fails both: "missing required label" and "regex mismatch".
  return {
    "K8sRequiredLabels/ns-must-have-owner": 2 * nss.filter((n: any) => !n.metadata.labels?.owner).length,
    "K8sAllowedRepos/repo-is-good": 30,
  };
}

function eventKey(e: any): string {
  return `${e.kind}/${e.name}|${e.resourceKind}|${e.resourceNamespace}/${e.resourceName}|${e.message}`;
}

async function runOnce(scope: string, opts: { killWorker?: boolean } = {}) {
  const prefix = `t${scope.replace(/-/g, "")}`;
  const stream = `S_${prefix}`;
  const workerArgs = opts.killWorker ? ["--chunk-hold", "1500ms"] : [];
  const writer = await audit("status-writer", scope, prefix, stream);
  const sub = await subscribe(stream, prefix);
  const w1 = await audit("audit-worker", scope, prefix, stream, workerArgs);
  const w2 = await audit("audit-worker", scope, prefix, stream, workerArgs);
  await audit("audit-scheduler", scope, prefix, stream);
  if (opts.killWorker) {
    // SIGKILL a worker right after it published a chunk's events but before the chunk completed.
    await waitFor(
      "a chunk published by worker 1",
      () => w1.logs.some((l) => l.msg === "audit chunk published"),
      60_000,
    );
    await w1.kill();
  }
  const summary = await waitFor("run summary", () => sub.summaries[0], 120_000);
  // Events reach the subscriber before the summary; give late deliveries a moment.
  await new Promise((r) => setTimeout(r, 1000));
  sub.stop();
  return { summary, events: sub.violations, writer, workers: [w1, w2], stream, prefix };
}

describe("audit against a real API server, Redis, NATS and sync", () => {
  let firstEvents: string[] = [];
  let firstTotals: Record<string, number> = {};
  let firstRun: { stream: string; prefix: string; events: number; id: string } | undefined;

  it("finds pre-existing violations: exact totals in status and summary, <= limit violations, one event per violation", async () => {
    const want = await expected();
    const { summary, events, writer, stream, prefix } = await runOnce(`a-${randomUUID().slice(0, 6)}`);
    firstRun = { stream, prefix, events: events.length, id: summary.id };
    expect(summary.totals).toEqual(want);
    expect(events.length).toBe(want["K8sRequiredLabels/ns-must-have-owner"]! + 30);
    const keys = events.map(eventKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(events.every((e) => e.id === summary.id && e.enforcementAction === "deny")).toBe(true);
    const podEvent = events.find((e) => e.resourceKind === "Pod");
    expect(podEvent).toMatchObject({
      group: "constraints.gatekeeper.sh",
      version: "v1beta1",
      kind: "K8sAllowedRepos",
      name: "repo-is-good",
      resourceGroup: "",
      resourceAPIVersion: "v1",
      resourceNamespace: podNs,
    });
    expect(podEvent.message).toMatch(/evil\.io\/app:\d+/);
    for (const [key, total] of Object.entries(want)) {
      const [kind, name] = key.split("/") as [string, string];
      const c = await waitFor(
        `${key} status`,
        async () => {
          const o = await getJson(kind.toLowerCase(), name);
          return o?.status?.totalViolations === total ? o : undefined;
        },
        30_000,
      ).catch((e) => {
        throw new Error(`${e.message}\n${writer.logs.map((l) => JSON.stringify(l)).join("\n")}`);
      });
      expect(c.status.auditTimestamp).toBe(summary.startedAt);
      expect(c.status.violations).toHaveLength(Math.min(LIMIT, total));
      expect(c.status.violations[0]).toMatchObject({ enforcementAction: "deny", version: "v1" });
    }
    expect(writer.logs.some((l) => l.msg === "audit status written")).toBe(true);
    firstEvents = keys.sort();
    firstTotals = summary.totals;
  }, 240_000);

  it("the README's subscriber example receives every violation of the run and its summary", async () => {
    const run = firstRun as NonNullable<typeof firstRun>;
    const child = spawn(
      process.execPath,
      [join(repoRoot, "services", "audit", "examples", "subscriber.ts")],
      {
        env: {
          ...process.env,
          NATS_URL: natsServer(),
          STREAM: run.stream,
          PREFIX: run.prefix,
          EXIT_AFTER_RUN: "1",
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    const lines = out.trim().split("\n");
    expect(lines.filter((l) => l.startsWith("violation_audited ")).length).toBe(run.events);
    expect(lines.at(-1)).toContain(`audit ${run.id} finished: {`);
  }, 60_000);

  it("a worker SIGKILLed mid-run: same totals, same set of events, each once", async () => {
    expect(firstEvents.length).toBeGreaterThan(0);
    const { summary, events, workers } = await runOnce(`k-${randomUUID().slice(0, 6)}`, { killWorker: true });
    expect(summary.totals).toEqual(firstTotals);
    expect(events.map(eventKey).sort()).toEqual(firstEvents);
    // The chunk the killed worker held (events published, not completed) was redone by the other one.
    const [w1, w2] = workers as [ServiceProcess, ServiceProcess];
    expect(w1.child.signalCode).toBe("SIGKILL");
    const held = w1.logs.filter((l) => l.msg === "audit chunk published").at(-1)?.job;
    expect(held).toBeDefined();
    expect(w2.logs.some((l) => l.msg === "audit chunk published" && l.job === held)).toBe(true);
  }, 240_000);
});
