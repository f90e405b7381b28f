/**
 * A call or comparison with an operand that always iterates (`coll[_]`) is
 * evaluated on the generator path from the start: the single-value attempt
 * used to evaluate the operands before the iterating one (a user function's
 * whole body, in apparmor's `get_apparmor_profile(pod, c) ==
 * allowedProfiles[_]`), give up on the iterating one, and start over, so
 * every such call ran twice.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/rego/index.ts";
import { toJSON, type Value } from "../../src/rego/value.ts";
import { counter } from "./helpers.ts";

function run(src: string, query: string, input: Value): { result: unknown; calls: number } {
  const c = counter();
  const q = compile([{ file: "t.rego", source: src }], { builtins: [c.def] }).prepare(query);
  return { result: q.eval({ input }), calls: c.calls() };
}

const INPUT: Value = {
  name: "b",
  obj: { name: "b", image: "registry/app:1" },
  arr: ["a", "b", "c"],
  prefixes: ["docker.io/", "registry/"],
};

describe("operands that always iterate", () => {
  it("evaluates the other side of a comparison once", () => {
    const src = `package t
import rego.v1
p if test.counted(input.name) == input.arr[_]
`;
    const r = run(src, "x := data.t.p", INPUT);
    expect(r.result).toEqual([{ x: true }]);
    expect(r.calls).toBe(1);
  });

  it("calls a user function on a composite argument once", () => {
    // composite arguments skip the function memo, so a second evaluation really runs the body
    const src = `package t
import rego.v1
name_of(o) := n if n := test.counted(o.name)
allowed(o) if name_of(o) == input.arr[_]
p if allowed(input.obj)
`;
    const r = run(src, "x := data.t.p", INPUT);
    expect(r.result).toEqual([{ x: true }]);
    expect(r.calls).toBe(1);
  });

  it("evaluates the arguments of a builtin call once", () => {
    const src = `package t
import rego.v1
p if startswith(test.counted(input.obj.image), input.prefixes[_])
`;
    const r = run(src, "x := data.t.p", INPUT);
    expect(r.result).toEqual([{ x: true }]);
    expect(r.calls).toBe(1);
  });

  it("still iterates every pair and stays undefined when nothing matches", () => {
    const src = `package t
import rego.v1
p contains [x, y] if test.counted(input.arr[x]) == input.arr[y]
q if test.counted(input.name) == input.prefixes[_]
`;
    const r = run(src, "x := data.t.p; not data.t.q", INPUT);
    expect(toJSON(r.result as Value)).toEqual([
      {
        x: [
          [0, 0],
          [1, 1],
          [2, 2],
        ],
      },
    ]);
    // three elements each, then the name against both prefixes: each counted operand once
    expect(r.calls).toBe(4);
  });

  it("tests each value of a last iterating argument, with `with` and strict errors as OPA has them", () => {
    // answers from opa eval 1.22: matched [0, 1], any_match and typed true, mocked undefined
    const src = `package t
import rego.v1
matched contains i if startswith(input.images[i], input.prefixes[_])
any_match if startswith(input.obj.image, input.prefixes[_])
mocked if startswith(input.obj.image, input.prefixes[_]) with startswith as never
never(_, _) := false
typed if startswith(input.obj.image, input.mixed[_])
`;
    const input = {
      images: ["registry/a", "docker.io/b", "quay.io/c"],
      prefixes: ["docker.io/", "registry/"],
      obj: { image: "registry/app:1" },
      mixed: [1, "registry/"],
    } as Value;
    const q = compile([{ file: "t.rego", source: src }]);
    expect(toJSON(q.prepare("x := data.t").eval({ input }) as Value)).toEqual([
      { x: { any_match: true, matched: [0, 1], typed: true } },
    ]);
    // strict: the number is met first, and its type error ends the evaluation
    expect(() => q.prepare("x := data.t.typed").eval({ input, strictBuiltinErrors: true })).toThrow(
      /startswith: operand 2 must be string but got number/,
    );
  });
});
