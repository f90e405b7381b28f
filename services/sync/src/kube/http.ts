/*
 * Raw JSON GETs and streaming GETs against the API server, authenticated by
 * KubeConfig.applyToHTTPSOptions. The informer needs what the generated
 * clients hide: the Status body of a failed request (410 "Expired" vs 404),
 * a line-by-line watch stream that is read only as fast as the consumer
 * handles it (back-pressure), and an AbortSignal that tears the socket down.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

export type Query = Record<string, string | number | boolean | undefined>;

/** A failed API request: `status` is the HTTP status (0 when no response came), `reason` the Status reason. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string | undefined;
  readonly body: unknown;

  constructor(message: string, status: number, reason?: string, body?: unknown) {
    super(message);
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
    this.body = body;
  }
}

/** A k8s `Status` object as found in error bodies and watch ERROR events. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

export function statusError(status: KubeStatus, httpStatus?: number): KubeApiError {
  const code = httpStatus ?? status.code ?? 0;
  return new KubeApiError(
    `${code}${status.reason ? ` ${status.reason}` : ""}: ${status.message ?? "request failed"}`,
    code,
    status.reason,
    status,
  );
}

/** 410 Gone: the resourceVersion (or continue token) is older than the server keeps. */
export function isExpired(error: unknown): boolean {
  return (
    error instanceof KubeApiError &&
    (error.status === 410 || error.reason === "Expired" || error.reason === "Gone")
  );
}

async function open(
  kc: KubeConfig,
  path: string,
  query: Query,
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): Promise<IncomingMessage> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const url = new URL(cluster.server.replace(/\/+$/, "") + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const options: RequestOptions = { method: "GET", headers: { Accept: "application/json" } };
  await kc.applyToHTTPSOptions(options);
  signal?.throwIfAborted();
  const send = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, { ...options, signal }, resolve);
    req.on("error", reject);
    // Silent network loss would otherwise leave a watch hanging forever.
    req.on("socket", (socket) => socket.setKeepAlive(true, 15_000));
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () => req.destroy(new KubeApiError(`GET ${path} timed out`, 0, "Timeout")));
    }
    req.end();
  });
}

async function readBody(res: IncomingMessage): Promise<string> {
  res.setEncoding("utf8");
  let body = "";
  for await (const chunk of res) body += chunk as string;
  return body;
}

async function failure(res: IncomingMessage, path: string): Promise<KubeApiError> {
  const text = await readBody(res).catch(() => "");
  const status = res.statusCode ?? 0;
  try {
    const parsed = JSON.parse(text) as KubeStatus;
    if (parsed && parsed.kind === "Status") return statusError(parsed, status);
  } catch {
    // not a Status body
  }
  return new KubeApiError(`GET ${path}: HTTP ${status} ${text.slice(0, 300)}`, status, undefined, text);
}

/** GET `path` and parse the JSON body; non-2xx becomes a KubeApiError carrying the Status. */
export async function getJson<T>(
  kc: KubeConfig,
  path: string,
  query: Query = {},
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<T> {
  const res = await open(kc, path, query, options.signal, options.timeoutMs ?? 60_000);
  if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) throw await failure(res, path);
  const text = await readBody(res);
  return JSON.parse(text) as T;
}

/**
 * Opens a streaming GET (a watch) and yields one parsed JSON value per line.
 * The socket is read only when the consumer asks for the next value, so a
 * slow consumer slows the stream instead of buffering it. Ends when the
 * server closes the stream; throws KubeApiError on a non-200 answer.
 * `onOpen` is called once the server has answered 200.
 */
export async function* streamJsonLines(
  kc: KubeConfig,
  path: string,
  query: Query,
  signal: AbortSignal,
  onOpen?: () => void,
): AsyncGenerator<unknown, void, void> {
  const res = await open(kc, path, query, signal, undefined);
  if (res.statusCode !== 200) throw await failure(res, path);
  onOpen?.();
  res.setEncoding("utf8");
  let pending = "";
  try {
    for await (const chunk of res) {
      pending += chunk as string;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) yield JSON.parse(line);
        newline = pending.indexOf("\n");
      }
    }
    if (pending.trim()) yield JSON.parse(pending);
  } finally {
    // An early return (stop, error in the consumer) must not leave the socket open.
    res.destroy();
  }
}
