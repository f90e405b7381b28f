import { describe, expect, test } from "vitest";
import { KindIndex } from "../../src/framework/kind-index.ts";
import { compileKinds } from "../../src/framework/match.ts";

describe("KindIndex", () => {
  test("lookups see exact, any-group, any-kind and catch-all entries, each once", () => {
    const idx = new KindIndex<string>();
    idx.add("pod", compileKinds([{ apiGroups: [""], kinds: ["Pod"] }]));
    idx.add("anygroup-pod", compileKinds([{ apiGroups: ["*"], kinds: ["Pod"] }]));
    idx.add("apps-any", compileKinds([{ apiGroups: ["apps"], kinds: [] }]));
    idx.add("all", compileKinds(undefined));
    idx.add(
      "multi",
      compileKinds([{ apiGroups: ["", "apps"], kinds: ["Pod", "Deployment"] }, { kinds: ["Pod"] }]),
    );
    const look = (g: string, k: string) => idx.lookup(g, k).sort();
    expect(look("", "Pod")).toEqual(["all", "anygroup-pod", "multi", "pod"]);
    expect(look("apps", "Deployment")).toEqual(["all", "apps-any", "multi"]);
    expect(look("apps", "Pod")).toEqual(["all", "anygroup-pod", "apps-any", "multi"]);
    expect(look("", "Namespace")).toEqual(["all"]);
    expect(look("*", "*")).toEqual(["all"]);
    idx.delete("all");
    idx.delete("multi");
    expect(look("", "Namespace")).toEqual([]);
    expect(look("apps", "Deployment")).toEqual(["apps-any"]);
    // Re-adding replaces the item's keys.
    idx.add("pod", compileKinds([{ apiGroups: [""], kinds: ["Namespace"] }]));
    expect(look("", "Pod")).toEqual(["anygroup-pod"]);
    expect(look("", "Namespace")).toEqual(["pod"]);
    expect(idx.size).toBe(3);
  });

  test("compileKinds: wildcards and the catch-all", () => {
    expect(compileKinds([])).toBeUndefined();
    expect(compileKinds("junk")).toBeUndefined();
    expect(compileKinds([{ apiGroups: ["*"], kinds: ["*"] }])).toBeUndefined();
    expect(compileKinds([{ apiGroups: ["apps"] }, {}])).toBeUndefined();
    expect(compileKinds([{ apiGroups: ["apps", "*"], kinds: ["A", "A"] }])).toEqual([
      { group: undefined, kind: "A" },
    ]);
  });
});
