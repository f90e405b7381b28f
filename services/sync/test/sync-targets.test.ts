import { describe, expect, it } from "vitest";
import { excludedFor, namespaceExcluded, syncTargets } from "../src/sync-targets.ts";

const config = {
  apiVersion: "config.gatekeeper.sh/v1alpha1",
  kind: "Config",
  metadata: { name: "config", namespace: "gatekeeper-system" },
  spec: {
    sync: {
      syncOnly: [
        { group: "", version: "v1", kind: "Namespace" },
        { group: "networking.k8s.io", version: "v1", kind: "Ingress" },
        { group: "apps", kind: "Deployment" },
      ],
    },
    match: [
      { excludedNamespaces: ["kube-*", "*-system"], processes: ["*"] },
      { excludedNamespaces: ["audit-only"], processes: ["audit"] },
      { excludedNamespaces: ["sync-only"], processes: ["sync"] },
    ],
  },
};

describe("sync targets", () => {
  it("unions Config syncOnly and SyncSet gvks, reporting bad entries", () => {
    const t = syncTargets(config, [
      {
        metadata: { name: "a" },
        spec: { gvks: [{ group: "networking.k8s.io", version: "v1", kind: "Ingress" }] },
      },
      { metadata: { name: "b" }, spec: { gvks: [{ group: "", version: "v1", kind: "Service" }] } },
    ]);
    expect([...t.gvks.keys()]).toEqual(["networking.k8s.io/v1/Ingress", "v1/Namespace", "v1/Service"]);
    expect(t.problems).toEqual(["Config spec.sync.syncOnly[2]: needs version and kind"]);
    expect(t.excludedNamespaces).toEqual(["kube-*", "*-system", "sync-only"]);
  });

  it("takes exclusions per process and matches globs", () => {
    expect(excludedFor(config, "audit")).toEqual(["kube-*", "*-system", "audit-only"]);
    expect(excludedFor(undefined, "sync")).toEqual([]);
    const ex = ["kube-*", "*-system", "exact"];
    expect(namespaceExcluded(ex, "kube-public")).toBe(true);
    expect(namespaceExcluded(ex, "gatekeeper-system")).toBe(true);
    expect(namespaceExcluded(ex, "exact")).toBe(true);
    expect(namespaceExcluded(ex, "exactly")).toBe(false);
    expect(namespaceExcluded(ex, "")).toBe(false);
  });

  it("syncs nothing without Config or SyncSets", () => {
    expect(syncTargets(undefined, []).gvks.size).toBe(0);
  });
});
