import { CoordinationV1Api, RbacAuthorizationV1Api, V1MicroTime } from "@kubernetes/client-node";
import { type KubeEnv, startKube } from "@portcullis/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LeaderElector, type LeaderElectorOptions, type StopReason } from "../../src/kube/leader.ts";
import { delay, waitFor } from "./helpers.ts";

let kube: KubeEnv;
let leases: CoordinationV1Api;
const electors: LeaderElector[] = [];

beforeAll(async () => {
  kube = await startKube();
  leases = kube.kubeConfig.makeApiClient(CoordinationV1Api);
}, 180_000);
afterAll(() => kube?.stop());
afterEach(async () => {
  for (const elector of electors.splice(0)) await elector.stop();
});

// Short timings so that take-overs happen within a test.
const LEASE_S = 3;
const RENEW_S = 2;
const RETRY_S = 0.5;

interface Tracked {
  elector: LeaderElector;
  started: { at: number; leaseTransitions: number }[];
  stopped: { at: number; reason: StopReason }[];
  newLeaders: string[];
  errors: unknown[];
}

function candidate(
  namespace: string,
  identity: string,
  extra: Partial<LeaderElectorOptions> = {},
  leaseName = "sync-leader",
): Tracked {
  const t: Tracked = { started: [], stopped: [], newLeaders: [], errors: [] } as unknown as Tracked;
  t.elector = new LeaderElector({
    kubeConfig: kube.kubeConfig,
    leaseName,
    namespace,
    identity,
    leaseDurationSeconds: LEASE_S,
    renewDeadlineSeconds: RENEW_S,
    retryPeriodSeconds: RETRY_S,
    onStartedLeading: ({ leaseTransitions }) => {
      t.started.push({ at: performance.now(), leaseTransitions });
    },
    onStoppedLeading: (reason) => {
      t.stopped.push({ at: performance.now(), reason });
    },
    onNewLeader: (id) => t.newLeaders.push(id),
    onError: (e) => t.errors.push(e),
    ...extra,
  });
  electors.push(t.elector);
  return t;
}

/** Samples both electors until `ms` has passed, failing if they ever both claim leadership. */
async function neverBoth(a: LeaderElector, b: LeaderElector, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let samples = 0;
  while (performance.now() < end) {
    expect(a.isLeader() && b.isLeader()).toBe(false);
    samples++;
    await delay(10);
  }
  return samples;
}

describe("LeaderElector", () => {
  it("elects exactly one of two candidates on one Lease", async () => {
    const ns = await kube.createNamespace();
    const a = candidate(ns, "replica-a");
    const b = candidate(ns, "replica-b");
    a.elector.start();
    b.elector.start();
    const leader = await waitFor("a leader", () => [a, b].find((c) => c.elector.isLeader()));
    const standby = leader === a ? b : a;
    await neverBoth(a.elector, b.elector, 2000);
    expect(leader.elector.isLeader()).toBe(true);
    expect(standby.elector.isLeader()).toBe(false);
    expect(standby.started).toEqual([]);
    expect(leader.started.length).toBe(1);
    expect(leader.elector.leaseTransitions).toBe(0);
    expect(standby.elector.leaseTransitions).toBeUndefined();
    // Both agree on who leads, and so does the Lease.
    expect(standby.newLeaders).toEqual([leader.elector.identity]);
    expect(standby.elector.leader).toBe(leader.elector.identity);
    const lease = await leases.readNamespacedLease({ name: "sync-leader", namespace: ns });
    expect(lease.spec?.holderIdentity).toBe(leader.elector.identity);
    expect(lease.spec?.leaseDurationSeconds).toBe(LEASE_S);
    // Renewals keep moving renewTime.
    const renewed = new Date(String(lease.spec?.renewTime)).getTime();
    await delay(1200);
    const later = await leases.readNamespacedLease({ name: "sync-leader", namespace: ns });
    expect(new Date(String(later.spec?.renewTime)).getTime()).toBeGreaterThan(renewed);
    expect(leader.errors).toEqual([]);
  });

  it("lets only one of several candidates racing for a fresh Lease win (409 for the rest)", async () => {
    const ns = await kube.createNamespace();
    const all = ["r1", "r2", "r3", "r4"].map((id) => candidate(ns, id));
    for (const c of all) c.elector.start();
    await waitFor("a leader", () => all.find((c) => c.elector.isLeader()));
    const end = performance.now() + 2000;
    while (performance.now() < end) {
      expect(all.filter((c) => c.elector.isLeader()).length).toBe(1);
      await delay(10);
    }
    expect(all.flatMap((c) => c.started).length).toBe(1);
    // Conflicts are lost races, not errors.
    expect(all.flatMap((c) => c.errors)).toEqual([]);
  });

  it("lets the standby take over within the lease duration when the leader dies, without overlap", async () => {
    const ns = await kube.createNamespace();
    const a = candidate(ns, "replica-a");
    a.elector.start();
    await waitFor("a leads", () => a.elector.isLeader());
    const b = candidate(ns, "replica-b");
    b.elector.start();
    await delay(1500);
    expect(b.elector.isLeader()).toBe(false);
    const firstTerm = a.elector.leaseTransitions!;

    // Death: stop renewing, leave the Lease as it is.
    const oldTermEnds = performance.now() + a.elector.validForMs();
    const died = performance.now();
    await a.elector.stop();
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped.map((s) => s.reason)).toEqual(["stopped"]);

    await waitFor("b leads", () => b.elector.isLeader(), 10_000);
    const tookOver = b.started[0]!.at;
    // Within the lease duration (plus the standby's polling period and jitter)...
    expect(tookOver - died).toBeLessThan((LEASE_S + 2 * RETRY_S) * 1000 + 500);
    // ...but never before the old leader's own fence had closed.
    expect(tookOver).toBeGreaterThanOrEqual(oldTermEnds);
    expect(b.elector.leaseTransitions).toBe(firstTerm + 1);
    expect(b.started[0]!.leaseTransitions).toBe(firstTerm + 1);
    const lease = await leases.readNamespacedLease({ name: "sync-leader", namespace: ns });
    expect(lease.spec?.holderIdentity).toBe("replica-b");
    expect(lease.spec?.leaseTransitions).toBe(firstTerm + 1);
    // A stopped elector stays stopped.
    a.elector.start();
    await delay(1000);
    expect(a.elector.isLeader()).toBe(false);
  }, 20_000);

  it("hands over at once on release()", async () => {
    const ns = await kube.createNamespace();
    const a = candidate(ns, "replica-a");
    const b = candidate(ns, "replica-b");
    a.elector.start();
    await waitFor("a leads", () => a.elector.isLeader());
    b.elector.start();
    await delay(600);
    const firstTerm = a.elector.leaseTransitions!;
    const released = performance.now();
    await a.elector.release();
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped.map((s) => s.reason)).toEqual(["released"]);
    // onStoppedLeading ran before the Lease was freed.
    expect(a.stopped[0]!.at).toBeLessThanOrEqual(performance.now());
    await waitFor("b leads", () => b.elector.isLeader(), 5000);
    // Far sooner than the lease duration: one retry period (with jitter) and a request.
    expect(b.started[0]!.at - released).toBeLessThan(RETRY_S * 1.2 * 1000 + 500);
    expect(b.elector.leaseTransitions).toBe(firstTerm + 1);
    await neverBoth(a.elector, b.elector, 500);
  });

  it("waits out a lease left by a dead holder, then takes it with the next fencing token", async () => {
    const ns = await kube.createNamespace();
    const long = new V1MicroTime(Date.now() - 3_600_000);
    await leases.createNamespacedLease({
      namespace: ns,
      body: {
        metadata: { name: "sync-leader" },
        spec: {
          holderIdentity: "ghost",
          leaseDurationSeconds: LEASE_S,
          acquireTime: long,
          renewTime: long,
          leaseTransitions: 41,
        },
      },
    });
    const a = candidate(ns, "replica-a");
    const began = performance.now();
    a.elector.start();
    await waitFor("a leads", () => a.elector.isLeader(), 10_000);
    // renewTime is an hour old, but a candidate also waits a full lease duration of its own
    // observation, so a holder whose clock lags cannot be robbed.
    expect(a.started[0]!.at - began).toBeGreaterThanOrEqual(LEASE_S * 1000);
    expect(a.elector.leaseTransitions).toBe(42);
    expect(a.newLeaders).toEqual(["ghost", "replica-a"]);
  }, 20_000);

  it("does not take a lease whose holder keeps renewing", async () => {
    const ns = await kube.createNamespace();
    const a = candidate(ns, "replica-a");
    a.elector.start();
    await waitFor("a leads", () => a.elector.isLeader());
    const b = candidate(ns, "replica-b");
    b.elector.start();
    await neverBoth(a.elector, b.elector, (LEASE_S + 1) * 1000);
    expect(a.elector.isLeader()).toBe(true);
    expect(b.started).toEqual([]);
    expect(a.stopped).toEqual([]);
  }, 20_000);

  it("steps down when renewals fail for renewDeadline, before the lease expires, and never writes again", async () => {
    const ns = await kube.createNamespace();
    // A user whose right to touch Leases we can revoke: renewals then fail with 403.
    const rbac = kube.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: "lease-writer" },
        rules: [
          { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
        ],
      },
    });
    const binding = {
      metadata: { name: "lease-writer" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "lease-writer" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "elector" }],
    };
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: binding });
    const user = await kube.userKubeConfig("elector");
    const a = candidate(ns, "replica-a", { kubeConfig: user.kubeConfig });
    a.elector.start();
    await waitFor("a leads", () => a.elector.isLeader(), 10_000);
    await delay(2 * RETRY_S * 1000);

    await rbac.deleteNamespacedRoleBinding({ namespace: ns, name: "lease-writer" });
    const revoked = performance.now();
    const lease = await leases.readNamespacedLease({ name: "sync-leader", namespace: ns });
    const expiresAt = new Date(String(lease.spec?.renewTime)).getTime() + LEASE_S * 1000;

    await waitFor("a steps down", () => a.stopped.length > 0, 10_000);
    expect(a.stopped.map((s) => s.reason)).toEqual(["renew-deadline"]);
    expect(a.elector.isLeader()).toBe(false);
    // Within renewDeadline of the last good renewal, and before others could see the lease expire.
    expect(a.stopped[0]!.at - revoked).toBeLessThan(RENEW_S * 1000 + 200);
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(a.errors.length).toBeGreaterThan(0);

    // Even with its rights back, a stepped-down elector leaves the Lease alone.
    await rbac.createNamespacedRoleBinding({ namespace: ns, body: binding });
    const rv = (await leases.readNamespacedLease({ name: "sync-leader", namespace: ns })).metadata
      ?.resourceVersion;
    await delay(4 * RETRY_S * 1000);
    const after = await leases.readNamespacedLease({ name: "sync-leader", namespace: ns });
    expect(after.metadata?.resourceVersion).toBe(rv);
    expect(a.elector.isLeader()).toBe(false);

    // A fresh elector can stand again and gets a newer fencing token.
    const b = candidate(ns, "replica-b");
    b.elector.start();
    await waitFor("b leads", () => b.elector.isLeader(), 10_000);
    expect(b.elector.leaseTransitions).toBe(1);
  }, 30_000);

  it("rejects timings that cannot be safe", () => {
    const base = { kubeConfig: kube.kubeConfig, leaseName: "x", namespace: "default" };
    expect(() => new LeaderElector({ ...base, leaseDurationSeconds: 3, renewDeadlineSeconds: 3 })).toThrow();
    expect(
      () =>
        new LeaderElector({
          ...base,
          leaseDurationSeconds: 3,
          renewDeadlineSeconds: 2,
          retryPeriodSeconds: 2,
        }),
    ).toThrow();
    expect(new LeaderElector(base).identity).toMatch(/_\d+_[0-9a-f]{8}$/);
  });
});
