/**
 * Pods of realistic shape: n app containers plus init containers, each with
 * ports, env, resources, volume mounts, probes and a security context.
 * "identical" gives every container the same env and volume-mount blocks
 * (sidecars injected from one template), so set members share deep prefixes;
 * "distinct" varies them per container.
 */
import type { Obj } from "../library.ts";

export type Variant = "identical" | "distinct";
export const CONTAINER_COUNTS = [1, 4, 16, 64];
export const VARIANTS: Variant[] = ["identical", "distinct"];

function env(i: number, variant: Variant): Obj[] {
  const tag = variant === "identical" ? "shared" : `c${i}`;
  return [
    { name: "LOG_LEVEL", value: "info" },
    { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "http://otel-collector.observability:4317" },
    { name: "OTEL_SERVICE_NAME", value: `checkout-${tag}` },
    { name: "CONFIG_PATH", value: `/etc/config/${tag}.yaml` },
    { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } } },
    {
      name: "DB_PASSWORD",
      valueFrom: { secretKeyRef: { name: `db-credentials-${tag}`, key: "password", optional: false } },
    },
    { name: "FEATURE_FLAGS", value: "checkout-v2,fast-path,dark-launch" },
  ];
}

function volumeMounts(i: number, variant: Variant): Obj[] {
  const mounts: Obj[] = [
    { name: "config", mountPath: "/etc/config", readOnly: true },
    { name: "tmp", mountPath: "/tmp" },
  ];
  if (variant === "distinct") mounts.push({ name: `data-${i}`, mountPath: `/var/lib/app-${i}` });
  return mounts;
}

function container(name: string, i: number, variant: Variant, init: boolean): Obj {
  const c: Obj = {
    name,
    image: `registry.example.com/shop/${name}:1.${i}.0`,
    imagePullPolicy: "IfNotPresent",
    env: env(i, variant),
    resources: {
      limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "1Gi" },
      requests: { cpu: "250m", memory: "256Mi", "ephemeral-storage": "500Mi" },
    },
    volumeMounts: volumeMounts(i, variant),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
  if (!init) {
    c.args = ["--port", String(8080 + i), "--config", "/etc/config/app.yaml"];
    c.ports = [
      { name: "http", containerPort: 8080 + i, protocol: "TCP" },
      { name: "metrics", containerPort: 9090 + i, protocol: "TCP" },
    ];
    // one probe: host-probes-lifecycle's get_probe is a function with one rule per probe
    // kind, so a container with two probes is a conflict error (in OPA too)
    c.readinessProbe = { httpGet: { path: "/readyz", port: 8080 + i }, periodSeconds: 5 };
  }
  return c;
}

/** A Pod with `n` containers and max(1, n/4) init containers. */
export function pod(n: number, variant: Variant): Obj {
  const inits = Math.max(1, Math.floor(n / 4));
  const volumes: Obj[] = [
    { name: "config", configMap: { name: "checkout-config" } },
    { name: "tmp", emptyDir: {} },
  ];
  if (variant === "distinct")
    for (let i = 0; i < n + inits; i++)
      volumes.push({ name: `data-${i}`, persistentVolumeClaim: { claimName: `checkout-data-${i}` } });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `checkout-${n}-${variant}`,
      namespace: "shop",
      labels: { app: "checkout", owner: "shop-team", "app.kubernetes.io/version": "1.4.2" },
      annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "9090" },
    },
    spec: {
      serviceAccountName: "checkout",
      automountServiceAccountToken: false,
      securityContext: { fsGroup: 2000, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      initContainers: Array.from({ length: inits }, (_, i) => container(`init-${i}`, n + i, variant, true)),
      containers: Array.from({ length: n }, (_, i) => container(`app-${i}`, i, variant, false)),
      volumes,
    },
  };
}
