/**
 * The compile-time type checker: what OPA rejects with rego_type_error (and
 * where), and what it must keep accepting. Locations and messages below are
 * the ones `opa check` (v1.22) reports for the same modules.
 */
import { describe, expect, test } from "vitest";
import { compile, RegoError, type RegoErrorDetail } from "../../src/rego/index.ts";

function errorsOf(src: string, regoVersion: 0 | 1 = 1): RegoErrorDetail[] {
  try {
    compile([{ file: "t.rego", source: `package t\n\n${src}\n` }], { regoVersion });
    return [];
  } catch (e) {
    if (e instanceof RegoError) return e.errors;
    throw e;
  }
}

/** [rule lines after `package t`, row, col, message's first line] */
const REJECTED: [string, number, number, string][] = [
  ["a := count(5)", 3, 6, "count: invalid argument(s)"],
  ['b := 1 + "a"', 3, 6, "plus: invalid argument(s)"],
  ["c if input.x == concat(1, [])", 3, 17, "concat: invalid argument(s)"],
  ['d if { x := 1; x == "a" }', 3, 16, "match error"],
  ['e if { s := "abc"; s.foo }', 3, 20, "undefined ref: s.foo"],
  ["f := [1, 2].foo", 3, 6, "undefined ref: [1, 2].foo"],
  ['g if { "a" in [1, 2] }', 3, 8, "match error"],
  ['h if { some x in [1, 2]; x == "a" }', 3, 26, "match error"],
  ['fn(x) := y if { y := x + 1 }\ni := fn("a")', 4, 6, "data.t.fn: invalid argument(s)"],
  ["j contains 1\nk if j.foo", 4, 6, "undefined ref: data.t.j.foo"],
  ["mock(x, y) := 1\nl if { count([1]) == 1 with count as mock }", 4, 24, "count: arity mismatch"],
  ["m := [x | x := upper(1)]", 3, 16, "upper: invalid argument(s)"],
  ['n if { x := {"a": 1}; x.a.b }', 3, 23, "undefined ref: x.a.b"],
  ["o if { n := 5; n[0] }", 3, 16, "undefined ref: n[0]"],
  ['p if { count([1]) = "a" }', 3, 8, "match error"],
  ["q if { print(count(5)) }", 3, 14, "count: invalid argument(s)"],
  ['r := {"a": 1}.b', 3, 6, 'undefined ref: {"a": 1}.b'],
  ['s := sprintf("%v", "a")', 3, 6, "sprintf: invalid argument(s)"],
  ['u := split("a,b", ",")[0] + 1', 3, 6, "plus: invalid argument(s)"],
  ["v := intersection({1})", 3, 6, "intersection: invalid argument(s)"],
  ['w if { x := {"b": 1}; {"a": y} = x; y }', 3, 23, "match error"],
  ['x if { x := [1]; x[i]; i == "a" }', 3, 24, "match error"],
];

describe("type errors OPA reports", () => {
  for (const [src, row, col, message] of REJECTED) {
    test(src.replace(/\n/g, " ⏎ "), () => {
      const errs = errorsOf(src);
      expect(errs.length, "a type error").toBeGreaterThan(0);
      const [e] = errs;
      expect(e.code).toBe("rego_type_error");
      expect({ row: e.location?.row, col: e.location?.col, file: e.location?.file }).toEqual({
        row,
        col,
        file: "t.rego",
      });
      expect(e.message.split("\n")[0]).toBe(message);
    });
  }

  test("invalid arguments come with have/want lines", () => {
    const [e] = errorsOf("a := count(5)");
    expect(e.message).toBe(
      "count: invalid argument(s)\n\thave: (number, ???)\n\twant: (collection: any<string, array[any], object[any: any], set[any]>, n: number)",
    );
  });

  test("match errors show both sides", () => {
    const [e] = errorsOf('d if { x := 1; x == "a" }');
    expect(e.message).toBe("match error\n\tleft  : number\n\tright : string");
  });

  test("undefined refs point at the bad operand", () => {
    const [e] = errorsOf('e if { x := {"a": 1}; x.b }');
    expect(e.message).toBe('undefined ref: x.b\n\tx.b\n\t  ^\n\t  have: "b"\n\t  want (one of): ["a"]');
  });

  test("v0 modules are checked too", () => {
    const [e] = errorsOf('p[x] { x := 1 }\nq { p["a"] }', 0);
    expect(e.code).toBe("rego_type_error");
    expect(e.location?.row).toBe(4);
  });

  test("every error is reported, in source order", () => {
    const errs = errorsOf('a := count(5)\nb := 1 + "a"');
    expect(errs.map((e) => [e.code, e.location?.row])).toEqual([
      ["rego_type_error", 3],
      ["rego_type_error", 4],
    ]);
  });

  test("a rule with an error is any to its users (no follow-on errors)", () => {
    const errs = errorsOf('q := x if { x := count(5) }\np if q == "a"');
    expect(errs.map((e) => e.location?.row)).toEqual([3]);
  });

  test("other compile errors come first and stop type checking", () => {
    const errs = errorsOf("a := count(5)\nb if { y }");
    expect(errs.map((e) => e.code)).toEqual(["rego_unsafe_var_error"]);
  });
});

/** Modules OPA accepts: the checker must never reject these. */
const ACCEPTED: string[] = [
  'x := count("abc")',
  "x := count(input.x)",
  'p if input.x == concat(",", input.y)',
  "p if { x := 1; x == 1.5 }",
  'p if { "a" in ["a", 1] }',
  'p if { some x in input.y; x == "a" }',
  "f(x) := x\np := f(1) + f(2)",
  'p if { x := [1, "a"]; x[0] == 1 }',
  'p := object.get({}, "a", 1)',
  'p := {1: "a"}[1]',
  "p if { x := [1]; x[i] == 1 }",
  "p if { every x in [1] { x.foo } }",
  "p := data.foo.bar + 1",
  'p := strings.replace_n({2: "x" | true}, "foo")',
  'q := 1\np := x if { x := q with data.t.q as "a" }',
  'q[k] := 1 if some k in ["a"]\np := q.a + 1',
  "p := union({{1}, {2}})",
  "p if { walk(input, [path, value]); count(path) > 1; value }",
  'p := {k: v | some k, v in {"a": 1}}\nq := p.a + 1',
  'p := 1 if input.x\nelse := "a"',
  'f(1) := "one"\nf(2) := 2\np := f(1)',
  "f(x) := x + 1\nmock(x) := 7\np if { f(1) == 7 with f as mock }",
  "p if { s := set(); s[x]; x }",
  'p := $"x={input.x}"',
  "a.b.c := 1\np := data.t.a.b.c + 1\nq := data.t.a.b.d",
  "p if { x := input.a; x.b.c[_] == 1 }",
  'q contains x if some x in input.y\np if { q["a"] }',
  'f(x) := y if { y := concat(",", x) }\np := f({"a"})',
  "p if { x := input; x.foo.bar }",
];

describe("what OPA accepts stays accepted", () => {
  for (const src of ACCEPTED)
    test(src.replace(/\n/g, " ⏎ "), () => {
      expect(errorsOf(src)).toEqual([]);
    });

  test("gatekeeper-style v0 template", () => {
    const src = [
      'violation[{"msg": msg, "details": {"missing": missing}}] {',
      "  provided := {label | input.review.object.metadata.labels[label]}",
      "  required := {label | label := input.parameters.labels[_]}",
      "  missing := required - provided",
      "  count(missing) > 0",
      '  msg := sprintf("you must provide labels: %v", [missing])',
      "}",
    ].join("\n");
    expect(errorsOf(src, 0)).toEqual([]);
  });

  test("extra builtins without a declaration are not checked", () => {
    const policy = compile([{ file: "t.rego", source: "package t\np := ext.fn(1, 2) + 1\n" }], {
      builtins: [{ name: "ext.fn", arity: 2, impl: () => "x" }],
    });
    expect(policy.prepare("data.t.p").eval()).toEqual([]);
  });
});
