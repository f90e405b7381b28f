import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CacheWriter, connectRedis, type RedisClient } from "@portcullis/cache";
import { redisUrl, repoRoot, startRedisServer, waitFor } from "@portcullis/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PolicyMirror } from "../src/index.ts";

// Gatekeeper's docs version (labels are plain strings), as bundled in examples/.
const template = parse(readFileSync(join(repoRoot, "examples", "required-labels", "template.yaml"), "utf8"));

const constraint = (name: string, key: string) => ({
  apiVersion: "constraints.gatekeeper.sh/v1beta1",
  kind: "K8sRequiredLabels",
  metadata: { name },
  spec: {
    match: { kinds: [{ apiGroups: [""], kinds: ["Namespace"] }] },
    parameters: { labels: [key] },
  },
});

// A template that reads data.inventory: a ConfigMap named "banned-<ns>" in kube-system bans namespace <ns>.
const inventoryTemplate = {
  apiVersion: "templates.gatekeeper.sh/v1",
  kind: "ConstraintTemplate",
  metadata: { name: "bannednamespace" },
  spec: {
    crd: { spec: { names: { kind: "BannedNamespace" } } },
    targets: [
      {
        target: "admission.k8s.gatekeeper.sh",
        rego: `package bannednamespace
violation[{"msg": msg}] {
  name := input.review.object.metadata.name
  data.inventory.namespace["kube-system"].v1.ConfigMap[sprintf("banned-%v", [name])]
  msg := sprintf("namespace %v is banned", [name])
}`,
      },
    ],
  },
};

const ns = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels },
});

const clients: RedisClient[] = [];
const mirrors: PolicyMirror[] = [];
afterAll(async () => {
  await Promise.all(mirrors.map((m) => m.stop()));
  for (const c of clients) c.disconnect();
});

function setup(url = redisUrl()) {
  const redis = connectRedis(url, { redisOptions: { maxRetriesPerRequest: 1 } });
  redis.on("error", () => {});
  clients.push(redis);
  const cacheName = `mirror-${randomUUID()}`;
  const writer = new CacheWriter(redis, { cluster: cacheName });
  const mirrorRedis = connectRedis(url, { redisOptions: { maxRetriesPerRequest: 1 } });
  mirrorRedis.on("error", () => {});
  clients.push(mirrorRedis);
  const mirror = new PolicyMirror({
    redis: mirrorRedis,
    cacheName,
    clientOptions: { enforcementPoint: "validation.gatekeeper.sh" },
    pingMs: 100,
  });
  mirrors.push(mirror);
  return { writer, mirror };
}

const messages = (m: PolicyMirror, obj: unknown) =>
  m.client.review(obj).results.map((r) => `[${r.name}] ${r.msg}`);

describe("PolicyMirror", () => {
  it("is not ready until sync has written the cache, then serves the snapshot", async () => {
    const { writer, mirror } = setup();
    mirror.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(mirror.readiness().ready).toBe(false);
    await writer.init();
    await writer.put("templates", "k8srequiredlabels", template);
    await writer.put(
      "constraints/K8sRequiredLabels",
      "ns-must-have-gk",
      constraint("ns-must-have-gk", "gatekeeper"),
    );
    // Written but not marked complete: sync is still filling it.
    await new Promise((r) => setTimeout(r, 300));
    expect(mirror.readiness()).toMatchObject({
      ready: false,
      reason: expect.stringContaining("not complete"),
    });
    await writer.markComplete();
    await mirror.waitReady(10_000);
    expect(mirror.client.constraints()).toHaveLength(1);
    expect(messages(mirror, ns("test-opa"))).toEqual([
      '[ns-must-have-gk] you must provide labels: {"gatekeeper"}',
    ]);
    expect(messages(mirror, ns("ok", { gatekeeper: "yes" }))).toEqual([]);
  });

  it("applies each later change in place: constraints, templates, data, deletes", async () => {
    const { writer, mirror } = setup();
    await writer.init();
    await writer.put("templates", "k8srequiredlabels", template);
    await writer.put("templates", "bannednamespace", inventoryTemplate);
    await writer.put("constraints/BannedNamespace", "banned", {
      apiVersion: "constraints.gatekeeper.sh/v1beta1",
      kind: "BannedNamespace",
      metadata: { name: "banned" },
      spec: {},
    });
    await writer.markComplete();
    mirror.start();
    await mirror.waitReady(10_000);
    const loaded = mirror.client;
    expect(messages(mirror, ns("evil"))).toEqual([]);

    await writer.put("constraints/K8sRequiredLabels", "owner", constraint("owner", "owner"));
    await waitFor("constraint added", () => messages(mirror, ns("evil")).length === 1);
    await writer.put("data/v1/ConfigMap", "kube-system/banned-evil", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "banned-evil", namespace: "kube-system" },
    });
    await waitFor("data added", () =>
      messages(mirror, ns("evil")).includes("[banned] namespace evil is banned"),
    );
    await writer.delete("data/v1/ConfigMap", "kube-system/banned-evil");
    await waitFor(
      "data removed",
      () => !messages(mirror, ns("evil")).includes("[banned] namespace evil is banned"),
    );
    await writer.put("constraints/K8sRequiredLabels", "owner", constraint("owner", "team"));
    await waitFor("constraint updated", () => messages(mirror, ns("evil"))[0]?.includes('{"team"}'));
    await writer.delete("templates", "k8srequiredlabels");
    await waitFor("template removed", () => messages(mirror, ns("evil")).length === 0);
    // Incremental: the same Client throughout, no reload.
    expect(mirror.client).toBe(loaded);
    expect(mirror.stats().reloads).toBe(1);
    expect(mirror.stats().changesApplied).toBe(5);
  });

  it("keeps serving while Redis is down, and reloads when it comes back empty and is rebuilt", async () => {
    const server = await startRedisServer();
    try {
      const { writer, mirror } = setup(server.url);
      await writer.init();
      await writer.put("templates", "k8srequiredlabels", template);
      await writer.put("constraints/K8sRequiredLabels", "gk", constraint("gk", "gatekeeper"));
      await writer.markComplete();
      mirror.start();
      await mirror.waitReady(10_000);
      await waitFor("constraint", () => messages(mirror, ns("x")).length === 1);
      const epoch = mirror.epoch;

      // Down (the process only: restart() below brings up an empty one on the same port).
      await server.process.stop();
      await waitFor("disconnected", () => !mirror.connected, 5_000);
      // The last good state still answers.
      expect(messages(mirror, ns("x"))).toEqual(['[gk] you must provide labels: {"gatekeeper"}']);
      expect(mirror.readiness().ready).toBe(true);

      await server.restart();
      // What sync does when it finds Redis empty: a new epoch, everything written again.
      await waitFor(
        "writer reaches redis",
        async () => (await writer.init().catch(() => undefined))?.created,
      );
      // A half-rebuilt cache (template only) is not served: the old complete state keeps answering.
      await writer.put("templates", "k8srequiredlabels", template);
      await waitFor("new epoch loaded", () => mirror.stats().reloads >= 2, 15_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(messages(mirror, ns("x"))).toEqual(['[gk] you must provide labels: {"gatekeeper"}']);
      expect(mirror.readiness().reason).toContain("holding");
      await writer.put("constraints/K8sRequiredLabels", "gk2", constraint("gk2", "owner"));
      expect(messages(mirror, ns("x"))).toEqual(['[gk] you must provide labels: {"gatekeeper"}']);
      await writer.markComplete();
      await waitFor(
        "reloaded under the new epoch",
        () => mirror.epoch !== epoch && mirror.client.constraints().length === 1,
        15_000,
      );
      await waitFor(
        "new state",
        () => messages(mirror, ns("x"))[0] === '[gk2] you must provide labels: {"owner"}',
        5_000,
      );
      expect(mirror.connected).toBe(true);
      expect(mirror.stats().reloads).toBeGreaterThanOrEqual(2);
      await mirror.stop();
    } finally {
      await server.stop();
    }
  });
});
