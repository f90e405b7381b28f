/*
 * services/sync as a process against a real kube-apiserver + etcd and a real
 * Redis: templates, constraints, namespaces and synced data reach the cache,
 * in order, and the cache converges to the cluster after restarts, leader
 * failover and Redis data loss.
 */
import { randomUUID } from "node:crypto";
import {
  CacheReader,
  type Change,
  connectRedis,
  type FollowEvent,
  isComplete,
  type RedisClient,
} from "@portcullis/cache";
import {
  type KubeEnv,
  libraryPath,
  redisUrl,
  type SyncProcess,
  startKube,
  startRedisServer,
  startSync,
  waitFor,
} from "@portcullis/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterStateOptions, cacheState, clusterState, stateText } from "./support/state.ts";

const REQUIRED_LABELS = libraryPath("general", "requiredlabels", "template.yaml");
// Short leases so failover is measured in seconds.
const LEASE_ARGS = [
  "--lease-duration",
  "3s",
  "--renew-deadline",
  "2s",
  "--retry-period",
  "500ms",
  "--epoch-check",
  "500ms",
];

let kube: KubeEnv;
let redis: RedisClient;
const running: SyncProcess[] = [];

beforeAll(async () => {
  kube = await startKube();
  redis = connectRedis(redisUrl());
}, 180_000);

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  redis?.disconnect();
  await kube?.stop();
});

async function apply(yaml: string): Promise<void> {
  const r = await kube.kubectl(["apply", "-f", "-"], { input: yaml });
  if (r.code !== 0) throw new Error(`kubectl apply: ${r.stderr}`);
}

async function kubectl(...args: string[]): Promise<string> {
  const r = await kube.kubectl(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function getJson(...args: string[]): Promise<any> {
  const r = await kube.kubectl(["get", ...args, "-o", "json"]);
  return r.code === 0 ? JSON.parse(r.stdout) : undefined;
}

async function sync(
  cacheName: string,
  namespace: string,
  identity: string,
  extra: string[] = [],
): Promise<SyncProcess> {
  const p = await startSync({
    kubeconfig: kube.kubeconfigPath,
    redisUrl: redisUrl(),
    cacheName,
    namespace,
    identity,
    args: [...LEASE_ARGS, ...extra],
  });
  running.push(p);
  return p;
}

async function untilReady(p: SyncProcess, timeoutMs = 30_000): Promise<void> {
  await waitFor(`${p.identity} ready`, async () => (await p.readyz()).status === 200, timeoutMs);
}

function reader(cacheName: string, client: RedisClient = redis): CacheReader {
  return new CacheReader(client, { cluster: cacheName });
}

const requiredLabelsConstraint = (name: string, kinds = ["Namespace"]) => `
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: ${name}
spec:
  match:
    kinds:
      - apiGroups: [""]
        kinds: ${JSON.stringify(kinds)}
  parameters:
    labels:
      - key: gatekeeper
`;

const syncSet = (name: string, kind = "ConfigMap") => `
apiVersion: syncset.gatekeeper.sh/v1alpha1
kind: SyncSet
metadata:
  name: ${name}
spec:
  gvks:
    - group: ""
      version: v1
      kind: ${kind}
`;

describe("sync against a real API server and Redis", () => {
  it("compiles templates into CRDs and status, reports syntax errors by line, and removes deleted templates", async () => {
    const ns = await kube.createNamespace({ prefix: "portcullis-system" });
    const cache = `t1-${randomUUID()}`;
    const p = await sync(cache, ns, "sync-t1");
    await untilReady(p);

    expect((await kube.kubectl(["apply", "-f", REQUIRED_LABELS])).code).toBe(0);
    const crd = await waitFor("K8sRequiredLabels CRD established", async () => {
      const c = await getJson("crd", "k8srequiredlabels.constraints.gatekeeper.sh");
      return c?.status?.conditions?.some((x: any) => x.type === "Established" && x.status === "True")
        ? c
        : undefined;
    });
    expect(crd.spec.names.categories).toEqual(["constraint", "constraints"]);
    const tpl = await waitFor("status.created", async () => {
      const t = await getJson("constrainttemplate", "k8srequiredlabels");
      return t?.status?.created === true ? t : undefined;
    });
    expect(tpl.status.byPod[0]).toMatchObject({
      id: "portcullis-sync",
      observedGeneration: tpl.metadata.generation,
    });
    expect(tpl.status.byPod[0].errors).toBeUndefined();
    // The generated CRD serves constraints, listed by `kubectl get constraints`.
    await apply(requiredLabelsConstraint("ns-must-have-gk"));
    expect(await kubectl("get", "constraints")).toContain("ns-must-have-gk");
    await waitFor("constraint cached", async () =>
      (await reader(cache).load()).collections.get("constraints/K8sRequiredLabels")?.has("ns-must-have-gk"),
    );
    const cached = (await reader(cache).load()).collections.get("templates")?.get("k8srequiredlabels");
    expect(cached).toBeDefined();
    expect((cached?.object.metadata as any)?.managedFields).toBeUndefined();

    // A Rego syntax error: status errors naming the line, no CRD.
    await apply(`
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sbrokenrego
spec:
  crd:
    spec:
      names:
        kind: K8sBrokenRego
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sbrokenrego

        violation[{"msg": msg}] {
          msg := 
        }
`);
    const broken = await waitFor("error status", async () => {
      const t = await getJson("constrainttemplate", "k8sbrokenrego");
      return t?.status?.byPod?.[0]?.errors?.length ? t : undefined;
    });
    expect(broken.status.created).toBe(false);
    const err = broken.status.byPod[0].errors[0];
    expect(err.code).toBe("rego_parse_error");
    expect(err.location).toMatch(/:5:/);
    expect(await getJson("crd", "k8sbrokenrego.constraints.gatekeeper.sh")).toBeUndefined();
    expect((await reader(cache).load()).collections.get("templates")?.has("k8sbrokenrego")).toBeFalsy();
    await kubectl("delete", "constrainttemplate", "k8sbrokenrego");

    // Deleting the template removes the CRD, and the template and its constraints from the cache.
    await kubectl("delete", "constrainttemplate", "k8srequiredlabels");
    await waitFor(
      "CRD deleted",
      async () => (await getJson("crd", "k8srequiredlabels.constraints.gatekeeper.sh")) === undefined,
    );
    const snap = await waitFor("template gone from cache", async () => {
      const s = await reader(cache).load();
      return s.collections.get("templates")?.has("k8srequiredlabels") ? undefined : s;
    });
    expect(snap.collections.get("constraints/K8sRequiredLabels")?.size ?? 0).toBe(0);
    expect(await p.stop()).toBe(0);
  }, 90_000);

  it("mirrors constraints, namespaces and SyncSet kinds within a second, and a follower sees every change in order", async () => {
    const installNs = await kube.createNamespace({ prefix: "portcullis-system" });
    const cache = `t2-${randomUUID()}`;
    await kubectl("apply", "-f", REQUIRED_LABELS);
    await apply(syncSet("t2-configmaps"));
    const p = await sync(cache, installNs, "sync-t2");
    await untilReady(p);
    const r = reader(cache);
    const start = await r.load();
    const seen: FollowEvent[] = [];
    const abort = new AbortController();
    const following = (async () => {
      for await (const e of r.follow(start.revision, { signal: abort.signal })) seen.push(e);
    })();

    // From kubectl returning (the object exists by then) to the follower seeing it; kubectl's own time is logged too.
    const kubectlMs: Record<string, number> = {};
    const timed = async (
      what: string,
      action: () => Promise<unknown>,
      collection: string,
      key: string,
      present = true,
    ): Promise<number> => {
      const t0 = performance.now();
      await action();
      const t1 = performance.now();
      kubectlMs[what] = Math.round(t1 - t0);
      await waitFor(
        what,
        () =>
          seen.some(
            (e) => e.op === (present ? "put" : "delete") && e.collection === collection && e.key === key,
          ),
        5_000,
        5,
      );
      return performance.now() - t1;
    };
    const ms: Record<string, number> = {};
    const ns = `t2-${randomUUID().slice(0, 8)}`;
    ms.namespace = await timed(
      "namespace cached",
      () => kubectl("create", "namespace", ns),
      "namespaces",
      ns,
    );
    ms.configmap = await timed(
      "configmap cached",
      () => kubectl("create", "configmap", "cm1", "-n", ns, "--from-literal=a=1"),
      "data/v1/ConfigMap",
      `${ns}/cm1`,
    );
    ms.constraint = await timed(
      "constraint cached",
      () => apply(requiredLabelsConstraint("t2-constraint")),
      "constraints/K8sRequiredLabels",
      "t2-constraint",
    );
    await kubectl("patch", "configmap", "cm1", "-n", ns, "--type=merge", "-p", '{"data":{"a":"2"}}');
    ms.configmapDeleted = await timed(
      "configmap removed",
      () => kubectl("delete", "configmap", "cm1", "-n", ns),
      "data/v1/ConfigMap",
      `${ns}/cm1`,
      false,
    );
    ms.constraintDeleted = await timed(
      "constraint removed",
      () => kubectl("delete", "k8srequiredlabels", "t2-constraint"),
      "constraints/K8sRequiredLabels",
      "t2-constraint",
      false,
    );
    console.log("kubectl (ms):", JSON.stringify(kubectlMs));
    console.log(
      "time to cache (ms):",
      JSON.stringify(Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v)]))),
    );
    for (const [what, v] of Object.entries(ms)) expect(v, what).toBeLessThan(1000);

    abort.abort();
    await following;
    // In order: revisions strictly increase with no gap, and the ConfigMap went put(a=1), put(a=2), delete.
    const changes = seen.filter((e): e is Change => e.op !== "resync");
    expect(seen.some((e) => e.op === "resync")).toBe(false);
    expect(changes.map((c) => c.revision)).toEqual(changes.map((_, i) => start.revision + i + 1));
    const cm = changes.filter((c) => c.key === `${ns}/cm1`);
    expect(cm.map((c) => (c.op === "put" ? `put:${(c.object.data as any).a}` : "delete"))).toEqual([
      "put:1",
      "put:2",
      "delete",
    ]);
    // The follower's final view equals a fresh load.
    const final = await r.load();
    expect(final.collections.get("data/v1/ConfigMap")?.has(`${ns}/cm1`)).toBeFalsy();

    // A constraint the engine rejects (the CRD schema lets any string through): status error, not cached.
    await apply(`${requiredLabelsConstraint("t2-invalid")}  enforcementAction: bogus\n`);
    const invalid = await waitFor("invalid constraint status", async () => {
      const c = await getJson("k8srequiredlabels", "t2-invalid");
      return c?.status?.byPod?.[0]?.errors ? c : undefined;
    });
    expect(invalid.status.byPod[0]).toMatchObject({
      enforced: false,
      errors: [{ code: "invalid_enforcement_action" }],
    });
    expect((await r.load()).collections.get("constraints/K8sRequiredLabels")?.has("t2-invalid")).toBeFalsy();
    await kubectl("delete", "k8srequiredlabels", "t2-invalid");

    // A SyncSet naming a kind the API server does not serve: reported, never fatal.
    await apply(`
apiVersion: syncset.gatekeeper.sh/v1alpha1
kind: SyncSet
metadata:
  name: t2-unknown
spec:
  gvks:
    - group: example.invalid
      version: v1
      kind: NoSuchKind
`);
    await waitFor(
      "unknown kind reported",
      async () => /portcullis_sync_unknown_kinds\{[^}]*\} 1/.test(await p.metrics()),
      10_000,
    );
    expect(p.logs.some((l) => l.msg === "cannot sync kind" && String(l.kind).includes("NoSuchKind"))).toBe(
      true,
    );
    expect((await p.readyz()).status).toBe(200);
    const events = await waitFor("UnknownKind event", async () => {
      const list = await getJson("events", "--all-namespaces", "--field-selector", "reason=UnknownKind");
      return list?.items?.find((e: any) => e.involvedObject.name === "t2-unknown");
    }).catch((e: Error) => {
      const related = p.logs.filter((l) => /event|kind/i.test(String(l.msg)));
      throw new Error(`${e.message}\n${related.map((l) => JSON.stringify(l)).join("\n")}`);
    });
    expect(events.message).toContain("example.invalid/v1/NoSuchKind");
    await kubectl("delete", "syncset", "t2-unknown");
    await waitFor(
      "unknown kind no longer synced",
      async () => /portcullis_sync_unknown_kinds\{[^}]*\} 0/.test(await p.metrics()),
      10_000,
    );
    expect(p.child.exitCode).toBeNull();
    expect(await p.stop()).toBe(0);
    await kubectl("delete", "syncset", "t2-configmaps");
  }, 90_000);

  const stateOptions = (installNamespace: string): ClusterStateOptions => ({
    installNamespace,
    constraintKinds: ["K8sRequiredLabels"],
    synced: [{ resource: "configmaps", collection: "data/v1/ConfigMap" }],
  });

  async function converges(
    cache: string | CacheReader,
    installNs: string,
    timeoutMs = 20_000,
  ): Promise<void> {
    const r = typeof cache === "string" ? reader(cache) : cache;
    let last = "";
    await waitFor(
      "cache == cluster",
      async () => {
        const [want, got] = [await clusterState(kube, stateOptions(installNs)), cacheState(await r.load())];
        last = `cluster ${stateText(want)}\ncache   ${stateText(got)}`;
        return stateText(want) === stateText(got);
      },
      timeoutMs,
      200,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${last}`);
    });
  }

  it("converges after being stopped while the cluster changed", async () => {
    const installNs = await kube.createNamespace({ prefix: "portcullis-system" });
    const cache = `t3-${randomUUID()}`;
    await kubectl("apply", "-f", REQUIRED_LABELS);
    await apply(syncSet("t3-configmaps"));
    const ns = await kube.createNamespace({ prefix: "t3" });
    for (let i = 0; i < 5; i++)
      await kubectl("create", "configmap", `cm${i}`, "-n", ns, `--from-literal=i=${i}`);
    await apply(requiredLabelsConstraint("t3-a"));
    await apply(requiredLabelsConstraint("t3-b"));
    let p = await sync(cache, installNs, "sync-t3");
    await untilReady(p);
    await converges(cache, installNs);
    await waitFor("cache marked complete", async () => isComplete(await reader(cache).load()), 10_000);
    expect(await p.stop()).toBe(0);

    // While sync is down: deletes, updates, creates of every sort.
    await kubectl("delete", "configmap", "cm0", "cm1", "-n", ns);
    await kubectl("patch", "configmap", "cm2", "-n", ns, "--type=merge", "-p", '{"data":{"i":"changed"}}');
    await kubectl("create", "configmap", "cm-new", "-n", ns, "--from-literal=x=y");
    await kubectl("delete", "k8srequiredlabels", "t3-a");
    await apply(requiredLabelsConstraint("t3-c", ["Pod"]));
    await kubectl("label", "namespace", ns, "changed=yes");
    const gone = await kube.createNamespace({ prefix: "t3-extra" });
    await kubectl("create", "configmap", "extra", "-n", gone, "--from-literal=x=y");

    p = await sync(cache, installNs, "sync-t3-again");
    await untilReady(p);
    await converges(cache, installNs);
    const snap = await reader(cache).load();
    expect(snap.collections.get("data/v1/ConfigMap")?.has(`${ns}/cm0`)).toBeFalsy();
    expect((snap.collections.get("data/v1/ConfigMap")?.get(`${ns}/cm2`)?.object.data as any)?.i).toBe(
      "changed",
    );
    expect(snap.collections.get("constraints/K8sRequiredLabels")?.has("t3-a")).toBeFalsy();
    expect(await p.stop()).toBe(0);
    await kubectl("delete", "syncset", "t3-configmaps");
  }, 120_000);

  it("fails over to the standby within the lease duration, and the cache again equals the cluster", async () => {
    const installNs = await kube.createNamespace({ prefix: "portcullis-system" });
    const cache = `t4-${randomUUID()}`;
    await apply(syncSet("t4-configmaps"));
    const a = await sync(cache, installNs, "sync-a");
    const b = await sync(cache, installNs, "sync-b");
    await Promise.all([untilReady(a), untilReady(b)]);
    const isLeader = async (p: SyncProcess) => /portcullis_sync_is_leader\{[^}]*\} 1/.test(await p.metrics());
    const leader = await waitFor("one leader", async () => {
      const [la, lb] = [await isLeader(a), await isLeader(b)];
      return la !== lb ? (la ? a : b) : undefined;
    });
    const standby = leader === a ? b : a;
    await converges(cache, installNs);

    await leader.kill();
    const killed = performance.now();
    await waitFor("standby leads", () => isLeader(standby), 10_000, 20);
    const takeoverMs = performance.now() - killed;
    console.log(
      `failover: standby leading ${Math.round(takeoverMs)} ms after the leader was killed (lease 3000 ms, retry 500 ms)`,
    );
    expect(takeoverMs).toBeLessThan(3000 + 2 * 500);

    const ns = await kube.createNamespace({ prefix: "t4" });
    await kubectl("create", "configmap", "after-failover", "-n", ns, "--from-literal=a=b");
    await converges(cache, installNs);
    expect(await standby.stop()).toBe(0);
    await kubectl("delete", "syncset", "t4-configmaps");
  }, 120_000);

  it("rebuilds the cache when Redis restarts empty, and readers resync", async () => {
    const own = await startRedisServer();
    try {
      const installNs = await kube.createNamespace({ prefix: "portcullis-system" });
      const cache = `t5-${randomUUID()}`;
      await kubectl("apply", "-f", REQUIRED_LABELS);
      await apply(syncSet("t5-configmaps"));
      await apply(requiredLabelsConstraint("t5-constraint"));
      const p = await startSync({
        kubeconfig: kube.kubeconfigPath,
        redisUrl: own.url,
        cacheName: cache,
        namespace: installNs,
        identity: "sync-t5",
        args: LEASE_ARGS,
      });
      running.push(p);
      await untilReady(p);
      const client = connectRedis(own.url, { redisOptions: { maxRetriesPerRequest: 1 } });
      client.on("error", () => {});
      const r = new CacheReader(client, { cluster: cache });
      await converges(r, installNs, 30_000);
      const before = await r.load();
      const events: FollowEvent[] = [];
      const abort = new AbortController();
      const following = (async () => {
        for await (const e of r.follow(before.revision, { signal: abort.signal })) {
          events.push(e);
          if (e.op === "resync") break;
        }
      })();

      await own.restart();
      await converges(r, installNs, 30_000);
      const after = await r.load();
      expect(after.epoch).not.toBe(before.epoch);
      // The rebuilt cache is marked complete for its new epoch (readers held the old state until then).
      await waitFor("rebuilt cache marked complete", async () => isComplete(await r.load()), 10_000);
      await waitFor("reader told to resync", () => events.some((e) => e.op === "resync"), 15_000);
      expect(events.find((e) => e.op === "resync")).toMatchObject({ reason: "epoch" });
      abort.abort();
      await following;
      expect(await p.metrics()).toMatch(/portcullis_sync_cache_rebuilds\{[^}]*\} [1-9]/);
      client.disconnect();
      expect(await p.stop()).toBe(0);
      await kubectl("delete", "syncset", "t5-configmaps");
    } finally {
      await own.stop();
    }
  }, 120_000);
});
