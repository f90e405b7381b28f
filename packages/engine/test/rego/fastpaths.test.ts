/** Semantics the evaluator's fast paths must keep (see eval/body.ts, eval/walk.ts, value.ts RSet). */
import { describe, expect, it } from "vitest";
import { type BuiltinDef, compile } from "../../src/rego/index.ts";
import { RSet, toJSON, type Value } from "../../src/rego/value.ts";
import { errorOf, run } from "./helpers.ts";

describe("evaluator fast paths", () => {
  it("sets deduplicate by Rego equality and iterate sorted", () => {
    const src = `package t
a := count({["a,\\"b"], ["a", "b"]})
b := count({1, 1.0, {"x": 1, "y": 2}, {"y": 2, "x": 1}})
c := [x | some x in {"b", "c", "a", "b"}]
d := {"b", "a"} == {"a", "b"}`;
    expect(run(src, "x := data.t")).toEqual([{ x: { a: 2, b: 2, c: ["a", "b", "c"], d: true } }]);
    const s = new RSet(["b", "a", "b", 2, 2.0]);
    expect(s.size).toBe(3);
    expect(s.has("a") && s.has(2) && !s.has("c")).toBe(true);
    expect(s.sorted()).toEqual([2, "a", "b"]);
  });

  it("functions are memoised per evaluation, but not while print output is observed", () => {
    // A counting builtin shows how often f's body really ran.
    let calls = 0;
    const counted: BuiltinDef = {
      name: "test.counted",
      arity: 1,
      impl: ([x]) => {
        calls++;
        return x;
      },
    };
    const src = `package t
f(x) := y if { print("f", x); y := test.counted(x) + 1 }
p := [f(1), f(1), f(2)]`;
    const query = compile([{ file: "t.rego", source: src }], { builtins: [counted] }).prepare(
      "x := data.t.p",
    );
    expect(query.eval().map((r) => toJSON(r as Value))).toEqual([{ x: [2, 2, 3] }]);
    expect(calls).toBe(2);
    calls = 0;
    const lines: string[] = [];
    expect(query.eval({ print: (l) => lines.push(l) }).map((r) => toJSON(r as Value))).toEqual([
      { x: [2, 2, 3] },
    ]);
    expect(lines).toEqual(["f 1", "f 1", "f 2"]);
    expect(calls).toBe(3);
    calls = 0;
    query.eval();
    expect(calls).toBe(2); // per evaluation: nothing carried over from the last one
  });

  it("membership tests iterate either side", () => {
    const src = `package t
a if input.xs[_] == "b"
b if "c" == input.xs[_]
c contains x if { some x in input.xs; input.ys[_] == x }`;
    expect(run(src, "x := data.t", { input: { xs: ["a", "b"], ys: ["b", "z", "a"] } })).toEqual([
      { x: { a: true, c: ["a", "b"] } },
    ]);
  });

  it("an undefined side does not skip evaluating rules on the other", () => {
    const src = `package t
bad := [1] if input.go
bad := [2] if input.go
p if data.t.bad[_] == input.missing`;
    expect(errorOf(() => run(src, "data.t.p", { input: { go: true } })).errors[0].code).toBe(
      "eval_conflict_error",
    );
  });

  it("data refs honour with-masks on their constant prefix", () => {
    const src = `package t
import rego.v1
b := 1
q := data.t.b
r := v if v := q with data.t.b as 5`;
    expect(run(src, "x := data.t.r")).toEqual([{ x: 5 }]);
    expect(run(src, "x := data.t.q")).toEqual([{ x: 1 }]);
  });

  it("comparisons replaced by with keep their replacement", () => {
    const src = `package t
lt_always(_, _) := true
p if { 2 < 1 with lt as lt_always }`;
    expect(run(src, "x := data.t.p")).toEqual([{ x: true }]);
  });

  it("a function's calls do not see each other's bindings", () => {
    // argument bindings, values, conflicts and errors of one call must not reach the next
    const src = `package t
import rego.v1
inc(x) := y if y := x + 1
pick(x) := "one" if x == 1
else := "two" if x == 2
part(x) := x if x > 0
part(x) := 0 if x <= 0
clash(x) := 1 if x.a
clash(x) := 2 if x.b
p := [inc(1), inc(2), inc(1), pick(1), pick(2), pick(1)]
q := [v | some x in [3, -1, 5]; v := part(x)]
r := [v | some x in [{"a": true}, {"c": true}]; v := clash(x)]
s := [inc(inc(1)), count([1 | inc(input.n) == 0])]`;
    expect(run(src, "x := data.t", { input: { n: -1 } })).toEqual([
      { x: { p: [2, 3, 2, "one", "two", "one"], q: [3, 0, 5], r: [1], s: [3, 1] } },
    ]);
    const q = compile([{ file: "t.rego", source: src }]).prepare("x := data.t.clash(input.x)");
    expect(errorOf(() => q.eval({ input: { x: { a: true, b: true } } })).errors[0].code).toBe(
      "eval_conflict_error",
    );
    expect(q.eval({ input: { x: { b: true } } }).map((r) => toJSON(r as Value))).toEqual([{ x: 2 }]);
  });
});
