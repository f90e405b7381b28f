/*
 * The webhook with NATS unreachable from the start (events buffered with a
 * bound, drops counted, reviews unaffected) and with --tls-min-version 1.2.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { CacheWriter, connectRedis, constraintsCollection, type RedisClient } from "@portcullis/cache";
import { libraryYaml, redisUrl, waitFor } from "@portcullis/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { httpsClient, nsCreate, selfSigned, startWebhook, type WebhookProcess } from "./support/webhook.ts";

const template = libraryYaml("general", "requiredlabels", "template.yaml");
const cacheName = `webhook-degraded-${randomUUID().slice(0, 8)}`;
let redis: RedisClient;
let wh: WebhookProcess;

beforeAll(async () => {
  redis = connectRedis(redisUrl());
  const writer = new CacheWriter(redis, { cluster: cacheName });
  await writer.init();
  await writer.apply([
    { op: "put", collection: "templates", key: "k8srequiredlabels", object: template },
    {
      op: "put",
      collection: constraintsCollection("K8sRequiredLabels"),
      key: "ns-must-have-gk",
      object: {
        apiVersion: "constraints.gatekeeper.sh/v1beta1",
        kind: "K8sRequiredLabels",
        metadata: { name: "ns-must-have-gk" },
        spec: {
          match: { kinds: [{ apiGroups: [""], kinds: ["Namespace"] }] },
          parameters: { labels: [{ key: "gatekeeper" }] },
        },
      },
    },
  ]);
  await writer.markComplete();
  wh = await startWebhook({
    redisUrl: redisUrl(),
    cacheName,
    cert: selfSigned(),
    // Port 1 on loopback: nothing listens; NATS is "down" for the whole test.
    natsUrl: "nats://127.0.0.1:1",
    args: ["--no-enable-k8s-native-validation", "--events-buffer", "5", "--tls-min-version", "1.2"],
  });
  await waitFor("ready", async () => (await wh.readyz()).status === 200, 20_000);
}, 60_000);

afterAll(async () => {
  await wh?.stop();
  redis?.disconnect();
});

it("NATS down: every review is answered at full speed, events are buffered up to the bound and drops counted", async () => {
  const started = wh.logs.find((l) => l.msg === "started");
  const cert = readFileSync(String(wh.child.spawnargs[wh.child.spawnargs.indexOf("--tls-cert-file") + 1]));
  // --tls-min-version 1.2: a TLS 1.2-only client is served.
  const client = httpsClient(Number(started?.port), cert, { maxVersion: "TLSv1.2" });
  try {
    const t0 = performance.now();
    for (let i = 0; i < 12; i++) {
      const r = (await client.post("/v1/admit", nsCreate(`nats-down-${i}`))).json().response;
      expect(r.allowed).toBe(false);
      expect(r.status.message).toBe('[ns-must-have-gk] you must provide labels: {"gatekeeper"}');
    }
    expect(performance.now() - t0).toBeLessThan(2000);
    await waitFor("drops counted", async () => {
      const m = await wh.metrics();
      return /portcullis_webhook_events_dropped_total\{[^}]*reason="buffer_full"[^}]*\} 7/.test(m) &&
        /portcullis_webhook_events_pending\{[^}]*\} 5/.test(m)
        ? m
        : undefined;
    });
  } finally {
    client.close();
  }
  expect(wh.child.exitCode).toBeNull();
});
