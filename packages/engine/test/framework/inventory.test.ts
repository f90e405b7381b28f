import { describe, expect, test } from "vitest";
import { Inventory } from "../../src/framework/index.ts";

const pod = (name: string, ns = "default") => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns },
});
const ns = (name: string) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });

describe("inventory", () => {
  test("Gatekeeper's layout: cluster[gv][Kind][name], namespace[ns][gv][Kind][name]", () => {
    const inv = new Inventory();
    expect(inv.add(pod("a"))).toBe(true);
    expect(inv.add(ns("default"))).toBe(true);
    expect(inv.add({ kind: "Pod" })).toBe(false);
    expect(inv.root).toEqual({
      cluster: { v1: { Namespace: { default: ns("default") } } },
      namespace: { default: { v1: { Pod: { a: pod("a") } } } },
    });
    expect(inv.namespace("default")).toEqual(ns("default"));
    inv.remove(pod("a"));
    inv.remove(pod("never-added"));
    expect(inv.root).toEqual({ cluster: { v1: { Namespace: { default: ns("default") } } }, namespace: {} });
  });

  test("a handed-out tree is never mutated (evaluators cache by identity)", () => {
    const inv = new Inventory();
    inv.add(pod("a"));
    const before = inv.root;
    const frozen = structuredClone(before);
    inv.add(pod("b"));
    inv.remove(pod("a"));
    expect(before).toEqual(frozen);
    const after = inv.root;
    expect(after).not.toBe(before);
    expect(Object.keys((after.namespace as any).default.v1.Pod)).toEqual(["b"]);
    // Untouched subtrees are shared, not copied.
    inv.add(ns("x"));
    expect((inv.root.namespace as any).default).toBe((after.namespace as any).default);
  });
});
