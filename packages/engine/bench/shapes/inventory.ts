/**
 * Inventories for the referential templates (those reading data.inventory):
 * n realistic objects spread over √n namespaces in Gatekeeper's layout, and
 * for each template a review object that collides with nothing (the common
 * case) and one that collides with an inventory object.
 */
import type { Obj } from "../library.ts";

export const INVENTORY_SIZES = [100, 1000, 10000];

export interface InventoryShape {
  /** the object in the inventory at index i of n */
  object(i: number, ns: string): Obj;
  /** the reviewed object; `collide` makes it conflict with inventory object 0 */
  review(collide: boolean): Obj;
}

const labels = (i: number): Obj => ({ app: `app-${i}`, "app.kubernetes.io/part-of": "shop", tier: "web" });

const ingress = (name: string, ns: string, host: string): Obj => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: {
    name,
    namespace: ns,
    labels: { app: name },
    annotations: { "kubernetes.io/ingress.class": "nginx" },
  },
  spec: {
    tls: [{ hosts: [host], secretName: `${name}-tls` }],
    rules: [
      {
        host,
        http: {
          paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { number: 80 } } } }],
        },
      },
    ],
  },
});

const service = (name: string, ns: string, selector: Obj): Obj => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: ns, labels: { app: name } },
  spec: {
    type: "ClusterIP",
    selector,
    ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }],
  },
});

const deployment = (name: string, ns: string, matchLabels: Obj): Obj => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns, labels: matchLabels },
  spec: {
    replicas: 3,
    selector: { matchLabels },
    template: {
      metadata: { labels: matchLabels },
      spec: { containers: [{ name: "app", image: `registry.example.com/shop/${name}:1.0.0` }] },
    },
  },
});

/** Keyed by template directory (relative to the library). */
export const INVENTORY_SHAPES: Record<string, InventoryShape> = {
  "general/uniqueingresshost": {
    object: (i, ns) => ingress(`ing-${i}`, ns, `svc-${i}.shop.example.com`),
    review: (collide) =>
      ingress("ing-new", "ns-0", collide ? "svc-0.shop.example.com" : "new.shop.example.com"),
  },
  "general/uniqueserviceselector": {
    object: (i, ns) => service(`svc-${i}`, ns, labels(i)),
    review: (collide) => service("svc-new", "ns-0", labels(collide ? 0 : -1)),
  },
  "general/poddisruptionbudget": {
    // object 0's budget allows no disruption, so a workload it selects is denied
    object: (i, ns) => ({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: `pdb-${i}`, namespace: ns },
      spec: {
        selector: { matchLabels: labels(i) },
        ...(i === 0 ? { maxUnavailable: 0 } : { minAvailable: 1 }),
      },
    }),
    review: (collide) => deployment("deploy-new", "ns-0", labels(collide ? 0 : -1)),
  },
  "general/horizontalpodautoscaler": {
    object: (i, ns) => deployment(`deploy-${i}`, ns, labels(i)),
    // the common case is a scale target that exists; "collide" names one that does not
    review: (collide) => ({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "hpa-new", namespace: "ns-0" },
      spec: {
        minReplicas: 3,
        maxReplicas: 10,
        scaleTargetRef: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: collide ? "deploy-missing" : "deploy-0",
        },
      },
    }),
  },
};

/** n objects of a shape over round(√n) namespaces ns-0…; object 0 is in ns-0. */
export function inventoryObjects(shape: InventoryShape, n: number): Obj[] {
  const namespaces = Math.max(1, Math.round(Math.sqrt(n)));
  return Array.from({ length: n }, (_, i) => shape.object(i, `ns-${i % namespaces}`));
}
