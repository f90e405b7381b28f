/*
 * The worker behind lib/network.ts: does one request at a time with Node's
 * async APIs, posts the answer on the port and wakes the waiting thread.
 */
import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { type MessagePort, workerData } from "node:worker_threads";
import type { HttpRequestSpec, HttpResult, LookupResult } from "./engine.ts";

export type NetworkCall = { op: "http"; req: HttpRequestSpec } | { op: "lookup"; name: string };

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

const MAX_REDIRECTS = 10;

function once(
  req: HttpRequestSpec,
  url: URL,
  deadline: number,
): Promise<{ res: IncomingMessage; body: string }> {
  const https = url.protocol === "https:";
  if (!https && url.protocol !== "http:")
    return Promise.reject(new Error(`unsupported protocol scheme "${url.protocol.replace(/:$/, "")}"`));
  const t = req.tls;
  const file = (f?: string) => (f ? readFileSync(f, "utf8") : undefined);
  return new Promise((resolve, reject) => {
    const r = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: req.method,
        headers: req.headers,
        timeout: Math.max(1, deadline - Date.now()),
        ...(https
          ? {
              rejectUnauthorized: !t.insecureSkipVerify,
              ca: t.caCert ?? file(t.caCertFile),
              cert: t.clientCert ?? file(t.clientCertFile),
              key: t.clientKey ?? file(t.clientKeyFile),
              servername: t.serverName,
            }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ res, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    r.on("timeout", () => r.destroy(Object.assign(new Error("timeout"), { timeout: true })));
    r.on("error", reject);
    r.end(req.body);
  });
}

async function http(req: HttpRequestSpec): Promise<HttpResult> {
  const deadline = Date.now() + req.timeoutMs;
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return { ok: false, error: `parse "${req.url}": invalid URL` };
  }
  try {
    for (let hops = 0; ; hops++) {
      const { res, body } = await once(req, url, deadline);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (req.enableRedirect && status >= 300 && status < 400 && location && hops < MAX_REDIRECTS) {
        url = new URL(location, url);
        // As Go's client: a 303 (and a 301/302 after POST) becomes a GET without a body.
        if (status === 303 || ((status === 301 || status === 302) && req.method === "POST"))
          req = { ...req, method: "GET", body: undefined };
        continue;
      }
      const headers: [string, string][] = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2)
        headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
      return { ok: true, status, statusText: res.statusMessage ?? "", headers, body };
    }
  } catch (e) {
    const err = e as Error & { timeout?: boolean; code?: string };
    if (err.timeout || Date.now() >= deadline)
      return { ok: false, error: "request timed out", timeout: true };
    return {
      ok: false,
      error: err.code === "ECONNREFUSED" ? `dial tcp ${url.host}: connect: connection refused` : err.message,
    };
  }
}

async function resolve(name: string): Promise<LookupResult> {
  if (isIP(name)) return { ok: true, addrs: [name] };
  try {
    const found = await lookup(name, { all: true });
    return { ok: true, addrs: [...new Set(found.map((a) => a.address))] };
  } catch (e) {
    const code = (e as { code?: string }).code;
    return {
      ok: false,
      error: `lookup ${name}: ${code === "ENOTFOUND" ? "no such host" : (e as Error).message}`,
    };
  }
}

port.on("message", (call: NetworkCall) => {
  const work = call.op === "http" ? http(call.req) : resolve(call.name);
  void work
    .catch((e: unknown) => ({ ok: false as const, error: String(e) }))
    .then((answer) => {
      port.postMessage(answer);
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    });
});
