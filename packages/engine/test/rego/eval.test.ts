import { describe, expect, it } from "vitest";
import { compile } from "../../src/rego/index.ts";
import { RSet } from "../../src/rego/value.ts";
import { errorOf, run } from "./helpers.ts";

describe("rego evaluation", () => {
  it("partial sets, objects and complete rules", () => {
    const src = `package t
p contains x if { some x in [1, 2, 3]; x > 1 }
o[k] := v if { some k, v in {"a": 1, "b": 2} }
c := count(p)`;
    expect(run(src, "x := data.t")).toEqual([{ x: { c: 2, o: { a: 1, b: 2 }, p: [2, 3] } }]);
    expect(run(src, "data.t.p[x]")).toEqual([{ x: 2 }, { x: 3 }]);
    expect(run(src, "data.t.p[1]")).toEqual([]);
    expect(run(src, "data.t.o.b = x")).toEqual([{ x: 2 }]);
  });

  it("reorders expressions for safety", () => {
    expect(run("package t\np if { x > 1; x = input.n }", "data.t.p = x", { input: { n: 2 } })).toEqual([
      { x: true },
    ]);
  });

  it("reports unsafe vars", () => {
    const e = errorOf(() => run("package t\np if { x > 1 }", "data.t.p"));
    expect(e.errors[0].code).toBe("rego_unsafe_var_error");
    expect(e.errors[0].message).toBe("var x is unsafe");
  });

  it("reports recursion", () => {
    const e = errorOf(() => run("package t\np if q\nq if p", "data.t.p"));
    expect(e.errors[0].code).toBe("rego_recursion_error");
  });

  it("reports undefined functions", () => {
    const e = errorOf(() => run("package t\np if nope(1)", "data.t.p"));
    expect(e.errors[0].code).toBe("rego_type_error");
    expect(e.errors[0].message).toContain("undefined function nope");
  });

  it("raises conflicts for complete rules and functions", () => {
    expect(errorOf(() => run("package t\np := 1\np := 2", "data.t.p")).errors[0].code).toBe(
      "eval_conflict_error",
    );
    const f = "package t\nf(x) := 1 if x > 0\nf(x) := 2 if x > 1\np := f(5)";
    expect(errorOf(() => run(f, "data.t.p")).errors[0].message).toBe(
      "functions must not produce multiple outputs for same inputs",
    );
  });

  it("else chains and defaults", () => {
    const src = `package t
default d := "none"
f(x) := "big" if { x > 10 } else := "small"
p := [f(1), f(20)]`;
    expect(run(src, "x := data.t")).toEqual([{ x: { d: "none", p: ["small", "big"] } }]);
  });

  it("hoists call operands out of negation like OPA", () => {
    const src = `package t
f(x) := x
a if { not f(input.missing) }
b if { not input.missing == 1 }
c if { not input.missing }`;
    expect(run(src, "x := data.t", { input: {} })).toEqual([{ x: { b: true, c: true } }]);
  });

  it("with replaces input, data and functions without copying", () => {
    const src = `package t
f(x) := x + 1
p := input.a
q := data.base.v
r := f(1)
s := [p, q, r] if { true }
t1 := x if { x := s with input.a as 10 with data.base.v as 20 with f as g }
g(x) := x * 100`;
    expect(run(src, "data.t.t1 = x", { input: { a: 1 }, data: { base: { v: 2 } } })).toEqual([
      { x: [10, 20, 100] },
    ]);
  });

  it("every, some in, comprehensions", () => {
    const src = `package t
all_pos if { every x in input.xs { x > 0 } }
pairs := {k: v | some k, v in {"a": 1}}
evens := [x | some x in input.xs; x % 2 == 0]`;
    expect(run(src, "x := data.t", { input: { xs: [1, 2, 4] } })).toEqual([
      { x: { all_pos: true, evens: [2, 4], pairs: { a: 1 } } },
    ]);
  });

  it("merges base and virtual documents", () => {
    const src = "package a.b\np := 1";
    expect(run(src, "x := data.a", { data: { a: { c: 2 } } })).toEqual([{ x: { b: { p: 1 }, c: 2 } }]);
  });

  it("object patterns unify", () => {
    expect(run("package t", `{"a": x, "b": 2} = {"a": 1, "b": y}`)).toEqual([{ x: 1, y: 2 }]);
  });

  it("sets are values", () => {
    const p = compile([{ file: "t.rego", source: "package t\ns := {1, 2}" }]);
    const rows = p.prepare("x := data.t.s").eval();
    expect(rows[0].x).toBeInstanceOf(RSet);
  });

  it("print writes lines with <undefined>", () => {
    const lines: string[] = [];
    const p = compile([{ file: "t.rego", source: 'package t\np if { print("v", input.x, 1) }' }]);
    p.prepare("data.t.p").eval({ input: {}, print: (l) => lines.push(l) });
    expect(lines).toEqual(["v <undefined> 1"]);
  });

  it("enforces a step budget", () => {
    const src = "package t\np := count([x | some x in numbers.range(1, 100000); x > 0])";
    const p = compile([{ file: "t.rego", source: src }]);
    const e = errorOf(() => p.prepare("data.t.p").eval({ maxSteps: 5000 }));
    expect(e.errors[0].code).toBe("eval_cancel_error");
  });

  it("rule indexing on ref heads and v0 syntax", () => {
    const src = `package t
deny[msg] { input.kind == "Pod"; msg := "pod" }
deny[msg] { input.kind == "Svc"; msg := "svc" }`;
    expect(run(src, "data.t.deny = x", { input: { kind: "Pod" }, v0: true })).toEqual([{ x: ["pod"] }]);
  });

  it("iterates objects and sets in sorted key order, like OPA", () => {
    const src = `package t
ks := [k | some k, _ in input.o]
ss := [x | some x in {"b", "a", "c"}]`;
    expect(run(src, "x := data.t", { input: { o: { b: 1, a: 2, c: 3 } } })).toEqual([
      { x: { ks: ["a", "b", "c"], ss: ["a", "b", "c"] } },
    ]);
  });

  it("zero-argument rules may be called with parens (v0)", () => {
    const src = `package t
f() = out { out := input.v }
p { f() == 1 }
q = f`;
    expect(run(src, "x := data.t", { input: { v: 1 }, v0: true })).toEqual([{ x: { f: 1, p: true, q: 1 } }]);
  });

  it("with can replace a rule by name", () => {
    const src = `package t
p := 1
q := p + 1
r := v if { v := q with p as 10 }`;
    expect(run(src, "data.t.r = x")).toEqual([{ x: 11 }]);
  });

  it("complete rules with constant values stop at the first solution", () => {
    const lines: string[] = [];
    const p = compile([{ file: "t.rego", source: 'package t\np if { some y in [1, 2]; print("y", y) }' }]);
    p.prepare("data.t.p").eval({ print: (l) => lines.push(l) });
    expect(lines).toEqual(["y 1"]);
  });

  it("v1 rejects deprecated builtins", () => {
    const e = errorOf(() => run("package t\np if any([true])", "data.t.p"));
    expect(e.errors[0].message).toBe("deprecated built-in function calls in expression: any");
  });

  it("deadline cancels evaluation", () => {
    const src = "package t\np := count([x | some x in numbers.range(1, 1000000); x > 0])";
    const p = compile([{ file: "t.rego", source: src }]);
    const e = errorOf(() => p.prepare("data.t.p").eval({ deadline: Date.now() - 1 }));
    expect(e.errors[0].code).toBe("eval_cancel_error");
  });

  it("lists rules for test runners", () => {
    const p = compile([{ file: "t.rego", source: "package a.b\ntest_x if true\nf(x) := x" }]);
    expect(p.rules().map((r) => [r.path.join("."), r.name, r.kind])).toEqual([
      ["a.b", "test_x", "value"],
      ["a.b", "f", "function"],
    ]);
  });
});
