/* One Prometheus registry per process, with Node's default process metrics. */
import { collectDefaultMetrics, Registry } from "prom-client";

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export { Counter, Gauge, Histogram, type Registry } from "prom-client";
