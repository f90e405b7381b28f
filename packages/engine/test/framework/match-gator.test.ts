/**
 * spec.match outcomes recorded from gator v3.23.1 (`gator verify`, always-violating
 * template) over 24 match specs × 7 objects, with Namespaces prod/kube-system/dev in
 * the inventory. "1" = the constraint applied.
 */
import { describe, expect, test } from "vitest";
import { Client } from "../../src/framework/index.ts";

const OBJECTS: Record<string, unknown> = {
  "pod-prod": {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "x", namespace: "prod", labels: { a: "b" } },
  },
  "pod-kube": { apiVersion: "v1", kind: "Pod", metadata: { name: "xy", namespace: "kube-system" } },
  "dep-dev": {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "y", namespace: "dev", labels: { a: "c" } },
  },
  "ns-prod": { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod", labels: { env: "prod" } } },
  "ns-kube": { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } },
  crole: {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "x", labels: { a: "b" } },
  },
  // Its namespace is not in the inventory.
  "pod-nolabels-noinvns": { apiVersion: "v1", kind: "Pod", metadata: { name: "z", namespace: "other" } },
};

const INVENTORY = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod", labels: { env: "prod" } } },
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "kube-system" } },
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "dev", labels: { env: "dev" } } },
];

const CASES: [string, unknown, string][] = [
  ["empty", {}, "1111111"],
  ["kinds-pod", { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] }, "1100001"],
  ["kinds-emptygroups", { kinds: [{ apiGroups: [], kinds: ["Pod"] }] }, "1100001"],
  ["kinds-nokinds", { kinds: [{ apiGroups: [""] }] }, "1101101"],
  ["kinds-emptylist", { kinds: [] }, "1111111"],
  ["kinds-star", { kinds: [{ apiGroups: ["*"], kinds: ["*"] }] }, "1111111"],
  ["scope-cluster", { scope: "Cluster" }, "0001110"],
  ["scope-ns", { scope: "Namespaced" }, "1110001"],
  ["ns-prod", { namespaces: ["prod"] }, "1001010"],
  ["ns-prefix", { namespaces: ["pro*"] }, "1001010"],
  ["ns-suffix", { namespaces: ["*od"] }, "1001010"],
  ["ns-empty", { namespaces: [] }, "1111111"],
  ["exns-prod", { excludedNamespaces: ["prod"] }, "0110111"],
  ["exns-kube", { excludedNamespaces: ["kube-*"] }, "1011011"],
  ["name-x", { name: "x" }, "1000010"],
  ["name-glob", { name: "x*" }, "1100010"],
  ["labelsel", { labelSelector: { matchLabels: { a: "b" } } }, "1000010"],
  [
    "labelsel-notin",
    { labelSelector: { matchExpressions: [{ key: "a", operator: "NotIn", values: ["b"] }] } },
    "0111101",
  ],
  [
    "labelsel-dne",
    { labelSelector: { matchExpressions: [{ key: "a", operator: "DoesNotExist" }] } },
    "0101101",
  ],
  ["nssel", { namespaceSelector: { matchLabels: { env: "prod" } } }, "1001010"],
  [
    "nssel-dne",
    { namespaceSelector: { matchExpressions: [{ key: "env", operator: "DoesNotExist" }] } },
    "0100110",
  ],
  ["src-gen", { source: "Generated" }, "0000000"],
  ["src-orig", { source: "Original" }, "1111111"],
  ["src-all", { source: "All" }, "1111111"],
];

const TEMPLATE = {
  apiVersion: "templates.gatekeeper.sh/v1",
  kind: "ConstraintTemplate",
  metadata: { name: "k8salways" },
  spec: {
    crd: { spec: { names: { kind: "K8sAlways" } } },
    targets: [
      {
        target: "admission.k8s.gatekeeper.sh",
        code: [
          {
            engine: "K8sNativeValidation",
            source: { validations: [{ expression: "false", message: "hit" }] },
          },
        ],
      },
    ],
  },
};

describe("spec.match agrees with gator", () => {
  for (const [name, match, want] of CASES) {
    test(name, () => {
      const c = new Client();
      c.addTemplate(TEMPLATE);
      c.addConstraint({
        apiVersion: "constraints.gatekeeper.sh/v1beta1",
        kind: "K8sAlways",
        metadata: { name: "c" },
        spec: { match },
      });
      for (const o of INVENTORY) c.addData(o);
      const got = Object.values(OBJECTS)
        .map((o) => (c.review(o).results.some((r) => r.msg === "hit") ? "1" : "0"))
        .join("");
      expect(got).toBe(want);
    });
  }
});
