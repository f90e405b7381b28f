/*
 * Realistic Kubernetes objects for the benchmark and the tests: Pods and
 * Ingresses of about 4 KB (after managedFields are stripped), templates
 * and constraints of the sizes the gatekeeper-library has.
 */
import { randomBytes } from "node:crypto";

type KObject = Record<string, unknown>;

const hex = (n: number): string =>
  randomBytes(Math.ceil(n / 2))
    .toString("hex")
    .slice(0, n);
const uid = (): string => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;

function managedFields(): KObject[] {
  return [
    {
      manager: "kube-controller-manager",
      operation: "Update",
      apiVersion: "v1",
      time: "2026-01-01T00:00:00Z",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }, "f:spec": { "f:containers": {} } },
    },
    {
      manager: "kubelet",
      operation: "Update",
      apiVersion: "v1",
      time: "2026-01-01T00:00:05Z",
      subresource: "status",
      fieldsType: "FieldsV1",
      fieldsV1: { "f:status": { "f:conditions": {}, "f:containerStatuses": {}, "f:podIP": {} } },
    },
  ];
}

export function pod(namespace: string, name: string, resourceVersion = 1): KObject {
  const app = name.replace(/-[^-]+-[^-]+$/, "");
  const container = (cname: string, image: string, port: number): KObject => ({
    name: cname,
    image,
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
    env: Array.from({ length: 4 }, (_, i) => ({ name: `SETTING_${i}`, value: hex(16) })),
    resources: { limits: { cpu: "500m", memory: "512Mi" }, requests: { cpu: "100m", memory: "128Mi" } },
    volumeMounts: [
      { name: "config", mountPath: "/etc/config", readOnly: true },
      {
        name: "kube-api-access-" + hex(5),
        mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
        readOnly: true,
      },
    ],
    livenessProbe: {
      httpGet: { path: "/healthz", port, scheme: "HTTP" },
      initialDelaySeconds: 10,
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: { path: "/readyz", port, scheme: "HTTP" },
      timeoutSeconds: 1,
      periodSeconds: 5,
      successThreshold: 1,
      failureThreshold: 3,
    },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
  });
  const condition = (type: string): KObject => ({
    type,
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: "2026-01-01T00:00:05Z",
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      uid: uid(),
      resourceVersion: String(resourceVersion),
      creationTimestamp: "2026-01-01T00:00:00Z",
      generateName: `${app}-${hex(10)}-`,
      labels: {
        app,
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/part-of": "shop",
        "pod-template-hash": hex(10),
        team: `team-${name.length % 7}`,
      },
      annotations: {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9090",
        "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z",
      },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `${app}-${hex(10)}`,
          uid: uid(),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: managedFields(),
    },
    spec: {
      containers: [
        container("app", `registry.example.com/shop/${app}:1.${resourceVersion % 50}.0`, 8080),
        {
          name: "sidecar",
          image: "registry.example.com/proxy:2.3.1",
          ports: [{ name: "proxy", containerPort: 15001, protocol: "TCP" }],
          resources: { limits: { cpu: "200m", memory: "128Mi" } },
        },
      ],
      volumes: [
        { name: "config", configMap: { name: `${app}-config`, defaultMode: 420 } },
        {
          name: "kube-api-access",
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
              { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            ],
          },
        },
      ],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: app,
      nodeName: `node-${name.length % 13}.example.internal`,
      securityContext: { fsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } },
      schedulerName: "default-scheduler",
      tolerations: [
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
    },
    status: {
      phase: "Running",
      conditions: ["Initialized", "Ready", "ContainersReady", "PodScheduled"].map(condition),
      hostIP: "10.0.1.17",
      podIP: `10.244.${resourceVersion % 250}.${name.length}`,
      startTime: "2026-01-01T00:00:01Z",
      qosClass: "Burstable",
      containerStatuses: ["app", "sidecar"].map((c) => ({
        name: c,
        state: { running: { startedAt: "2026-01-01T00:00:04Z" } },
        ready: true,
        restartCount: resourceVersion % 3,
        image: `registry.example.com/${c}:1.0.0`,
        imageID: `registry.example.com/${c}@sha256:${hex(64)}`,
        containerID: `containerd://${hex(64)}`,
        started: true,
      })),
    },
  };
}

export function ingress(namespace: string, name: string, resourceVersion = 1): KObject {
  const rules = Array.from({ length: 7 }, (_, i) => ({
    host: `${name}-${i}.${namespace}.shop.example.com`,
    http: {
      paths: Array.from({ length: 3 }, (_, j) => ({
        path: `/api/v${j + 1}/${name}/${hex(6)}`,
        pathType: "Prefix",
        backend: { service: { name: `${name}-svc-${j}`, port: { number: 8080 + j } } },
      })),
    },
  }));
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name,
      namespace,
      uid: uid(),
      resourceVersion: String(resourceVersion),
      generation: 1,
      creationTimestamp: "2026-01-01T00:00:00Z",
      labels: { app: name, "app.kubernetes.io/managed-by": "Helm", team: `team-${name.length % 7}` },
      annotations: {
        "cert-manager.io/cluster-issuer": "letsencrypt",
        "nginx.ingress.kubernetes.io/proxy-body-size": "8m",
        "meta.helm.sh/release-name": name,
        "meta.helm.sh/release-namespace": namespace,
      },
      managedFields: managedFields(),
    },
    spec: {
      ingressClassName: "nginx",
      tls: [{ hosts: rules.map((r) => r.host), secretName: `${name}-tls` }],
      rules,
    },
    status: { loadBalancer: { ingress: [{ ip: "203.0.113.10" }] } },
  };
}

export function template(kind: string): KObject {
  const rego = [
    `package ${kind.toLowerCase()}`,
    "",
    'violation[{"msg": msg, "details": {"missing_labels": missing}}] {',
    "  provided := {label | input.review.object.metadata.labels[label]}",
    "  required := {label | label := input.parameters.labels[_].key}",
    "  missing := required - provided",
    "  count(missing) > 0",
    '  msg := sprintf("you must provide labels: %v", [missing])',
    "}",
    "",
    'violation[{"msg": msg}] {',
    "  value := input.review.object.metadata.labels[key]",
    "  expected := input.parameters.labels[_]",
    "  expected.key == key",
    '  expected.allowedRegex != ""',
    "  not regex.match(expected.allowedRegex, value)",
    '  msg := sprintf("Label <%v: %v> does not satisfy allowed regex: %v", [key, value, expected.allowedRegex])',
    "}",
  ].join("\n");
  return {
    apiVersion: "templates.gatekeeper.sh/v1",
    kind: "ConstraintTemplate",
    metadata: {
      name: kind.toLowerCase(),
      uid: uid(),
      resourceVersion: "1",
      annotations: { "metadata.gatekeeper.sh/title": kind, "metadata.gatekeeper.sh/version": "1.1.0" },
    },
    spec: {
      crd: {
        spec: {
          names: { kind },
          validation: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                message: { type: "string" },
                labels: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: { key: { type: "string" }, allowedRegex: { type: "string" } },
                  },
                },
              },
            },
          },
        },
      },
      targets: [{ target: "admission.k8s.gatekeeper.sh", rego }],
    },
  };
}

export function constraint(kind: string, name: string): KObject {
  return {
    apiVersion: "constraints.gatekeeper.sh/v1beta1",
    kind,
    metadata: { name, uid: uid(), resourceVersion: "1" },
    spec: {
      enforcementAction: "deny",
      match: {
        kinds: [
          { apiGroups: [""], kinds: ["Pod"] },
          { apiGroups: ["networking.k8s.io"], kinds: ["Ingress"] },
        ],
        excludedNamespaces: ["kube-system", "gatekeeper-system"],
      },
      parameters: { labels: [{ key: "team", allowedRegex: "^team-[0-9]+$" }, { key: "app" }] },
    },
  };
}
