/*
 * Test helpers: a throwaway serving certificate, an HTTPS client that keeps
 * connections alive (as the API server does), and the webhook as a process.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServiceProcess, serviceMain, startService } from "@portcullis/testkit";

export interface SelfSigned {
  certPath: string;
  keyPath: string;
  dir: string;
}

/** A self-signed EC certificate for 127.0.0.1 (openssl CLI: node cannot write X.509). */
export function selfSigned(dir = mkdtempSync(join(tmpdir(), "portcullis-webhook-cert-"))): SelfSigned {
  const certPath = join(dir, "tls.crt");
  const keyPath = join(dir, "tls.key");
  // biome-ignore format: argument list
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: "ignore" });
  return { certPath, keyPath, dir };
}

export interface HttpsAnswer {
  status: number;
  body: string;
  json(): any;
}

export function httpsClient(port: number, ca: string | Buffer, opts: { maxVersion?: "TLSv1.2" } = {}) {
  const agent = new Agent({
    keepAlive: true,
    ca,
    ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
  });
  const call = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    new Promise<HttpsAnswer>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path,
          method,
          agent,
          headers: { "content-type": "application/json", ...headers },
        },
        (res) => {
          let data = "";
          res.setEncoding("utf8").on("data", (d: string) => (data += d));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: data, json: () => JSON.parse(data) }),
          );
        },
      );
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  return {
    agent,
    call,
    post: (path: string, body: unknown) =>
      call("POST", path, typeof body === "string" ? body : JSON.stringify(body)),
    close: () => agent.destroy(),
  };
}

export interface WebhookOptions {
  redisUrl: string;
  cacheName: string;
  cert: SelfSigned;
  natsUrl?: string;
  eventsPrefix?: string;
  eventsStream?: string;
  args?: string[];
  identity?: string;
}

export interface WebhookProcess extends ServiceProcess {
  port: number;
}

export async function startWebhook(o: WebhookOptions): Promise<WebhookProcess> {
  // biome-ignore format: flag list
  const args = [
    "--redis-url", o.redisUrl, "--cache-name", o.cacheName,
    "--tls-cert-file", o.cert.certPath, "--tls-key-file", o.cert.keyPath,
    "--addr", "127.0.0.1", "--port", "0", "--health-addr", "127.0.0.1", "--health-port", "0",
    ...(o.natsUrl ? ["--nats-url", o.natsUrl] : []),
    ...(o.eventsPrefix ? ["--events-prefix", o.eventsPrefix] : []),
    ...(o.eventsStream ? ["--events-stream", o.eventsStream] : []),
    ...(o.args ?? []),
  ];
  const p = await startService({ main: serviceMain("webhook"), args, identity: o.identity ?? "webhook" });
  const started = p.logs.find((l) => l.msg === "started");
  return Object.assign(p, { port: Number(started?.port) });
}

export function review(
  request: Record<string, unknown>,
  apiVersion = "admission.k8s.io/v1",
): Record<string, unknown> {
  return { apiVersion, kind: "AdmissionReview", request };
}

let seq = 0;
export function nsCreate(
  name: string,
  labels: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) {
  return review({
    uid: `uid-${process.pid}-${++seq}`,
    kind: { group: "", version: "v1", kind: "Namespace" },
    resource: { group: "", version: "v1", resource: "namespaces" },
    name,
    operation: "CREATE",
    userInfo: { username: "alice", groups: ["system:authenticated"] },
    object: { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } },
    ...extra,
  });
}
