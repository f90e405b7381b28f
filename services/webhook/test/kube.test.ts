/*
 * End to end on a real kube-apiserver: sync (a process) mirrors the cluster
 * into Redis, two webhook processes answer the API server from it, NATS
 * receives the events. The seed scenario, identical answers from both
 * replicas, and a Redis outage in the middle of a stream of reviews.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  type KubeEnv,
  libraryPath,
  natsServer,
  natsUrl,
  type RedisServer,
  type ServiceProcess,
  startKube,
  startRedisServer,
  startSync,
  waitFor,
} from "@portcullis/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpsClient, nsCreate, startWebhook, type WebhookProcess } from "./support/webhook.ts";

const TEMPLATE = libraryPath("general", "requiredlabels", "template.yaml");
const WEBHOOK_NAME = "validation.portcullis.sh";
const DENY_LINE = `admission webhook "${WEBHOOK_NAME}" denied the request: [ns-must-have-gk] you must provide labels: {"gatekeeper"}`;

const constraint = (action: string, key = "gatekeeper") => `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: ns-must-have-gk
spec:
  enforcementAction: ${action}
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Namespace"]
    excludedNamespaces: ["kube-*", "default", "portcullis-system*"]
  parameters:
    labels:
      - key: ${key}
`;

const id = randomUUID().slice(0, 8);
const prefix = `pcwk${id}`;
const stream = `PCWK_${id}`;
let kube: KubeEnv;
let redisServer: RedisServer;
let sync: ServiceProcess;
const webhooks: WebhookProcess[] = [];
const clients: ReturnType<typeof httpsClient>[] = [];
let nc: NatsConnection;

beforeAll(async () => {
  kube = await startKube();
  redisServer = await startRedisServer();
  nc = await connect({ servers: natsServer() });
  const installNs = await kube.createNamespace({ prefix: "portcullis-system" });
  sync = await startSync({
    kubeconfig: kube.kubeconfigPath,
    redisUrl: redisServer.url,
    cacheName: "e2e",
    namespace: installNs,
    identity: "sync-0",
    args: ["--epoch-check", "300ms"],
  });
  const serving = await kube.issueServingCert();
  for (const n of [0, 1]) {
    const wh = await startWebhook({
      redisUrl: redisServer.url,
      cacheName: "e2e",
      cert: { certPath: serving.certPath, keyPath: serving.keyPath, dir: "" },
      natsUrl: natsUrl(),
      eventsPrefix: prefix,
      eventsStream: stream,
      identity: `webhook-${n}`,
      // The library template also has K8sNativeValidation code; the seed scenario's message is its Rego's.
      args: ["--no-enable-k8s-native-validation"],
    });
    webhooks.push(wh);
    clients.push(httpsClient(wh.port, kube.ca.certPem));
  }
  await kube.registerValidatingWebhook({
    name: WEBHOOK_NAME,
    url: `https://127.0.0.1:${webhooks[0]!.port}/v1/admit`,
    caBundlePem: kube.ca.certPem,
    rules: [
      { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["namespaces"] },
    ],
    failurePolicy: "Fail",
  });
}, 240_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(webhooks.map((w) => w.stop()));
  await sync?.stop();
  const jsm = nc ? await jetstreamManager(nc) : undefined;
  await jsm?.streams.delete(stream).catch(() => {});
  await nc?.close();
  await redisServer?.stop();
  await kube?.stop();
});

async function kubectl(args: string[], input?: string) {
  return kube.kubectl(args, input !== undefined ? { input } : {});
}

async function applyYaml(yaml: string): Promise<void> {
  const r = await kubectl(["apply", "-f", "-"], yaml);
  if (r.code !== 0) throw new Error(`kubectl apply: ${r.stderr}`);
}

/** Each webhook's answer to a Namespace CREATE without the label. */
async function answers(name = "probe") {
  return Promise.all(clients.map(async (c) => (await c.post("/v1/admit", nsCreate(name))).json().response));
}

const admissionSubject = `${prefix}.violations.admission.K8sRequiredLabels.ns-must-have-gk`;
async function eventCount(): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream, { subjects_filter: admissionSubject }).catch(() => undefined);
  return info?.state.subjects?.[admissionSubject] ?? 0;
}

/** The event count once the probes' own denials (published asynchronously) have landed: unchanged for 1 s. */
async function settledEventCount(): Promise<number> {
  let last = await eventCount();
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await eventCount();
    if (now === last) return now;
    last = now;
  }
  throw new Error(`admission events never settled (last count ${last})`);
}

describe("webhook on a real API server", () => {
  it("seed scenario: deny with Gatekeeper's message, label lets it through, warn prints the warning; one event per denial", async () => {
    await applyYaml(readFileSync(TEMPLATE, "utf8"));
    await waitFor(
      "constraint CRD",
      async () => (await kubectl(["get", "crd", "k8srequiredlabels.constraints.gatekeeper.sh"])).code === 0,
      60_000,
    ).catch((e) => {
      throw new Error(
        `${e}\n${sync.logs
          .slice(-30)
          .map((l) => JSON.stringify(l))
          .join("\n")}`,
      );
    });
    await waitFor(
      "constraint accepted",
      async () => {
        const r = await kubectl(["apply", "-f", "-"], constraint("deny"));
        return r.code === 0;
      },
      60_000,
      500,
    );
    await Promise.all(
      webhooks.map((w) =>
        waitFor(`${w.identity} ready`, async () => (await w.readyz()).status === 200, 30_000),
      ),
    );
    await waitFor(
      "both webhooks deny",
      async () => (await answers()).every((a) => a.allowed === false),
      30_000,
    );

    const before = await settledEventCount();
    const denied = await kubectl(["create", "namespace", "test-opa"]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(DENY_LINE);
    expect(denied.stderr.trim().endsWith(DENY_LINE)).toBe(true);
    await waitFor("one event for the denial", async () => (await eventCount()) - before >= 1, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect((await eventCount()) - before).toBe(1);

    const labelled = await kubectl(
      ["apply", "-f", "-"],
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: test-opa\n  labels:\n    gatekeeper: enabled\n",
    );
    expect(labelled.code, labelled.stderr).toBe(0);

    await applyYaml(constraint("warn"));
    await waitFor(
      "both webhooks warn",
      async () => (await answers()).every((a) => a.allowed && a.warnings?.length === 1),
      30_000,
    );
    const warned = await kubectl(["create", "namespace", "test-opa-warn"]);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('Warning: [ns-must-have-gk] you must provide labels: {"gatekeeper"}');
    await applyYaml(constraint("deny"));
    await waitFor("deny again", async () => (await answers()).every((a) => a.allowed === false), 30_000);
  }, 180_000);

  it("two webhook processes give identical answers", async () => {
    const cases = [];
    for (let i = 0; i < 40; i++) {
      const labels: Record<string, string> =
        i % 3 === 0 ? { gatekeeper: "x" } : i % 3 === 1 ? {} : { other: "y" };
      const body = nsCreate(`same-${i}`, labels);
      if (i % 5 === 0)
        Object.assign(body.request as object, {
          operation: "UPDATE",
          oldObject: { apiVersion: "v1", kind: "Namespace", metadata: { name: `same-${i}` } },
        });
      cases.push(body);
    }
    for (const body of cases) {
      const [a, b] = await Promise.all(clients.map(async (c) => (await c.post("/v1/admit", body)).body));
      expect(a).toBe(b);
    }
    const denials = cases.filter((c) => !(c.request as any).object.metadata.labels.gatekeeper).length;
    expect(denials).toBeGreaterThan(10);
  });

  it("a Redis outage during a stream of reviews fails none; a constraint changed after Redis is back reaches both within 1 s", async () => {
    let stop = false;
    const failures: string[] = [];
    let total = 0;
    const stream = async (c: ReturnType<typeof httpsClient>, n: number) => {
      let i = 0;
      while (!stop) {
        const labelled = i % 2 === 0;
        const body = nsCreate(`outage-${n}-${i++}`, labelled ? { gatekeeper: "y" } : {});
        try {
          const r = await c.post("/v1/admit", body);
          total++;
          const resp = r.status === 200 ? r.json().response : undefined;
          if (!resp || resp.allowed !== labelled) failures.push(`${r.status} ${r.body.slice(0, 200)}`);
        } catch (e) {
          failures.push(String(e));
        }
      }
    };
    const streams = [
      stream(clients[0]!, 0),
      stream(clients[1]!, 1),
      stream(clients[0]!, 2),
      stream(clients[1]!, 3),
    ];
    const pid = Number(
      /process_id:(\d+)/.exec(
        execFileSync("redis-cli", ["-p", String(redisServer.port), "info", "server"], { encoding: "utf8" }),
      )?.[1],
    );
    await new Promise((r) => setTimeout(r, 500));
    // Redis goes away (a hung node / partition): every connection stalls.
    process.kill(pid, "SIGSTOP");
    await waitFor(
      "both webhooks notice",
      async () => {
        const m = await Promise.all(webhooks.map((w) => w.metrics()));
        return m.every((t) => /portcullis_webhook_cache_connected\{[^}]*\} 0/.test(t));
      },
      15_000,
      200,
    );
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(pid, "SIGCONT");
    await waitFor(
      "both webhooks reconnected",
      async () => {
        const m = await Promise.all(webhooks.map((w) => w.metrics()));
        return m.every((t) => /portcullis_webhook_cache_connected\{[^}]*\} 1/.test(t));
      },
      15_000,
      100,
    );
    stop = true;
    await Promise.all(streams);
    expect(failures).toEqual([]);
    expect(total).toBeGreaterThan(100);
    for (const w of webhooks) expect((await w.readyz()).status).toBe(200);

    // Change the constraint: require a different label; both must answer by it within 1 s.
    const applied = performance.now();
    await applyYaml(constraint("deny", "owner"));
    await waitFor(
      "new constraint on both",
      async () =>
        (
          await Promise.all(
            clients.map(
              async (c) => (await c.post("/v1/admit", nsCreate("chg", { gatekeeper: "y" }))).json().response,
            ),
          )
        ).every((r) => r.allowed === false && r.status.message.includes('{"owner"}')),
      5_000,
      20,
    );
    const ms = performance.now() - applied;
    expect(ms).toBeLessThan(1000);
  }, 120_000);

  it("Redis restarting empty (sync rebuilds the cache) during a stream of reviews fails none", async () => {
    // Back to the seed constraint.
    await applyYaml(constraint("deny"));
    await waitFor(
      "seed constraint",
      async () =>
        (await answers()).every((a) => a.allowed === false && a.status.message.includes('{"gatekeeper"}')),
      10_000,
    );
    let stop = false;
    const failures: string[] = [];
    let total = 0;
    const run = async (c: ReturnType<typeof httpsClient>, n: number) => {
      let i = 0;
      while (!stop) {
        const labelled = i % 2 === 0;
        try {
          const r = await c.post(
            "/v1/admit",
            nsCreate(`restart-${n}-${i++}`, labelled ? { gatekeeper: "y" } : {}),
          );
          total++;
          const resp = r.status === 200 ? r.json().response : undefined;
          if (!resp || resp.allowed !== labelled)
            failures.push(`${Date.now()} ${r.status} ${r.body.slice(0, 160)}`);
        } catch (e) {
          failures.push(String(e));
        }
      }
    };
    const streams = [run(clients[0]!, 0), run(clients[1]!, 1)];
    await new Promise((r) => setTimeout(r, 300));
    await redisServer.restart();
    await waitFor(
      "both webhooks reloaded from the rebuilt cache",
      async () => {
        const m = await Promise.all(webhooks.map((w) => w.metrics()));
        return m.every((t) => /portcullis_webhook_cache_connected\{[^}]*\} 1/.test(t));
      },
      15_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await Promise.all(streams);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(total).toBeGreaterThan(100);
    // The restart really was seen: each webhook loaded the rebuilt cache (a second full load).
    for (const w of webhooks)
      expect(w.logs.filter((l) => l.msg === "policy state loaded").length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
