/*
 * OpenTelemetry spans through @opentelemetry/api only: without an SDK
 * registered they cost nothing; a deployment that registers one (e.g. via
 * NODE_OPTIONS=--import an OTel auto-instrumentation) gets them exported.
 */
import { type Attributes, SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("portcullis-sync");

/** Runs fn in a span named `name`; errors mark the span and are rethrown. */
export async function traced<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (e) {
      span.recordException(e instanceof Error ? e : String(e));
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}
