/*
 * The dashboard as a process against a real Redis (the cache written
 * directly with CacheWriter, constraint status as the audit status writer
 * leaves it) and a real NATS JetStream (the live feed): each page's
 * numbers, escaping, filters and paging, the object lookup, and an SSE
 * event arriving after a publish.
 */
import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { CacheWriter, connectRedis, constraintsCollection, type RedisClient } from "@portcullis/cache";
import { subjects } from "@portcullis/events";
import {
  libraryYaml,
  natsServer,
  natsUrl,
  redisUrl,
  type ServiceProcess,
  serviceMain,
  startService,
  waitFor,
} from "@portcullis/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";

const template = libraryYaml("general", "requiredlabels", "template.yaml");
const broken = {
  apiVersion: "templates.gatekeeper.sh/v1",
  kind: "ConstraintTemplate",
  metadata: { name: "k8sbroken" },
  spec: {
    crd: { spec: { names: { kind: "K8sBroken" } } },
    targets: [
      {
        target: "admission.k8s.gatekeeper.sh",
        rego: 'package k8sbroken\nviolation[{"msg": m}] {\n  m := \n}\n',
      },
    ],
  },
};
const id = randomUUID().slice(0, 8);
const cacheName = `dashboard-${id}`;
const prefix = `dash${id}`;
const stream = `DASH_${id}`;
const XSS = "<script>alert(1)</script>";

function violations(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    message: i === 7 ? `bad label ${XSS}` : `you must provide labels: {"owner"} #${i}`,
    enforcementAction: "deny",
    group: "",
    version: "v1",
    kind: i % 3 === 0 ? "Deployment" : "Pod",
    namespace: i % 2 === 0 ? "team-a" : "team-b",
    name: `obj-${i}`,
  }));
}

const ownerConstraint = {
  apiVersion: "constraints.gatekeeper.sh/v1beta1",
  kind: "K8sRequiredLabels",
  metadata: { name: "must-have-owner" },
  spec: {
    match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] },
    parameters: { labels: [{ key: "owner" }], message: "owner <needed>" },
  },
  status: { auditTimestamp: "2026-01-01T00:00:00Z", totalViolations: 120, violations: violations(120) },
};
const dryConstraint = {
  apiVersion: "constraints.gatekeeper.sh/v1beta1",
  kind: "K8sRequiredLabels",
  metadata: { name: "dry-team" },
  spec: {
    enforcementAction: "dryrun",
    match: { kinds: [{ apiGroups: [""], kinds: ["Namespace"] }] },
    parameters: { labels: [{ key: "team" }] },
  },
  status: { totalViolations: 3, violations: violations(3) },
};
const pod = (name: string, labels: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "team-a", labels },
  spec: { containers: [{ name: "c", image: "nginx" }] },
});

let redis: RedisClient;
let nc: NatsConnection;
let dash: ServiceProcess;
let base: string;

async function get(path: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(`${base}${path}`);
  const body = await r.text();
  return { status: r.status, body, ms: performance.now() - t0 };
}
const text = (body: string, elementId: string) =>
  new RegExp(`id="${elementId}"[^>]*>([^<]*)<`).exec(body)?.[1];
const rowCount = (body: string) =>
  (/<table id="violations">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(body)?.[1] ?? "").split("<tr>").length -
  1;

beforeAll(async () => {
  redis = connectRedis(redisUrl());
  const writer = new CacheWriter(redis, { cluster: cacheName });
  await writer.init();
  await writer.apply([
    { op: "put", collection: "templates", key: "k8srequiredlabels", object: template },
    { op: "put", collection: "templates", key: "k8sbroken", object: broken },
    {
      op: "put",
      collection: constraintsCollection("K8sRequiredLabels"),
      key: "must-have-owner",
      object: ownerConstraint,
    },
    {
      op: "put",
      collection: constraintsCollection("K8sRequiredLabels"),
      key: "dry-team",
      object: dryConstraint,
    },
    {
      op: "put",
      collection: "namespaces",
      key: "team-a",
      object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } },
    },
    { op: "put", collection: "data/v1/Pod", key: "team-a/unowned", object: pod("unowned", {}) },
    { op: "put", collection: "data/v1/Pod", key: "team-a/owned", object: pod("owned", { owner: "me" }) },
  ]);
  await writer.markComplete();
  nc = await connect({ servers: natsServer() });
  // biome-ignore format: flag list
  const args = [
    "--redis-url", redisUrl(), "--cache-name", cacheName, "--nats-url", natsUrl(),
    "--events-prefix", prefix, "--events-stream", stream,
    "--addr", "127.0.0.1", "--port", "0", "--health-addr", "127.0.0.1", "--health-port", "0", "--log-level", "debug",
  ];
  dash = await startService({ main: serviceMain("dashboard"), args, identity: "dashboard" });
  base = `http://127.0.0.1:${Number(dash.logs.find((l) => l.msg === "started")?.port)}`;
  await waitFor("ready", async () => (await dash.readyz()).status === 200, 20_000);
  await waitFor("feed", () => dash.logs.some((l) => String(l.msg).startsWith("feed: consuming")), 10_000);
}, 60_000);

afterAll(async () => {
  await dash?.stop();
  await nc?.close();
  redis?.disconnect();
});

it("overview: template, constraint and violation counts", async () => {
  const r = await get("/");
  expect(r.status).toBe(200);
  expect(text(r.body, "templates-total")).toBe("2");
  expect(text(r.body, "templates-ok")).toBe("1");
  expect(text(r.body, "templates-errors")).toBe("1");
  expect(text(r.body, "constraints-total")).toBe("2");
  expect(r.body).toContain('<span data-action="deny">1</span>');
  expect(r.body).toContain('<span data-action="dryrun">1</span>');
  expect(text(r.body, "violations-total")).toBe("123");
  expect(r.body).toMatch(
    /data-constraint="K8sRequiredLabels\/must-have-owner"[\s\S]*?<td class="num">120<\/td>/,
  );
  // Assets are served by the service itself.
  const js = await get("/static/app.js");
  expect(js.status).toBe(200);
  expect(js.body).toContain("EventSource");
  expect((await get("/static/app.css")).status).toBe(200);
  expect(r.body).not.toMatch(/(src|href)="https?:/);
});

it("constraint: match, parameters (escaped), paging and filters over the last audit's violations", async () => {
  const r = await get("/constraints/K8sRequiredLabels/must-have-owner");
  expect(r.status).toBe(200);
  expect(text(r.body, "enforcement-action")).toBe("deny");
  expect(text(r.body, "total-violations")).toBe("120");
  expect(text(r.body, "page-count")).toBe("3");
  expect(rowCount(r.body)).toBe(50);
  // Parameters are shown, HTML-escaped; the XSS message is never raw.
  expect(r.body).toContain("owner &lt;needed&gt;");
  expect(r.body).not.toContain(XSS);

  const p3 = await get("/constraints/K8sRequiredLabels/must-have-owner?page=3");
  expect(rowCount(p3.body)).toBe(20);
  expect(text(p3.body, "page-no")).toBe("3");

  const ns = await get("/constraints/K8sRequiredLabels/must-have-owner?namespace=team-a&size=100");
  expect(text(ns.body, "matching")).toBe("60");
  expect(rowCount(ns.body)).toBe(60);
  expect(ns.body).not.toMatch(/<td>team-b<\/td>/);

  const kind = await get("/constraints/K8sRequiredLabels/must-have-owner?kind=Deployment&namespace=team-b");
  expect(text(kind.body, "matching")).toBe("20"); // i % 3 == 0 and odd: 3, 9, ..., 117

  const msg = await get("/constraints/K8sRequiredLabels/must-have-owner?q=SCRIPT");
  expect(text(msg.body, "matching")).toBe("1");
  expect(msg.body).toContain("bad label &lt;script&gt;alert(1)&lt;/script&gt;");
  expect(msg.body).not.toContain(XSS);

  const name = await get("/constraints/K8sRequiredLabels/must-have-owner?name=obj-11");
  expect(text(name.body, "matching")).toBe("11"); // obj-11, obj-110..119 (substring)

  expect((await get("/constraints/K8sRequiredLabels/nope")).status).toBe(404);
  const xss404 = await get(`/constraints/K8s/${encodeURIComponent(XSS)}`);
  expect(xss404.status).toBe(404);
  expect(xss404.body).not.toContain(XSS);
});

it("template: highlighted source, schema, status errors, the constraints using it", async () => {
  const r = await get("/templates/k8srequiredlabels");
  expect(r.status).toBe(200);
  expect(r.body).toContain('<span class="k">package</span>');
  expect(r.body).toContain('<p id="template-errors" class="ok">none</p>');
  expect(r.body).toMatch(/id="schema">[\s\S]*labels/);
  expect(r.body).toMatch(/id="template-constraints">[\s\S]*dry-team[\s\S]*must-have-owner/);
  const b = await get("/templates/k8sbroken");
  expect(b.body).toMatch(/<ul id="template-errors"><li class="err">/);
  expect(b.body).not.toContain('<span class="k">package</span> k8sbroken\nviolation[{"msg"');
});

it("object lookup: evaluates the cached object on the spot", async () => {
  const bad = await get("/lookup?kind=Pod&namespace=team-a&name=unowned");
  // Every result is from the Pod constraint (the engine may report more than one message for it).
  expect(bad.body).toMatch(/<h2>[1-9]\d* violation\(s\)<\/h2>/);
  expect(bad.body).toContain("missing required label");
  expect(bad.body).toContain('data-constraint="K8sRequiredLabels/must-have-owner"');
  expect(bad.body).not.toContain('data-constraint="K8sRequiredLabels/dry-team"');
  const ok = await get("/lookup?kind=Pod&namespace=team-a&name=owned");
  expect(ok.body).toMatch(/<h2>0 violation\(s\)<\/h2>/);
  const ns = await get("/lookup?kind=Namespace&name=team-a");
  expect(ns.body).toContain('data-constraint="K8sRequiredLabels/dry-team"');
  const missing = await get(`/lookup?kind=Pod&namespace=team-a&name=${encodeURIComponent(XSS)}`);
  expect(missing.body).toContain("is not in the cache");
  expect(missing.body).not.toContain(XSS);
});

it("live feed: a published admission deny arrives over SSE, then shows (escaped) on the pages", async () => {
  const ac = new AbortController();
  const res = await fetch(`${base}/events`, { signal: ac.signal });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let received = "";
  const event = {
    id: "req-1",
    eventType: "violation_admission",
    group: "constraints.gatekeeper.sh",
    version: "v1beta1",
    kind: "K8sRequiredLabels",
    name: "must-have-owner",
    message: `live deny ${XSS}`,
    enforcementAction: "deny",
    resourceKind: "Pod",
    resourceNamespace: "team-a",
    resourceName: "fresh-pod",
    decision: "deny",
    operation: "CREATE",
    user: "alice",
    timestamp: new Date().toISOString(),
  };
  const t0 = performance.now();
  await jetstream(nc).publish(subjects(prefix).admission(event.kind, event.name), JSON.stringify(event));
  const deadline = Date.now() + 2000;
  while (!received.includes("fresh-pod") && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((r) =>
        setTimeout(() => r({ done: true, value: undefined }), deadline - Date.now()),
      ),
    ]);
    if (chunk.done) break;
    received += decoder.decode(chunk.value, { stream: true });
  }
  const ms = performance.now() - t0;
  ac.abort();
  expect(received).toMatch(/event: violation\ndata: .*fresh-pod/);
  expect(ms).toBeLessThan(2000);
  const data = JSON.parse(/data: (.*fresh-pod.*)\n/.exec(received)?.[1] ?? "{}");
  expect(data).toMatchObject({ source: "admission", decision: "deny", user: "alice" });

  const overview = await get("/");
  expect(overview.body).toMatch(
    /<ul id="feed"[^>]*><li class="admission">[\s\S]*fresh-pod: live deny &lt;script&gt;/,
  );
  expect(overview.body).not.toContain(XSS);
  const c = await get("/constraints/K8sRequiredLabels/must-have-owner");
  expect(c.body).toMatch(/<ul id="denies"><li class="admission">[\s\S]*fresh-pod/);
});
