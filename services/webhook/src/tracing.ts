/*
 * OpenTelemetry spans through @opentelemetry/api only: without an SDK
 * registered they are no-ops that cost a function call; a deployment that
 * registers one (NODE_OPTIONS=--import an OTel setup) gets them exported.
 */
import { type Attributes, type Span, SpanStatusCode, trace } from "@opentelemetry/api";

export const tracer = trace.getTracer("portcullis-webhook");

/** Runs fn in a child span of the active context; errors mark the span and are rethrown. */
export function span<T>(name: string, attributes: Attributes, fn: (s: Span) => T): T {
  return tracer.startActiveSpan(name, { attributes }, (s) => {
    try {
      return fn(s);
    } catch (e) {
      s.recordException(e instanceof Error ? e : String(e));
      s.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      s.end();
    }
  });
}
