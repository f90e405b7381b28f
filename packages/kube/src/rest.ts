/*
 * A small JSON REST client for the calls services make outside informers
 * (CRDs, status subresources, paged lists, events): plain paths, explicit
 * content types (merge patch), and errors that keep the API server's status
 * code and reason (so a 410 expired continue token can be told apart).
 * Auth and TLS come from the KubeConfig (client certs, tokens, in-cluster).
 */

import { request as httpRequest } from "node:http";
import { Agent, request } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly body: unknown;
  constructor(method: string, path: string, status: number, body: unknown) {
    const b = body as { message?: string; reason?: string } | undefined;
    super(`${method} ${path}: ${status} ${b?.reason ?? ""} ${b?.message ?? ""}`.trim());
    this.name = "KubeApiError";
    this.status = status;
    this.reason = b?.reason ?? "";
    this.body = body;
  }
}

export const MERGE_PATCH = "application/merge-patch+json";

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string>;
  timeoutMs?: number;
}

export class KubeRest {
  readonly #kc: KubeConfig;
  readonly #server: URL;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 16 });

  constructor(kc: KubeConfig) {
    this.#kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    this.#server = new URL(cluster.server);
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: RequestOptions = {},
  ): Promise<T> {
    const url = new URL(path, this.#server);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: "application/json" };
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    if (payload) {
      headers["content-type"] = opts.contentType ?? "application/json";
      headers["content-length"] = String(payload.length);
    }
    const reqOpts: Parameters<typeof request>[1] = {
      method,
      hostname: url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      headers,
      timeout: opts.timeoutMs ?? 30_000,
    };
    await this.#kc.applyToHTTPSOptions(reqOpts);
    const send = url.protocol === "http:" ? httpRequest : request;
    if (url.protocol === "https:") reqOpts.agent = this.#agent;
    return await new Promise<T>((resolve, reject) => {
      const req = send(reqOpts, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = text === "" ? undefined : JSON.parse(text);
          } catch {
            // Non-JSON error bodies (proxies) are kept as text.
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(body as T);
          else reject(new KubeApiError(method, url.pathname, status, body));
        });
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
      req.on("error", reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  get<T = Record<string, unknown>>(path: string, query?: Record<string, string>): Promise<T> {
    return this.request<T>("GET", path, query ? { query } : {});
  }

  /** GET that answers undefined on 404. */
  async find<T = Record<string, unknown>>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  create<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, { body });
  }

  replace<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body });
  }

  mergePatch<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, { body, contentType: MERGE_PATCH });
  }

  /** DELETE that treats 404 as done. */
  async remove(path: string): Promise<void> {
    try {
      await this.request("DELETE", path);
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return;
      throw e;
    }
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** REST path of a resource: core ("v1") or grouped ("g/v"), optionally namespaced. */
export function resourcePath(apiVersion: string, plural: string, name?: string, namespace?: string): string {
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ""}`;
}
