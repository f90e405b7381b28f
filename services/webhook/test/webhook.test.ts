/*
 * The webhook as a process (HTTPS, real Redis cache written with CacheWriter,
 * real NATS): Gatekeeper's answers, readiness, bad input, TLS, events.
 */
import { randomUUID } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import { connect as tlsConnect } from "node:tls";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { CacheWriter, connectRedis, constraintsCollection, type RedisClient } from "@portcullis/cache";
import { type AdmissionViolationEvent, decodeEvent } from "@portcullis/events";
import { libraryYaml, natsServer, natsUrl, redisUrl, waitFor } from "@portcullis/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  httpsClient,
  nsCreate,
  review,
  type SelfSigned,
  selfSigned,
  startWebhook,
  type WebhookProcess,
} from "./support/webhook.ts";

// biome-ignore lint/suspicious/noExplicitAny: the test edits the parsed template freely
const template = libraryYaml<any>("general", "requiredlabels", "template.yaml");
const constraint = (name: string, enforcementAction = "deny", extra: Record<string, unknown> = {}) => ({
  apiVersion: "constraints.gatekeeper.sh/v1beta1",
  kind: "K8sRequiredLabels",
  metadata: { name },
  spec: {
    enforcementAction,
    match: { kinds: [{ apiGroups: [""], kinds: ["Namespace"] }] },
    parameters: { labels: [{ key: "gatekeeper" }] },
    ...extra,
  },
});

const id = randomUUID().slice(0, 8);
const cacheName = `webhook-test-${id}`;
const prefix = `pcwh${id}`;
const stream = `PCWH_${id}`;
let redis: RedisClient;
let writer: CacheWriter;
let cert: SelfSigned;
let wh: WebhookProcess;
let client: ReturnType<typeof httpsClient>;
let nc: NatsConnection;

beforeAll(async () => {
  redis = connectRedis(redisUrl());
  writer = new CacheWriter(redis, { cluster: cacheName });
  cert = selfSigned();
  nc = await connect({ servers: natsServer() });
  wh = await startWebhook({
    redisUrl: redisUrl(),
    cacheName,
    cert,
    natsUrl: natsUrl(),
    eventsPrefix: prefix,
    eventsStream: stream,
    // biome-ignore format: flags
    args: [
      "--no-enable-k8s-native-validation", "--exempt-namespace", "kube-*,*-system,exempt-me", "--deadline", "750ms",
      "--service-account", "system:serviceaccount:portcullis-system:portcullis", "--log-denies",
    ],
  });
  client = httpsClient(wh.port, readFileSync(cert.certPath));
}, 60_000);

afterAll(async () => {
  client?.close();
  await wh?.stop();
  const jsm = nc ? await jetstreamManager(nc) : undefined;
  await jsm?.streams.delete(stream).catch(() => {});
  await nc?.close();
  redis?.disconnect();
});

describe("webhook process", () => {
  it("is not ready until sync has written the cache, then is", async () => {
    expect((await wh.readyz()).status).toBe(503);
    expect((await client.call("GET", "/readyz")).status).toBe(503);
    await writer.init();
    await writer.apply([
      { op: "put", collection: "templates", key: "k8srequiredlabels", object: template },
      {
        op: "put",
        collection: constraintsCollection("K8sRequiredLabels"),
        key: "ns-must-have-gk",
        object: constraint("ns-must-have-gk"),
      },
    ]);
    await writer.markComplete();
    await waitFor("ready", async () => (await wh.readyz()).status === 200);
    expect((await client.call("GET", "/readyz")).status).toBe(200);
  });

  it("denies as Gatekeeper: 403, [constraint] message, uid echoed", async () => {
    const body = nsCreate("test-opa");
    const res = await client.post("/v1/admit", body);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      kind: "AdmissionReview",
      apiVersion: "admission.k8s.io/v1",
      response: {
        uid: (body.request as { uid: string }).uid,
        allowed: false,
        status: {
          metadata: {},
          message: '[ns-must-have-gk] you must provide labels: {"gatekeeper"}',
          reason: "Forbidden",
          code: 403,
        },
      },
    });
    const ok = await client.post("/v1/admit", nsCreate("test-opa", { gatekeeper: "yes" }));
    expect(ok.json().response).toEqual({
      uid: expect.any(String),
      allowed: true,
      status: { metadata: {}, code: 200 },
    });
  });

  it("warn: allowed with warnings (299); dryrun: allowed, no warnings; scoped honoured", async () => {
    await writer.apply([
      {
        op: "put",
        collection: constraintsCollection("K8sRequiredLabels"),
        key: "ns-must-have-gk",
        object: constraint("ns-must-have-gk", "warn"),
      },
    ]);
    await waitFor(
      "warn in effect",
      async () => (await client.post("/v1/admit", nsCreate("w"))).json().response.allowed,
    );
    const w = (await client.post("/v1/admit", nsCreate("w"))).json().response;
    expect(w.warnings).toEqual(['[ns-must-have-gk] you must provide labels: {"gatekeeper"}']);
    expect(w.status.code).toBe(299);

    await writer.apply([
      {
        op: "put",
        collection: constraintsCollection("K8sRequiredLabels"),
        key: "ns-must-have-gk",
        object: constraint("ns-must-have-gk", "dryrun"),
      },
    ]);
    await waitFor(
      "dryrun in effect",
      async () => !(await client.post("/v1/admit", nsCreate("d"))).json().response.warnings,
    );
    expect((await client.post("/v1/admit", nsCreate("d"))).json().response).toEqual({
      uid: expect.any(String),
      allowed: true,
      status: { metadata: {}, code: 200 },
    });

    // Scoped: deny at the webhook, warn nowhere else -> a denial; one scoped only for audit -> allowed.
    const scoped = (name: string, points: string[]) =>
      constraint(name, "scoped", {
        scopedEnforcementActions: [{ action: "deny", enforcementPoints: points.map((p) => ({ name: p })) }],
      });
    await writer.apply([
      {
        op: "put",
        collection: constraintsCollection("K8sRequiredLabels"),
        key: "ns-must-have-gk",
        object: scoped("ns-must-have-gk", ["validation.gatekeeper.sh"]),
      },
      {
        op: "put",
        collection: constraintsCollection("K8sRequiredLabels"),
        key: "audit-only",
        object: scoped("audit-only", ["audit.gatekeeper.sh"]),
      },
    ]);
    await waitFor(
      "scoped in effect",
      async () => !(await client.post("/v1/admit", nsCreate("s"))).json().response.allowed,
    );
    expect((await client.post("/v1/admit", nsCreate("s"))).json().response.status.message).toBe(
      '[ns-must-have-gk] you must provide labels: {"gatekeeper"}',
    );
    await writer.apply([
      { op: "delete", collection: constraintsCollection("K8sRequiredLabels"), key: "audit-only" },
      {
        op: "put",
        collection: constraintsCollection("K8sRequiredLabels"),
        key: "ns-must-have-gk",
        object: constraint("ns-must-have-gk"),
      },
    ]);
    await waitFor(
      "deny again",
      async () =>
        (await client.post("/v1/admit", nsCreate("s"))).json().response.status.reason === "Forbidden",
    );
  });

  it("DELETE reviews oldObject; own service account and Config-excluded namespaces are allowed", async () => {
    const del = nsCreate(
      "gone",
      {},
      {
        operation: "DELETE",
        object: null,
        oldObject: { apiVersion: "v1", kind: "Namespace", metadata: { name: "gone" } },
      },
    );
    expect((await client.post("/v1/admit", del)).json().response.allowed).toBe(false);
    const delOk = nsCreate(
      "gone",
      {},
      {
        operation: "DELETE",
        object: null,
        oldObject: {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: "gone", labels: { gatekeeper: "x" } },
        },
      },
    );
    expect((await client.post("/v1/admit", delOk)).json().response.allowed).toBe(true);

    const sa = nsCreate(
      "sa",
      {},
      { userInfo: { username: "system:serviceaccount:portcullis-system:portcullis" } },
    );
    expect((await client.post("/v1/admit", sa)).json().response).toMatchObject({
      allowed: true,
      status: { message: "Portcullis does not self-manage" },
    });

    expect((await client.post("/v1/admit", nsCreate("team-x-tmp"))).json().response.allowed).toBe(false);
    await writer.apply([
      {
        op: "put",
        collection: "configs",
        key: "portcullis-system/config",
        object: {
          apiVersion: "config.gatekeeper.sh/v1alpha1",
          kind: "Config",
          metadata: { name: "config", namespace: "portcullis-system" },
          spec: {
            match: [
              { processes: ["audit"], excludedNamespaces: ["audit-only-*"] },
              { processes: ["webhook"], excludedNamespaces: ["team-x-*"] },
            ],
          },
        },
      },
    ]);
    await waitFor(
      "config in effect",
      async () => (await client.post("/v1/admit", nsCreate("team-x-tmp"))).json().response.allowed,
    );
    expect((await client.post("/v1/admit", nsCreate("team-x-tmp"))).json().response.status.message).toBe(
      "Namespace is set to be ignored by Gatekeeper config",
    );
    expect((await client.post("/v1/admit", nsCreate("audit-only-a"))).json().response.allowed).toBe(false);
  });

  it("rejects a ConstraintTemplate that does not compile and a constraint that does not fit its schema (422)", async () => {
    const ctReview = (obj: unknown) =>
      review({
        uid: `ct-${randomUUID()}`,
        kind: { group: "templates.gatekeeper.sh", version: "v1", kind: "ConstraintTemplate" },
        name: "broken",
        operation: "CREATE",
        userInfo: { username: "alice" },
        object: obj,
      });
    const broken = structuredClone(template);
    broken.metadata.name = "broken";
    broken.spec.crd.spec.names.kind = "Broken";
    broken.spec.targets[0].code = [
      { engine: "Rego", source: { rego: 'package broken\nviolation[{"msg": msg}] {\n  msg := \n}' } },
    ];
    const bad = (await client.post("/v1/admit", ctReview(broken))).json().response;
    expect(bad.allowed).toBe(false);
    expect(bad.status.code).toBe(422);
    expect(bad.status.message).toMatch(/rego_parse_error|parse/);
    expect((await client.post("/v1/admit", ctReview(template))).json().response.allowed).toBe(true);

    const cReview = (obj: unknown) =>
      review({
        uid: `c-${randomUUID()}`,
        kind: { group: "constraints.gatekeeper.sh", version: "v1beta1", kind: "K8sRequiredLabels" },
        name: "c1",
        operation: "CREATE",
        userInfo: { username: "alice" },
        object: obj,
      });
    const wrong = constraint("c1");
    (wrong.spec as any).parameters = { labels: "not-a-list" };
    const r = (await client.post("/v1/admit", cReview(wrong))).json().response;
    expect(r.allowed).toBe(false);
    expect(r.status.code).toBe(422);
    expect(r.status.message).toMatch(/labels/);
    expect((await client.post("/v1/admit", cReview(constraint("c1")))).json().response.allowed).toBe(true);
  });

  it("/v1/admitlabel: only exempt namespaces may carry the ignore label", async () => {
    const ignore = { "admission.gatekeeper.sh/ignore": "yes" };
    const deny = (await client.post("/v1/admitlabel", nsCreate("plain", ignore))).json().response;
    expect(deny).toEqual({
      uid: expect.any(String),
      allowed: false,
      status: {
        metadata: {},
        message: "Only exempt namespace can have the admission.gatekeeper.sh/ignore label",
        reason: "Forbidden",
        code: 403,
      },
    });
    for (const ns of ["kube-foo", "team-system", "exempt-me"])
      expect((await client.post("/v1/admitlabel", nsCreate(ns, ignore))).json().response.allowed).toBe(true);
    expect((await client.post("/v1/admitlabel", nsCreate("plain"))).json().response.allowed).toBe(true);
    expect(
      (await client.post("/v1/admitlabel", nsCreate("not-exempt-me", ignore))).json().response.allowed,
    ).toBe(false);
  });

  it("bad input: 400 with the reason, 413 past the size limit, and a fuzzed route never takes the process down", async () => {
    const bad = async (body: string | Buffer, reason: RegExp, status = 400) => {
      const r = await client.call("POST", "/v1/admit", body);
      expect(r.status, body.toString().slice(0, 80)).toBe(status);
      expect(r.json().error).toMatch(reason);
    };
    await bad("{not json", /not valid JSON/);
    await bad("", /empty request body/);
    await bad("[]", /JSON object/);
    await bad(
      JSON.stringify({ apiVersion: "admission.k8s.io/v2", kind: "AdmissionReview", request: {} }),
      /apiVersion/,
    );
    await bad(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "Pod", request: {} }), /kind/);
    await bad(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }), /no request/);
    await bad(JSON.stringify(review({ kind: { kind: "Pod" } })), /uid/);
    await bad(Buffer.alloc(3 * 1024 * 1024 + 10, 32), /larger than/, 413);

    // Fuzz: random mutations of a valid review, random bytes, deep nesting.
    const valid = JSON.stringify(nsCreate("fuzz"));
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const bodies: (string | Buffer)[] = [
      "null",
      "0",
      '"x"',
      "{}",
      "[".repeat(5000) + "]".repeat(5000),
      '{"a":'.repeat(2000),
    ];
    for (let i = 0; i < 300; i++) {
      const chars = [...valid];
      for (let k = 0; k < 1 + rnd(6); k++) chars[rnd(chars.length)] = String.fromCharCode(rnd(128));
      bodies.push(chars.join(""));
    }
    for (let i = 0; i < 30; i++) bodies.push(Buffer.from(Array.from({ length: rnd(500) }, () => rnd(256))));
    // Well-formed JSON with the wrong types in every field.
    for (const junk of [null, 1, "s", [], {}, true]) {
      const r = JSON.parse(valid);
      for (const f of ["uid", "kind", "operation", "userInfo", "object", "oldObject", "namespace", "name"])
        bodies.push(JSON.stringify({ ...r, request: { ...r.request, [f]: junk } }));
    }
    for (const b of bodies) {
      const r = await client.call("POST", "/v1/admit", b);
      expect([200, 400], b.toString().slice(0, 80)).toContain(r.status);
      if (r.status === 200) expect(typeof r.json().response.allowed).toBe("boolean");
    }
    expect(wh.child.exitCode).toBeNull();
    const after = await client.post("/v1/admit", nsCreate("still-alive"));
    expect(after.json().response.allowed).toBe(false);
    expect(await wh.metrics()).toMatch(
      /portcullis_webhook_bad_requests_total\{[^}]*reason="too_large"[^}]*\} 1/,
    );
  });

  it("TLS 1.3 by default (a TLS 1.2-only client is refused); the certificate is reloaded when the files change", async () => {
    const tls12 = httpsClient(wh.port, readFileSync(cert.certPath), { maxVersion: "TLSv1.2" });
    await expect(tls12.call("GET", "/healthz")).rejects.toThrow();
    tls12.close();

    const peerCert = () =>
      new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: "127.0.0.1", port: wh.port, rejectUnauthorized: false }, () => {
          resolve(s.getPeerCertificate().fingerprint256);
          s.end();
        });
        s.on("error", reject);
      });
    const before = await peerCert();
    const next = selfSigned();
    // Key first then cert, as a rotation writes them; the watcher waits for a loadable pair.
    copyFileSync(next.keyPath, cert.keyPath);
    copyFileSync(next.certPath, cert.certPath);
    const after = await waitFor("new certificate served", async () => {
      const fp = await peerCert();
      return fp !== before ? fp : undefined;
    });
    expect(after).not.toBe(before);
    client.close();
    client = httpsClient(wh.port, readFileSync(cert.certPath));
    expect((await client.post("/v1/admit", nsCreate("after-rotation"))).json().response.allowed).toBe(false);
  });

  it("past the deadline the answer is an HTTP error (the API server applies failurePolicy), and the process goes on", async () => {
    const slow = {
      apiVersion: "templates.gatekeeper.sh/v1",
      kind: "ConstraintTemplate",
      metadata: { name: "slowpoke" },
      spec: {
        crd: { spec: { names: { kind: "Slowpoke" } } },
        targets: [
          {
            target: "admission.k8s.gatekeeper.sh",
            rego: `package slowpoke
violation[{"msg": "slow"}] {
  x := numbers.range(1, 3000000)[_]
  y := numbers.range(1, 3000)[_]
  x == y + 5000000
}`,
          },
        ],
      },
    };
    await writer.apply([
      { op: "put", collection: "templates", key: "slowpoke", object: slow },
      {
        op: "put",
        collection: constraintsCollection("Slowpoke"),
        key: "slow",
        object: {
          apiVersion: "constraints.gatekeeper.sh/v1beta1",
          kind: "Slowpoke",
          metadata: { name: "slow" },
          spec: { match: { kinds: [{ apiGroups: [""], kinds: ["ConfigMap"] }] } },
        },
      },
    ]);
    const cm = review({
      uid: "slow-1",
      kind: { group: "", version: "v1", kind: "ConfigMap" },
      name: "c",
      namespace: "default",
      operation: "CREATE",
      userInfo: { username: "alice" },
      object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" } },
    });
    const res = await waitFor("slow constraint loaded", async () => {
      const r = await client.post("/v1/admit", cm);
      return r.status !== 200 ? r : undefined;
    });
    const t0 = performance.now();
    const again = await client.post("/v1/admit", cm);
    const ms = performance.now() - t0;
    expect(res.status, res.body).toBe(500);
    expect(again.status).toBe(500);
    expect(again.json().error).toMatch(/deadline/);
    expect(ms).toBeLessThan(2500);
    expect((await client.post("/v1/admit", nsCreate("after-deadline"))).json().response.allowed).toBe(false);
    expect(await wh.metrics()).toMatch(
      /gatekeeper_validation_request_count\{[^}]*admission_status="error"[^}]*\} [1-9]/,
    );
    await writer.apply([{ op: "delete", collection: constraintsCollection("Slowpoke"), key: "slow" }]);
  });

  it("Redis losing its data: the last good policy keeps answering (and /readyz stays ready) until the cache is rebuilt", async () => {
    const held = async () => {
      const r = (await client.post("/v1/admit", nsCreate("held"))).json().response;
      return (
        r.allowed === false &&
        r.status.message === '[ns-must-have-gk] you must provide labels: {"gatekeeper"}'
      );
    };
    expect(await held()).toBe(true);
    // Data loss, as a Redis restart without persistence: every key of this cache is gone.
    const keys = await redis.keys(`{portcullis:${cacheName}}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    await waitFor("the webhook saw the empty cache", () =>
      wh.logs.some((l) => String(l.msg).startsWith("cache is being rebuilt: holding")),
    );
    for (let i = 0; i < 10; i++) {
      expect(await held()).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await wh.readyz()).status).toBe(200);

    // Sync rebuilding, one collection at a time: templates first; the constraint comes later.
    writer = new CacheWriter(redis, { cluster: cacheName });
    await writer.init();
    await writer.apply([{ op: "put", collection: "templates", key: "k8srequiredlabels", object: template }]);
    for (let i = 0; i < 6; i++) {
      expect(await held()).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
    }
    await writer.apply([
      {
        op: "put",
        collection: constraintsCollection("K8sRequiredLabels"),
        key: "ns-must-have-gk",
        object: constraint("ns-must-have-gk", "warn"),
      },
    ]);
    // Sync marks the rebuilt cache complete; only then is it served.
    await writer.markComplete();
    // Once marked complete the rebuilt cache is served (the rebuilt constraint warns instead of denying).
    await waitFor("rebuilt state served", async () => {
      const r = (await client.post("/v1/admit", nsCreate("rebuilt"))).json().response;
      return r.allowed === true && r.warnings?.length === 1;
    });
    await writer.apply([
      {
        op: "put",
        collection: constraintsCollection("K8sRequiredLabels"),
        key: "ns-must-have-gk",
        object: constraint("ns-must-have-gk"),
      },
    ]);
    await waitFor("deny again", held);
  });

  it("publishes exactly one admission event per denied request to NATS", async () => {
    const jsm = await jetstreamManager(nc);
    await waitFor(
      "stream exists",
      async () => (await jsm.streams.info(stream).catch(() => undefined)) !== undefined,
    );
    const subject = `${prefix}.violations.admission.K8sRequiredLabels.ns-must-have-gk`;
    const countOf = async () =>
      (await jsm.streams.info(stream, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
    const before = await countOf();
    const uids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const body = nsCreate(`ev-${i}`);
      uids.push((body.request as { uid: string }).uid);
      expect((await client.post("/v1/admit", body)).json().response.allowed).toBe(false);
    }
    // Allowed requests publish nothing.
    for (let i = 0; i < 5; i++) await client.post("/v1/admit", nsCreate(`ok-${i}`, { gatekeeper: "y" }));
    await waitFor("20 events", async () => (await countOf()) - before >= 20);
    await new Promise((r) => setTimeout(r, 300));
    expect((await countOf()) - before).toBe(20);
    const si = await jsm.streams.info(stream);
    const events: AdmissionViolationEvent[] = [];
    const js = (await import("@nats-io/jetstream")).jetstream(nc);
    const s = await js.streams.get(stream);
    for (let seq = si.state.last_seq - 19; seq <= si.state.last_seq; seq++) {
      const m = await s.getMessage({ seq });
      if (m) events.push(decodeEvent<AdmissionViolationEvent>(m.data));
    }
    expect(events.map((e) => e.id).sort()).toEqual([...uids].sort());
    expect(events[0]).toMatchObject({
      eventType: "violation_admission",
      kind: "K8sRequiredLabels",
      name: "ns-must-have-gk",
      message: 'you must provide labels: {"gatekeeper"}',
      enforcementAction: "deny",
      decision: "deny",
      operation: "CREATE",
      user: "alice",
      resourceKind: "Namespace",
      requestKind: { group: "", version: "v1", kind: "Namespace" },
    });
    const metrics = await wh.metrics();
    expect(metrics).toMatch(/gatekeeper_validation_request_count\{[^}]*admission_status="deny"[^}]*\} \d+/);
    expect(metrics).toMatch(/gatekeeper_validation_request_duration_seconds_bucket/);
    expect(metrics).toMatch(/portcullis_webhook_cache_connected\{[^}]*\} 1/);
    expect(wh.logs.some((l) => l.msg === 'denied admission: you must provide labels: {"gatekeeper"}')).toBe(
      true,
    );
  });
});
