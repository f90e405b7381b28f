/*
 * Prometheus metrics: Gatekeeper's names where they mean the same (so its
 * dashboards keep working), portcullis_webhook_* for what is ours.
 */
import { Counter, Gauge, Histogram, type Registry } from "@portcullis/service";

export interface WebhookMetrics {
  requests: Counter<"admission_status" | "admission_dryrun">;
  duration: Histogram<"admission_status" | "admission_dryrun">;
  labelRequests: Counter<"admission_status">;
  badRequests: Counter<"reason">;
  violations: Counter<"enforcement_action">;
  cacheConnected: Gauge;
  cacheRevision: Gauge;
  cacheReady: Gauge;
  templates: Gauge;
  constraints: Gauge;
  eventsPublished: Counter;
  eventsDropped: Counter<"reason">;
  eventsPending: Gauge;
  certReloads: Counter<"result">;
}

/** Read at scrape time (gauges of state that lives elsewhere). */
export interface MetricProbes {
  cacheConnected?: () => boolean;
  cacheRevision?: () => number;
  cacheReady?: () => boolean;
  templates?: () => number;
  constraints?: () => number;
  eventsPending?: () => number;
}

export function webhookMetrics(registry: Registry, probes: MetricProbes = {}): WebhookMetrics {
  const registers = [registry];
  const probe = (f: (() => number | boolean) | undefined) =>
    f === undefined
      ? {}
      : {
          collect(this: Gauge) {
            this.set(Number(f()));
          },
        };
  return {
    requests: new Counter({
      name: "gatekeeper_validation_request_count",
      help: "The number of requests that are routed to validation webhook",
      labelNames: ["admission_status", "admission_dryrun"],
      registers,
    }),
    duration: new Histogram({
      name: "gatekeeper_validation_request_duration_seconds",
      help: "The response time in seconds",
      labelNames: ["admission_status", "admission_dryrun"],
      buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    labelRequests: new Counter({
      name: "portcullis_webhook_admitlabel_request_count",
      help: "Requests to the check-ignore-label webhook (/v1/admitlabel)",
      labelNames: ["admission_status"],
      registers,
    }),
    badRequests: new Counter({
      name: "portcullis_webhook_bad_requests_total",
      help: "Requests answered 4xx: malformed AdmissionReview, body too large, wrong media type",
      labelNames: ["reason"],
      registers,
    }),
    violations: new Counter({
      name: "portcullis_webhook_violations_total",
      help: "Constraint violations found at admission, by the action taken",
      labelNames: ["enforcement_action"],
      registers,
    }),
    cacheConnected: new Gauge({
      ...probe(probes.cacheConnected),
      name: "portcullis_webhook_cache_connected",
      help: "1 while Redis (the policy cache) is reachable; 0 means serving the last good state",
      registers,
    }),
    cacheRevision: new Gauge({
      ...probe(probes.cacheRevision),
      name: "portcullis_webhook_cache_revision",
      help: "Cache revision of the policy state being served",
      registers,
    }),
    cacheReady: new Gauge({
      ...probe(probes.cacheReady),
      name: "portcullis_webhook_cache_ready",
      help: "1 once the first snapshot is loaded",
      registers,
    }),
    templates: new Gauge({
      ...probe(probes.templates),
      name: "portcullis_webhook_templates",
      help: "Constraint templates loaded",
      registers,
    }),
    constraints: new Gauge({
      ...probe(probes.constraints),
      name: "portcullis_webhook_constraints",
      help: "Constraints loaded",
      registers,
    }),
    eventsPublished: new Counter({
      name: "portcullis_webhook_events_published_total",
      help: "Admission violation events stored in JetStream",
      registers,
    }),
    eventsDropped: new Counter({
      name: "portcullis_webhook_events_dropped_total",
      help: "Admission violation events given up on (buffer_full, failed, closed)",
      labelNames: ["reason"],
      registers,
    }),
    eventsPending: new Gauge({
      ...probe(probes.eventsPending),
      name: "portcullis_webhook_events_pending",
      help: "Admission violation events buffered, waiting for NATS",
      registers,
    }),
    certReloads: new Counter({
      name: "portcullis_webhook_certificate_reloads_total",
      help: "Serving certificate reloads from disk",
      labelNames: ["result"],
      registers,
    }),
  };
}
