/*
 * The HTTPS server: fastify with our own JSON body parser (so a malformed
 * body is a 400 with the reason and an oversized one a 413), the admission
 * routes, and /healthz /readyz /metrics for probes that only reach the
 * serving port. Responses are serialised once, by hand: the AdmissionReview
 * shape is fixed and this is the hot path.
 */
import type { SecureContextOptions } from "node:tls";
import type { Logger, Readiness, Registry } from "@portcullis/service";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { type Admitter, BadRequest, type Outcome } from "./admission.ts";
import type { ViolationSink } from "./events.ts";
import type { WebhookMetrics } from "./metrics.ts";

export interface ServerOptions {
  admitter: Admitter;
  /** Omit for plain HTTP (tests of the routes only; production always has TLS). */
  tls?: SecureContextOptions & { minVersion?: "TLSv1.2" | "TLSv1.3" };
  bodyLimit: number;
  metrics: WebhookMetrics;
  registry: Registry;
  readiness: () => Readiness;
  sink?: ViolationSink;
  log: Logger;
}

const JSON_TYPE = "application/json";

class BodyError extends Error {
  statusCode = 400;
}

export function buildServer(o: ServerOptions): FastifyInstance {
  const app = Fastify({
    ...(o.tls ? { https: { ...o.tls, minVersion: o.tls.minVersion ?? "TLSv1.3" } } : {}),
    bodyLimit: o.bodyLimit,
    logger: false,
    // The API server keeps connections alive; let it.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;

  app.decorateRequest("startedAt", 0);
  app.addHook("onRequest", (req, _reply, done) => {
    (req as unknown as { startedAt: number }).startedAt = Date.now();
    done();
  });

  // Every media type goes through JSON.parse: the API server sends application/json,
  // anything else is answered as bad input, not as a 415 the API server would not explain.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => {
    const buf = body as Buffer;
    if (buf.length === 0)
      return done(new BodyError("empty request body: expected an AdmissionReview"), undefined);
    try {
      done(null, JSON.parse(buf.toString("utf8")));
    } catch (e) {
      done(new BodyError(`request body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) o.metrics.badRequests.inc({ reason: "too_large" });
    else if (status < 500) o.metrics.badRequests.inc({ reason: "malformed" });
    else o.log.error("request failed", { err });
    const message =
      status === 413
        ? `request body larger than the ${o.bodyLimit} byte limit`
        : err.message || "bad request";
    void reply
      .code(status)
      .header("content-type", JSON_TYPE)
      .send(JSON.stringify({ error: message }));
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).header("content-type", JSON_TYPE).send('{"error":"not found"}');
  });

  const answer = (reply: FastifyReply, out: Outcome): void => {
    void reply.code(out.httpStatus).header("content-type", JSON_TYPE).send(JSON.stringify(out.body));
  };
  const badRequest = (reply: FastifyReply, e: unknown): boolean => {
    if (!(e instanceof BadRequest)) return false;
    o.metrics.badRequests.inc({ reason: "invalid_review" });
    void reply
      .code(400)
      .header("content-type", JSON_TYPE)
      .send(JSON.stringify({ error: e.message }));
    return true;
  };

  app.post("/v1/admit", (req, reply) => {
    const startedAt = (req as unknown as { startedAt: number }).startedAt;
    let out: Outcome;
    try {
      out = o.admitter.admit(req.body, startedAt);
    } catch (e) {
      if (badRequest(reply, e)) return;
      throw e;
    }
    answer(reply, out);
    if (out.status === "error") {
      const b = out.body as { error?: string; response?: { uid?: string; status?: { message?: string } } };
      o.log.warn("admission review failed", {
        httpStatus: out.httpStatus,
        uid: b.response?.uid,
        error: b.error ?? b.response?.status?.message,
      });
    }
    const labels = { admission_status: out.status, admission_dryrun: out.dryRun ? "true" : "false" };
    o.metrics.requests.inc(labels);
    o.metrics.duration.observe(labels, (Date.now() - startedAt) / 1000);
    const v = out.violations;
    if (v !== undefined && o.sink !== undefined) {
      const sink = o.sink;
      // After the response is on its way: events and deny logs never add latency.
      setImmediate(() => {
        try {
          sink.record(v.results, v.request);
        } catch (e) {
          o.log.error("recording violations failed", { err: e });
        }
      });
    }
  });

  app.post("/v1/admitlabel", (req, reply) => {
    let out: Outcome;
    try {
      out = o.admitter.admitLabel(req.body);
    } catch (e) {
      if (badRequest(reply, e)) return;
      throw e;
    }
    o.metrics.labelRequests.inc({ admission_status: out.status });
    answer(reply, out);
  });

  app.get("/healthz", (_req, reply) => {
    void reply.header("content-type", "text/plain").send("ok\n");
  });
  app.get("/readyz", (_req, reply) => {
    const r = o.readiness();
    void reply
      .code(r.ready ? 200 : 503)
      .header("content-type", "text/plain")
      .send(r.ready ? `ok${r.reason ? `: ${r.reason}` : ""}\n` : `not ready: ${r.reason ?? "unknown"}\n`);
  });
  app.get("/metrics", async (_req, reply) => {
    const text = await o.registry.metrics();
    void reply.header("content-type", o.registry.contentType).send(text);
  });
  return app;
}
