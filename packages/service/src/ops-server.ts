/*
 * The operational endpoints every service has: /healthz (the process is
 * alive), /readyz (it can do its job; the reason when not) and /metrics
 * (Prometheus). Plain HTTP on its own port, apart from any serving port.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface Readiness {
  ready: boolean;
  /** Why not ready (or a short state when ready); shown in the /readyz body. */
  reason?: string;
}

export interface OpsServerOptions {
  host?: string;
  port: number;
  registry: Registry;
  readiness: () => Readiness;
  /** Liveness; defaults to always alive while the event loop answers. */
  liveness?: () => Readiness;
}

export interface OpsServer {
  server: Server;
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const answer = (r: Readiness): void => {
      res.writeHead(r.ready ? 200 : 503, { "content-type": "text/plain; charset=utf-8" });
      res.end(r.ready ? `ok${r.reason ? `: ${r.reason}` : ""}\n` : `not ready: ${r.reason ?? "unknown"}\n`);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    try {
      if (path === "/healthz" || path === "/livez") return answer(opts.liveness?.() ?? { ready: true });
      if (path === "/readyz") return answer(opts.readiness());
      if (path === "/metrics") {
        opts.registry.metrics().then(
          (text) => {
            res.writeHead(200, { "content-type": opts.registry.contentType });
            res.end(text);
          },
          (e: unknown) => {
            res.writeHead(500).end(String(e));
          },
        );
        return;
      }
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    } catch (e) {
      res.writeHead(500, { "content-type": "text/plain" }).end(`${String(e)}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
