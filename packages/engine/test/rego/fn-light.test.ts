/**
 * Light functions (eval/fn-light.ts) run again instead of being memoised when
 * called with a composite argument: which functions qualify, and that calls
 * give the same results, errors and conflicts either way.
 */
import { describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../../src/rego/compile/compiler.ts";
import type { RNode } from "../../src/rego/compile/tree.ts";
import { nodeAt } from "../../src/rego/compile/tree.ts";
import { isLightFunction, skipsMemo } from "../../src/rego/eval/fn-light.ts";
import { compile, type Value } from "../../src/rego/index.ts";

const SRC = `package v
import rego.v1

is_exempt(container) if {
  exempt_images := object.get(object.get(input, "parameters", {}), "exemptImages", [])
  img := container.image
  exemption := exempt_images[_]
  _matches_exemption(img, exemption)
}
_matches_exemption(img, exemption) if {
  not endswith(exemption, "*")
  exemption == img
}
_matches_exemption(img, exemption) if {
  endswith(exemption, "*")
  prefix := trim_suffix(exemption, "*")
  startswith(img, prefix)
}
compr(x) := [y | some y in x]
reads_data(x) := data.v.limits[x.name]
uses_every(x) if every y in x { y > 0 }
calls_heavy(x) := compr(x)
noisy(x) if print(x)
clash(x) := 1 if x.a
clash(x) := 2 if x.b
`;

function rootOf(src: string): RNode {
  return (compile([{ file: "v.rego", source: src }]) as unknown as { cp: { root: RNode } }).cp.root;
}

describe("light functions", () => {
  const root = rootOf(SRC);
  const light = (name: string) => isLightFunction(nodeAt(root, ["v", name], false)!, root);

  it("a few expressions over arguments and input, calling light functions, are light", () => {
    expect(light("is_exempt")).toBe(true);
    expect(light("_matches_exemption")).toBe(true);
    expect(light("clash")).toBe(true);
  });

  it("comprehensions, every, data reads, loud builtins and heavy callees are not", () => {
    expect(light("compr")).toBe(false);
    expect(light("reads_data")).toBe(false);
    expect(light("uses_every")).toBe(false);
    expect(light("calls_heavy")).toBe(false);
    expect(light("noisy")).toBe(false);
  });

  it("only a light function called from one place skips the memo", () => {
    const src = `package v
import rego.v1
once(x) if x.a
twice(x) if x.a
r1 contains c if { some c in input.cs; once(c) }
r2 contains c if { some c in input.cs; twice(c) }
r3 contains c if { some c in input.cs; not twice(c) }
`;
    const cp = (compile([{ file: "v.rego", source: src }]) as unknown as { cp: CompiledPolicy }).cp;
    expect(skipsMemo(nodeAt(cp.root, ["v", "once"], false)!, cp)).toBe(true);
    expect(skipsMemo(nodeAt(cp.root, ["v", "twice"], false)!, cp)).toBe(false);
  });

  it("a long body is not light", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `  x.f${i} == ${i}`).join("\n");
    const r = rootOf(`package v\nimport rego.v1\nlong(x) if {\n${lines}\n}\n`);
    expect(isLightFunction(nodeAt(r, ["v", "long"], false)!, r)).toBe(false);
  });

  it("calls with composite arguments give the same values, repeated or not", () => {
    const q = compile([{ file: "v.rego", source: SRC }]).prepare(
      "xs := [c | some c in input.containers; not data.v.is_exempt(c)]; ys := [data.v.is_exempt(c) | some c in input.containers]",
    );
    const c1 = { name: "a", image: "nginx" };
    const c2 = { name: "b", image: "gcr.io/x" };
    const input = { containers: [c1, c2, c1, c2], parameters: { exemptImages: ["gcr.io/*"] } } as Value;
    const rs = q.eval({ input });
    expect(rs).toEqual([{ xs: [c1, c1], ys: [true, true] }]);
  });

  it("a conflict between definitions is still raised", () => {
    const q = compile([{ file: "v.rego", source: SRC }]).prepare("r := data.v.clash(input.x)");
    expect(() => q.eval({ input: { x: { a: true, b: true } } as Value })).toThrow(/multiple outputs/);
    expect(q.eval({ input: { x: { a: true } } as Value })).toEqual([{ r: 1 }]);
  });
});
