import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeEnv, type RegisteredWebhook, startKube } from "../harness/index.ts";

const DENIED = "portcullis test: namespace denied";
const WEBHOOK = "deny-namespaces.portcullis.test";

interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: string;
  name?: string;
  object?: { metadata?: { name?: string; labels?: Record<string, string> } };
}

/** Denies Namespaces named deny-* or labelled portcullis.test/deny=true; allows the rest. */
function denies(request: AdmissionRequest): boolean {
  const name = request.name ?? request.object?.metadata?.name ?? "";
  return name.startsWith("deny-") || request.object?.metadata?.labels?.["portcullis.test/deny"] === "true";
}

let env: KubeEnv;
let server: Server;
let webhook: RegisteredWebhook | undefined;
const seen: AdmissionRequest[] = [];

beforeAll(async () => {
  env = await startKube();
  const cert = await env.issueServingCert();
  server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const request = (JSON.parse(body) as { request: AdmissionRequest }).request;
      seen.push(request);
      const deny = denies(request);
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          apiVersion: "admission.k8s.io/v1",
          kind: "AdmissionReview",
          response: {
            uid: request.uid,
            allowed: !deny,
            ...(deny ? { status: { code: 403, reason: "Forbidden", message: DENIED } } : {}),
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  webhook = await env.registerValidatingWebhook({
    name: WEBHOOK,
    url: `https://127.0.0.1:${port}/validate`,
    caBundlePem: env.ca.certPem,
    rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["namespaces"] }],
  });
}, 180_000);

afterAll(async () => {
  await webhook?.remove();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await env?.stop();
});

describe("admission through a real kube-apiserver to a local webhook", () => {
  it("kubectl create namespace fails with the webhook's message", async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const denied = await env.kubectl(["create", "namespace", `deny-${suffix}`]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(`admission webhook "${WEBHOOK}" denied the request: ${DENIED}`);
    expect(seen).toContainEqual(
      expect.objectContaining({
        operation: "CREATE",
        name: `deny-${suffix}`,
        kind: { group: "", version: "v1", kind: "Namespace" },
      }),
    );
    const missing = await env.kubectl(["get", "namespace", `deny-${suffix}`]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("NotFound");

    const allowed = await env.kubectl(["create", "namespace", `allow-${suffix}`]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(seen.map((r) => r.name)).toContain(`allow-${suffix}`);
  });

  it("denies by label through @kubernetes/client-node too", async () => {
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const create = core.createNamespace({
      body: { metadata: { generateName: "labelled-", labels: { "portcullis.test/deny": "true" } } },
    });
    await expect(create).rejects.toMatchObject({ code: 403 });
    await expect(create).rejects.toThrow(DENIED);
    // The harness's namespaces (no deny label) still go through.
    await expect(env.createNamespace()).resolves.toMatch(/^test-/);
  });
});
