import { describe, expect, test } from "vitest";
import {
  type Matchable,
  MatchError,
  matches,
  selectorMatches,
  wildcardMatch,
} from "../../src/framework/index.ts";

function pod(ns: string, labels: Record<string, string> = {}, name = "p"): Matchable {
  const object = { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, labels } };
  return { gvk: { group: "", version: "v1", kind: "Pod" }, name, namespace: ns, object, source: "Original" };
}

function namespace(name: string, labels: Record<string, string> = {}): Matchable {
  const object = { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } };
  return {
    gvk: { group: "", version: "v1", kind: "Namespace" },
    name,
    namespace: "",
    object,
    source: "Original",
  };
}

const clusterRole: Matchable = {
  gvk: { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole" },
  name: "admin",
  namespace: "",
  object: { metadata: { name: "admin" } },
  source: "Original",
};

describe("wildcards", () => {
  test("prefix, suffix, infix and exact", () => {
    expect(wildcardMatch("kube-*", "kube-system")).toBe(true);
    expect(wildcardMatch("kube-*", "default")).toBe(false);
    expect(wildcardMatch("*-system", "kube-system")).toBe(true);
    expect(wildcardMatch("*-system", "system-x")).toBe(false);
    expect(wildcardMatch("*ub*", "kube")).toBe(true);
    expect(wildcardMatch("default", "default")).toBe(true);
    expect(wildcardMatch("default", "default2")).toBe(false);
    expect(wildcardMatch("*", "anything")).toBe(true);
  });
});

describe("kinds", () => {
  test("empty match selects everything", () => {
    expect(matches({}, pod("a"))).toBe(true);
  });
  test("group and kind lists with wildcards", () => {
    expect(matches({ kinds: [{ apiGroups: [""], kinds: ["Pod"] }] }, pod("a"))).toBe(true);
    expect(matches({ kinds: [{ apiGroups: ["apps"], kinds: ["Pod"] }] }, pod("a"))).toBe(false);
    expect(matches({ kinds: [{ apiGroups: ["*"], kinds: ["Pod"] }] }, pod("a"))).toBe(true);
    expect(matches({ kinds: [{ apiGroups: [""], kinds: ["*"] }] }, pod("a"))).toBe(true);
    expect(matches({ kinds: [{ apiGroups: [""], kinds: ["Service"] }] }, pod("a"))).toBe(false);
    expect(
      matches(
        {
          kinds: [
            { apiGroups: ["apps"], kinds: ["Deployment"] },
            { apiGroups: [""], kinds: ["Pod"] },
          ],
        },
        pod("a"),
      ),
    ).toBe(true);
  });
});

describe("scope", () => {
  test("Cluster, Namespaced and *", () => {
    expect(matches({ scope: "Cluster" }, clusterRole)).toBe(true);
    expect(matches({ scope: "Cluster" }, pod("a"))).toBe(false);
    expect(matches({ scope: "Namespaced" }, pod("a"))).toBe(true);
    expect(matches({ scope: "Namespaced" }, clusterRole)).toBe(false);
    expect(matches({ scope: "*" }, clusterRole)).toBe(true);
    // A Namespace is itself cluster-scoped.
    expect(matches({ scope: "Cluster" }, namespace("x"))).toBe(true);
  });
});

describe("a supplied Namespace object (gator test gives an empty one to objects without a namespace)", () => {
  const emptyNs = { apiVersion: "v1", kind: "Namespace", metadata: {} };
  const bare = (m: Matchable): Matchable => ({ ...m, namespaceObject: emptyNs, namespaceSupplied: true });
  test("namespace criteria look at its name, not the object's absence of one", () => {
    expect(matches({ namespaces: ["default"] }, pod(""))).toBe(true);
    expect(matches({ namespaces: ["default"] }, bare(pod("")))).toBe(false);
    expect(matches({ namespaces: ["*"] }, bare(clusterRole))).toBe(true);
    expect(matches({ excludedNamespaces: ["default"] }, bare(pod("")))).toBe(true);
  });
  test("scope sees a namespace, and a selector sees its (absent) labels", () => {
    expect(matches({ scope: "Cluster" }, bare(clusterRole))).toBe(false);
    expect(matches({ scope: "Namespaced" }, bare(clusterRole))).toBe(true);
    expect(matches({ namespaceSelector: { matchLabels: { a: "b" } } }, bare(clusterRole))).toBe(false);
    expect(matches({ namespaceSelector: { matchLabels: { a: "b" } } }, clusterRole)).toBe(true);
  });
  test("an unknown scope matches everything, as in Gatekeeper", () => {
    expect(matches({ scope: "cluster" }, pod("a"))).toBe(true);
  });
});

describe("namespaces and excludedNamespaces", () => {
  test("globs on the object's namespace", () => {
    expect(matches({ namespaces: ["prod-*"] }, pod("prod-eu"))).toBe(true);
    expect(matches({ namespaces: ["prod-*"] }, pod("dev"))).toBe(false);
    expect(matches({ excludedNamespaces: ["kube-*"] }, pod("kube-system"))).toBe(false);
    expect(matches({ excludedNamespaces: ["*-system"] }, pod("kube-system"))).toBe(false);
    expect(matches({ excludedNamespaces: ["kube-*"] }, pod("default"))).toBe(true);
  });
  test("a Namespace is matched by its own name; cluster-scoped objects pass", () => {
    expect(matches({ namespaces: ["team-*"] }, namespace("team-a"))).toBe(true);
    expect(matches({ excludedNamespaces: ["team-*"] }, namespace("team-a"))).toBe(false);
    expect(matches({ namespaces: ["team-*"] }, clusterRole)).toBe(true);
    expect(matches({ excludedNamespaces: ["*"] }, clusterRole)).toBe(true);
  });
});

describe("label selectors", () => {
  test("matchLabels and every matchExpressions operator", () => {
    const labels = { app: "web", tier: "front" };
    expect(selectorMatches({ matchLabels: { app: "web" } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: "db" } }, labels)).toBe(false);
    expect(
      selectorMatches({ matchExpressions: [{ key: "app", operator: "In", values: ["web", "x"] }] }, labels),
    ).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: "app", operator: "In", values: ["x"] }] }, labels),
    ).toBe(false);
    expect(
      selectorMatches({ matchExpressions: [{ key: "app", operator: "NotIn", values: ["x"] }] }, labels),
    ).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: "nope", operator: "NotIn", values: ["x"] }] }, labels),
    ).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] }, labels),
    ).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "Exists" }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "nope", operator: "Exists" }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "nope", operator: "DoesNotExist" }] }, labels)).toBe(
      true,
    );
    expect(selectorMatches({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels)).toBe(
      false,
    );
    expect(
      selectorMatches(
        {
          matchLabels: { app: "web" },
          matchExpressions: [{ key: "tier", operator: "In", values: ["back"] }],
        },
        labels,
      ),
    ).toBe(false);
  });
  test("labelSelector matches old or new object", () => {
    const m = pod("a", { app: "web" });
    expect(matches({ labelSelector: { matchLabels: { app: "web" } } }, m)).toBe(true);
    expect(matches({ labelSelector: { matchLabels: { app: "db" } } }, m)).toBe(false);
    const upd = { ...m, oldObject: { metadata: { labels: { app: "db" } } } };
    expect(matches({ labelSelector: { matchLabels: { app: "db" } } }, upd)).toBe(true);
  });
  test("namespaceSelector uses the namespace object, or a Namespace's own labels", () => {
    const sel = { namespaceSelector: { matchLabels: { env: "prod" } } };
    expect(matches(sel, { ...pod("a"), namespaceObject: { metadata: { labels: { env: "prod" } } } })).toBe(
      true,
    );
    expect(matches(sel, { ...pod("a"), namespaceObject: { metadata: { labels: { env: "dev" } } } })).toBe(
      false,
    );
    expect(matches(sel, namespace("a", { env: "prod" }))).toBe(true);
    expect(matches(sel, namespace("a", { env: "dev" }))).toBe(false);
    expect(matches(sel, clusterRole)).toBe(true);
    expect(() => matches(sel, pod("a"))).toThrow(MatchError);
  });
});

describe("name and source", () => {
  test("name glob", () => {
    expect(matches({ name: "web-*" }, pod("a", {}, "web-1"))).toBe(true);
    expect(matches({ name: "web-*" }, pod("a", {}, "db-1"))).toBe(false);
    expect(matches({ name: "db-1" }, pod("a", {}, "db-1"))).toBe(true);
  });
  test("source Original/Generated/All", () => {
    expect(matches({ source: "Generated" }, pod("a"))).toBe(false);
    expect(matches({ source: "Original" }, pod("a"))).toBe(true);
    expect(matches({ source: "All" }, pod("a"))).toBe(true);
    expect(matches({ source: "Generated" }, { ...pod("a"), source: "Generated" })).toBe(true);
  });
});
