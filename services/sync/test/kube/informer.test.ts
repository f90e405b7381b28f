import { CoreV1Api, CustomObjectsApi, type V1ConfigMap } from "@kubernetes/client-node";
import { installCrds, type KubeEnv, startKube } from "@portcullis/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ResourceResolver } from "../../src/kube/discovery.ts";
import {
  Informer,
  type InformerError,
  type InformerEvent,
  type InformerOptions,
  type KubeObject,
  type SyncInfo,
} from "../../src/kube/informer.ts";
import { compactEtcd, delay, testCrd, waitFor } from "./helpers.ts";

let kube: KubeEnv;
let core: CoreV1Api;
let custom: CustomObjectsApi;
const running: Informer<any>[] = [];
/** Objects of any kind, as tests look into them. */
type Obj = KubeObject & Record<string, any>;

beforeAll(async () => {
  kube = await startKube();
  core = kube.kubeConfig.makeApiClient(CoreV1Api);
  custom = kube.kubeConfig.makeApiClient(CustomObjectsApi);
}, 180_000);
afterAll(() => kube?.stop());
afterEach(async () => {
  for (const informer of running.splice(0)) await informer.stop();
});

/** An informer whose every delivery (events and onSync) is appended to one log. */
function recorded<T extends KubeObject = Obj>(options: Partial<InformerOptions<T>> & { kind: string }) {
  const log: ({ kind: "event"; event: InformerEvent<T> } | { kind: "sync"; objects: T[]; info: SyncInfo })[] =
    [];
  const errors: InformerError[] = [];
  const informer = new Informer<T>({
    kubeConfig: kube.kubeConfig,
    apiVersion: "v1",
    backoff: { initialMs: 100, maxMs: 1000 },
    ...options,
    onEvent: async (event) => {
      await options.onEvent?.(event);
      log.push({ kind: "event", event });
    },
    onSync: async (objects, info) => {
      log.push({ kind: "sync", objects, info });
    },
    onError: (error) => errors.push(error),
  });
  running.push(informer);
  const events = () => log.flatMap((e) => (e.kind === "event" ? [e.event] : []));
  const syncs = () => log.flatMap((e) => (e.kind === "sync" ? [e] : []));
  return { informer, log, errors, events, syncs };
}

const summary = (e: InformerEvent<any>): string => `${e.type} ${e.object.metadata?.name} ${e.source}`;

async function configMap(
  namespace: string,
  name: string,
  data: Record<string, string> = {},
): Promise<V1ConfigMap> {
  return core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data } });
}

/** A JSON patch: what the generated client sends for a patch by default. */
async function setData(namespace: string, name: string, v: string): Promise<void> {
  await core.patchNamespacedConfigMap({
    namespace,
    name,
    body: [{ op: "replace", path: "/data/v", value: v }],
  });
}

describe("Informer", () => {
  it("delivers the listing, then adds/updates/deletes in order, one awaited handler at a time", async () => {
    const ns = await kube.createNamespace();
    await configMap(ns, "a", { v: "1" });
    let active = 0;
    let maxActive = 0;
    const { informer, log, events, errors } = recorded<V1ConfigMap>({
      kind: "ConfigMap",
      namespace: ns,
      onEvent: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await delay(30); // a slow consumer: events must queue behind it, not overlap
        active--;
      },
    });
    informer.start();
    expect(await informer.waitForSync(10_000)).toBe(true);
    expect(log.map((e) => (e.kind === "sync" ? `sync ${e.info.reason}` : summary(e.event)))).toEqual([
      "ADDED a list",
      "sync initial",
    ]);
    const first = events()[0]!;
    // Items of a built-in list come without apiVersion/kind; the informer fills them in.
    expect(first.object.apiVersion).toBe("v1");
    expect(first.object.kind).toBe("ConfigMap");

    await configMap(ns, "b", { v: "1" });
    await setData(ns, "b", "2");
    await setData(ns, "b", "3");
    await core.deleteNamespacedConfigMap({ namespace: ns, name: "a" });
    await waitFor("5 events", () => events().length >= 5);
    await delay(200);
    const watched = events().slice(1);
    expect(watched.map(summary)).toEqual([
      "ADDED b watch",
      "MODIFIED b watch",
      "MODIFIED b watch",
      "DELETED a watch",
    ]);
    const [, m1, m2] = watched as [unknown, InformerEvent<V1ConfigMap>, InformerEvent<V1ConfigMap>];
    expect(m1.type === "MODIFIED" && [m1.old.data?.v, m1.object.data?.v]).toEqual(["1", "2"]);
    expect(m2.type === "MODIFIED" && [m2.old.data?.v, m2.object.data?.v]).toEqual(["2", "3"]);
    const rvs = watched.map((e) => Number(e.object.metadata?.resourceVersion));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
    expect(maxActive).toBe(1);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(["b"]);
    expect(informer.get(`${ns}/b`)?.data?.v).toBe("3");
    expect(informer.resourceVersion).toBe(String(rvs.at(-1)));
    expect(errors).toEqual([]);
  });

  it("watches cluster-scoped resources, resolved through discovery, keyed by name", async () => {
    const { informer, events } = recorded({ kind: "Namespace" });
    informer.start();
    expect(await informer.waitForSync(10_000)).toBe(true);
    const ns = await kube.createNamespace({ prefix: "cluster-scoped" });
    await waitFor("ADDED namespace", () =>
      events().find((e) => e.type === "ADDED" && e.source === "watch" && e.object.metadata?.name === ns),
    );
    expect(informer.get(ns)?.metadata?.name).toBe(ns);
  });

  it("requests bookmarks and advances its resourceVersion on them", async () => {
    const ns = await kube.createNamespace();
    const other = await kube.createNamespace();
    await configMap(ns, "quiet");
    // A short server-side timeout: the API server sends a bookmark ~2 s before it.
    const { informer, events } = recorded({ kind: "ConfigMap", namespace: ns, watchTimeoutSeconds: 4 });
    informer.start();
    expect(await informer.waitForSync(10_000)).toBe(true);
    const listedRv = Number(informer.resourceVersion);
    // Writes elsewhere move the ConfigMap resourceVersion on without events for this watch.
    const elsewhere = await configMap(other, "noise");
    const target = Number(elsewhere.metadata?.resourceVersion);
    expect(target).toBeGreaterThan(listedRv);
    await waitFor(
      "a bookmark past the other namespace's write",
      () => {
        const s = informer.stats();
        return s.bookmarks > 0 && Number(s.resourceVersion) >= target;
        // a bookmark comes once per 4 s watch; on a loaded machine the first may predate the write
      },
      30_000,
    );
    expect(events().filter((e) => e.source === "watch")).toEqual([]);
    // The watch is re-opened from the bookmarked resourceVersion and keeps working.
    await waitFor("a watch restart", () => informer.stats().watchRestarts > 0, 15_000);
    await configMap(ns, "after-bookmark");
    await waitFor("event after restart", () =>
      events().find((e) => e.object.metadata?.name === "after-bookmark"),
    );
    expect(informer.stats().relists).toBe(1);
  }, 30_000);

  it("stop() delivers nothing more; start() resumes the watch from the last resourceVersion", async () => {
    const ns = await kube.createNamespace();
    await configMap(ns, "a", { v: "1" });
    const { informer, events, syncs } = recorded({ kind: "ConfigMap", namespace: ns });
    informer.start();
    expect(await informer.waitForSync(10_000)).toBe(true);
    await informer.stop();
    expect(informer.stats().watching).toBe(false);
    const rvAtStop = informer.resourceVersion;
    const before = events().length;

    await setData(ns, "a", "2");
    await configMap(ns, "c");
    await delay(500);
    expect(events().length).toBe(before);
    expect(informer.resourceVersion).toBe(rvAtStop);

    informer.start();
    await waitFor("2 events after restart", () => events().length >= before + 2);
    expect(events().slice(before).map(summary)).toEqual(["MODIFIED a watch", "ADDED c watch"]);
    // Resumed, not relisted.
    expect(informer.stats().relists).toBe(1);
    expect(syncs().length).toBe(1);
  });

  it("relists on 410 Gone and emits the deletes that happened while it was stopped", async () => {
    const crd = testCrd("Widget");
    await installCrds(kube.kubeConfig, [crd]);
    const group = crd.spec.group;
    const ns = await kube.createNamespace();
    const widget = (name: string, size: number) =>
      custom.createNamespacedCustomObject({
        group,
        version: "v1",
        namespace: ns,
        plural: "widgets",
        body: { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name }, spec: { size } },
      });
    for (const name of ["x", "y", "z"]) await widget(name, 1);

    const { informer, events, syncs, errors } = recorded({
      apiVersion: `${group}/v1`,
      kind: "Widget",
      namespace: ns,
    });
    informer.start();
    expect(await informer.waitForSync(10_000)).toBe(true);
    expect(events().map(summary)).toEqual(["ADDED x list", "ADDED y list", "ADDED z list"]);
    await informer.stop();

    await custom.deleteNamespacedCustomObject({
      group,
      version: "v1",
      namespace: ns,
      plural: "widgets",
      name: "y",
    });
    await custom.patchNamespacedCustomObject({
      group,
      version: "v1",
      namespace: ns,
      plural: "widgets",
      name: "z",
      body: [{ op: "replace", path: "/spec/size", value: 2 }],
    });
    await widget("w", 1);
    // History before now is gone from etcd, and RV 1 predates this resource's watch cache:
    // resuming from it must fail with 410 Gone.
    await compactEtcd(kube);
    const before = events().length;
    informer.start({ resourceVersion: "1" });

    await waitFor("a relist after 410", () => syncs().length >= 2);
    expect(informer.stats().expired).toBeGreaterThanOrEqual(1);
    expect(syncs()[1]!.info.reason).toBe("expired");
    expect(events().slice(before).map(summary)).toEqual([
      "DELETED y list",
      "ADDED w list",
      "MODIFIED z list",
    ]);
    const modified = events().at(-1)!;
    expect(modified.type === "MODIFIED" && [modified.old.spec, modified.object.spec]).toEqual([
      { size: 1 },
      { size: 2 },
    ]);
    expect(
      syncs()[1]!
        .objects.map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(["w", "x", "z"]);
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(["w", "x", "z"]);
    // Expiry is routine, not an error.
    expect(errors).toEqual([]);
    // And the watch carries on from the new listing.
    await widget("v", 1);
    await waitFor("ADDED v", () =>
      events().find((e) => e.object.metadata?.name === "v" && e.source === "watch"),
    );
  }, 60_000);

  it("reports an unknown kind through onError and retries until its CRD appears, never throwing", async () => {
    const crd = testCrd("Gadget");
    const group = crd.spec.group;
    const ns = await kube.createNamespace();
    const { informer, errors, events } = recorded({
      apiVersion: `${group}/v1`,
      kind: "Gadget",
      namespace: ns,
      backoff: { initialMs: 50, maxMs: 300 },
    });
    informer.start();
    await waitFor("3 errors", () => errors.length >= 3);
    expect(errors.every((e) => e.notFound && e.phase === "discovery" && e.status === 404)).toBe(true);
    expect(errors[0]!.message).toContain("Gadget");
    expect(informer.hasSynced()).toBe(false);
    expect(await informer.waitForSync(200)).toBe(false);
    expect(informer.lastError?.notFound).toBe(true);

    // With plural/scope given there is no discovery: the list itself answers 404.
    const direct = recorded({
      apiVersion: `${group}/v1`,
      kind: "Gadget",
      plural: "gadgets",
      namespaced: true,
      backoff: { initialMs: 50, maxMs: 300 },
    });
    direct.informer.start();
    await waitFor("a list 404", () => direct.errors.length >= 2);
    expect(direct.errors.every((e) => e.phase === "list" && e.status === 404 && e.notFound)).toBe(true);
    expect(direct.errors[1]!.retryInMs).toBeLessThanOrEqual(300);

    // CRDs come and go: once it exists, the same informers sync without a restart.
    await installCrds(kube.kubeConfig, [crd]);
    await custom.createNamespacedCustomObject({
      group,
      version: "v1",
      namespace: ns,
      plural: "gadgets",
      body: { apiVersion: `${group}/v1`, kind: "Gadget", metadata: { name: "g1" } },
    });
    expect(await informer.waitForSync(15_000)).toBe(true);
    expect(await direct.informer.waitForSync(15_000)).toBe(true);
    await waitFor("ADDED g1", () =>
      events().find((e) => e.type === "ADDED" && e.object.metadata?.name === "g1"),
    );
    expect(direct.informer.get(`${ns}/g1`)?.kind).toBe("Gadget");
  }, 60_000);

  it("redelivers an event whose handler threw, after a backoff, keeping the order", async () => {
    const ns = await kube.createNamespace();
    let failuresLeft = 2;
    const attempts: string[] = [];
    const { informer, events, errors } = recorded({
      kind: "ConfigMap",
      namespace: ns,
      backoff: { initialMs: 100, maxMs: 200 },
      onEvent: async (event) => {
        attempts.push(summary(event));
        if (event.object.metadata?.name === "two" && failuresLeft > 0) {
          failuresLeft--;
          throw new Error("redis is down");
        }
      },
    });
    informer.start();
    expect(await informer.waitForSync(10_000)).toBe(true);
    for (const name of ["one", "two", "three"]) await configMap(ns, name);
    await waitFor("three delivered", () => events().length >= 3);
    expect(events().map(summary)).toEqual(["ADDED one watch", "ADDED two watch", "ADDED three watch"]);
    expect(attempts.filter((a) => a === "ADDED two watch").length).toBe(3);
    expect(errors.map((e) => [e.phase, e.message.includes("redis is down")])).toEqual([
      ["handler", true],
      ["handler", true],
    ]);
    // The store only holds what was delivered.
    expect(informer.size).toBe(3);
  });

  it("resyncs periodically: relist mode calls onSync again, replay mode re-emits the store", async () => {
    const ns = await kube.createNamespace();
    await configMap(ns, "a");
    const relist = recorded({ kind: "ConfigMap", namespace: ns, resyncPeriodMs: 700 });
    const replay = recorded({ kind: "ConfigMap", namespace: ns, resyncPeriodMs: 700, resyncMode: "replay" });
    relist.informer.start();
    replay.informer.start();
    await waitFor("two resyncs", () => relist.syncs().length >= 3, 10_000);
    expect(relist.syncs().map((s) => s.info.reason)).toEqual(["initial", "resync", "resync"]);
    expect(relist.syncs()[2]!.objects.map((o) => o.metadata?.name)).toEqual(["a"]);
    // Nothing changed, so a relist emits no events.
    expect(relist.events().map(summary)).toEqual(["ADDED a list"]);

    await waitFor("replayed", () => replay.events().filter((e) => e.source === "resync").length >= 2);
    const replayed = replay.events().find((e) => e.source === "resync")!;
    expect(replayed.type === "MODIFIED" && replayed.old === replayed.object).toBe(true);
    expect(replay.syncs().length).toBe(1);
    expect(replay.informer.stats().relists).toBe(1);
  });
});

describe("ResourceResolver", () => {
  it("maps apiVersion + kind to plural and scope, and says undefined for what is not served", async () => {
    const resolver = new ResourceResolver(kube.kubeConfig);
    expect(await resolver.resolve("v1", "ConfigMap")).toMatchObject({
      plural: "configmaps",
      namespaced: true,
      group: "",
    });
    expect(await resolver.resolve("v1", "Namespace")).toMatchObject({
      plural: "namespaces",
      namespaced: false,
    });
    expect(await resolver.resolve("apps/v1", "Deployment")).toMatchObject({
      plural: "deployments",
      namespaced: true,
      group: "apps",
      version: "v1",
    });
    expect(await resolver.resolve("templates.gatekeeper.sh/v1", "ConstraintTemplate")).toMatchObject({
      plural: "constrainttemplates",
      namespaced: false,
    });
    expect(await resolver.resolve("v1", "NoSuchKind")).toBeUndefined();
    expect(await resolver.resolve("nope.example.com/v1", "Thing")).toBeUndefined();
    expect((await resolver.resources("v1"))?.some((r) => r.plural.includes("/"))).toBe(false);
  });
});
