import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { natsServer } from "@portcullis/testkit";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  admissionEvent,
  admissionMsgId,
  auditEvent,
  auditMsgId,
  decodeEvent,
  EventPublisher,
  ensureStream,
  subjects,
} from "../src/index.ts";
import type { AdmissionViolationEvent } from "../src/types.ts";

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: natsServer() });
});
afterAll(async () => {
  await nc?.close();
});

const unique = () => randomUUID().replace(/-/g, "").slice(0, 10);

const result = {
  constraint: {
    apiVersion: "constraints.gatekeeper.sh/v1beta1",
    kind: "K8sRequiredLabels",
    metadata: { name: "ns.must-have-gk", annotations: { owner: "team-a" } },
  },
  kind: "K8sRequiredLabels",
  name: "ns.must-have-gk",
  enforcementAction: "deny",
  msg: 'you must provide labels: {"gatekeeper"}',
  details: { missing_labels: ["gatekeeper"] },
};

test("subjects: prefix, tokens with dots and wildcards made safe", () => {
  const s = subjects("pc-test");
  expect(s.admission("K8sRequiredLabels", "ns.must-have-gk")).toBe(
    "pc-test.violations.admission.K8sRequiredLabels.ns_must-have-gk",
  );
  expect(s.audit("K", "a*b>c d")).toBe("pc-test.violations.audit.K.a_b_c_d");
  expect(s.auditRuns).toBe("pc-test.audit.runs");
  expect(s.auditErrors).toBe("pc-test.audit.errors");
  expect(s.all).toBe("pc-test.>");
  expect(subjects().admission("K", "n")).toBe("portcullis.violations.admission.K.n");
  expect(() => subjects("bad prefix")).toThrow();
});

test("dedupe ids: same inputs same id, any input changes it", () => {
  const a = admissionMsgId("uid-1", "K", "n", "msg");
  expect(admissionMsgId("uid-1", "K", "n", "msg")).toBe(a);
  expect(admissionMsgId("uid-2", "K", "n", "msg")).not.toBe(a);
  expect(admissionMsgId("uid-1", "K", "n", "msg2")).not.toBe(a);
  const b = auditMsgId("run-1", "K", "n", "obj-uid", "msg");
  expect(b).toMatch(/^audit:run-1:K\/n:obj-uid:[0-9a-f]{16}$/);
  expect(auditMsgId("run-2", "K", "n", "obj-uid", "msg")).not.toBe(b);
});

test("admissionEvent: Gatekeeper export fields plus operation, user, request kind", () => {
  const ev = admissionEvent(
    result,
    {
      uid: "req-1",
      kind: { group: "", version: "v1", kind: "Namespace" },
      name: "test-opa",
      operation: "CREATE",
      userInfo: { username: "alice" },
      object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "test-opa", labels: { a: "b" } } },
    },
    { decision: "deny", timestamp: new Date("2026-01-02T03:04:05Z") },
  );
  expect(ev).toEqual({
    id: "req-1",
    eventType: "violation_admission",
    group: "constraints.gatekeeper.sh",
    version: "v1beta1",
    kind: "K8sRequiredLabels",
    name: "ns.must-have-gk",
    namespace: "",
    message: 'you must provide labels: {"gatekeeper"}',
    details: { missing_labels: ["gatekeeper"] },
    enforcementAction: "deny",
    constraintAnnotations: { owner: "team-a" },
    resourceGroup: "",
    resourceAPIVersion: "v1",
    resourceKind: "Namespace",
    resourceNamespace: "",
    resourceName: "test-opa",
    resourceLabels: { a: "b" },
    timestamp: "2026-01-02T03:04:05.000Z",
    operation: "CREATE",
    user: "alice",
    requestKind: { group: "", version: "v1", kind: "Namespace" },
    decision: "deny",
  });
});

test("auditEvent: resource fields from the object, uid kept", () => {
  const ev = auditEvent(
    { ...result, enforcementAction: "scoped", scopedEnforcementActions: ["warn"] },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "ns", uid: "u-1" } },
    { runId: "run-7" },
  );
  expect(ev.id).toBe("run-7");
  expect(ev.eventType).toBe("violation_audited");
  expect([ev.resourceGroup, ev.resourceAPIVersion, ev.resourceKind]).toEqual(["apps", "v1", "Deployment"]);
  expect([ev.resourceNamespace, ev.resourceName, ev.resourceUID]).toEqual(["ns", "d", "u-1"]);
  expect(ev.enforcementActions).toEqual(["warn"]);
  expect(ev.resourceLabels).toBeUndefined();
});

test("ensureStream creates then updates limits; publish dedupes by msgID", async () => {
  const prefix = `pct${unique()}`;
  const name = `PCT_${unique()}`;
  const info = await ensureStream(nc, { name, prefix, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 });
  expect(info.config.subjects).toEqual([`${prefix}.>`]);
  expect(info.config.storage).toBe("file");
  expect(info.config.duplicate_window).toBe(60_000 * 1e6);
  const again = await ensureStream(nc, { name, prefix, duplicateWindowMs: 30_000, maxAgeMs: 3_600_000 });
  expect(again.config.duplicate_window).toBe(30_000 * 1e6);

  const pub = new EventPublisher({ nc });
  const s = subjects(prefix);
  const ev = admissionEvent(
    result,
    { uid: "r1", kind: { kind: "Namespace", version: "v1" } },
    { decision: "deny" },
  );
  const id = admissionMsgId("r1", result.kind, result.name, result.msg);
  const a1 = await pub.publish(s.admission(result.kind, result.name), ev, id);
  const a2 = await pub.publish(s.admission(result.kind, result.name), ev, id);
  expect(a1.duplicate).toBe(false);
  expect(a2.duplicate).toBe(true);
  const jsm = await jetstreamManager(nc);
  expect((await jsm.streams.info(name)).state.messages).toBe(1);
  const stored = await (await jetstream(nc).streams.get(name)).getMessage({ seq: 1 });
  expect(decodeEvent<AdmissionViolationEvent>(stored!.data).decision).toBe("deny");
  await jsm.streams.delete(name);
});

test("enqueue never blocks: buffers before attach, drops oldest when full, then drains", async () => {
  const prefix = `pct${unique()}`;
  const name = `PCT_${unique()}`;
  await ensureStream(nc, { name, prefix });
  const drops: string[] = [];
  const pub = new EventPublisher({ bufferSize: 5, onDrop: (r) => drops.push(r) });
  const s = subjects(prefix);
  const t0 = performance.now();
  for (let i = 0; i < 8; i++) pub.enqueue(s.admission("K", `c${i}`), { i }, `id-${i}`);
  expect(performance.now() - t0).toBeLessThan(50);
  expect(drops).toEqual(["buffer_full", "buffer_full", "buffer_full"]);
  expect(pub.pending).toBe(5);
  pub.attach(nc);
  expect(await pub.flush(5_000)).toBe(true);
  const jsm = await jetstreamManager(nc);
  const st = await jsm.streams.info(name, { subjects_filter: ">" });
  expect(st.state.messages).toBe(5);
  // The three oldest were the ones dropped.
  expect(Object.keys(st.state.subjects ?? {}).sort()).toEqual(
    [3, 4, 5, 6, 7].map((i) => s.admission("K", `c${i}`)).sort(),
  );
  await pub.close();
  expect(pub.enqueue(s.admission("K", "late"), {}, "late")).toBe(false);
  await jsm.streams.delete(name);
});

test("a publish that cannot be stored is retried then counted as failed, without throwing at the caller", async () => {
  const drops: string[] = [];
  const pub = new EventPublisher({
    nc,
    maxAttempts: 2,
    timeoutMs: 300,
    backoffMs: 10,
    onDrop: (r) => drops.push(r),
  });
  // No stream captures this subject: JetStream has no responder.
  expect(pub.enqueue(`nostream${unique()}.x`, { a: 1 }, "m1")).toBe(true);
  expect(await pub.flush(5_000)).toBe(true);
  expect(drops).toEqual(["failed"]);
  await expect(pub.publish(`nostream${unique()}.x`, {}, "m2")).rejects.toThrow();
});
