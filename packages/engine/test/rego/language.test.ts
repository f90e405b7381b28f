/**
 * Language features and compiler checks, one case each, with the result
 * `.cache/bin/opa eval` (v1.22) gives recorded as the expectation. Indexed by
 * packages/engine/LANGUAGE.md. Error expectations are `code: message`; where
 * our message adds OPA's detail lines (have/want) only the first line is
 * compared, and where the wording differs on purpose only the code.
 */
import { describe, expect, test } from "vitest";
import { compile, RegoError } from "../../src/rego/index.ts";
import { toJSON, type Value } from "../../src/rego/value.ts";

interface Case {
  name: string;
  modules: string[];
  query: string;
  input?: unknown;
  v0?: boolean;
  strict?: boolean;
  want: unknown[] | { errors: string[]; match?: "firstLine" | "code" };
}

const CASES: Case[] = [
  // ---- modules, packages and imports
  {
    name: "package path with a keyword segment",
    modules: [
      `package a.if.b
p := 1`,
    ],
    query: "x := data.a",
    want: [{ x: { if: { b: { p: 1 } } } }],
  },
  {
    name: "package path with a string segment",
    modules: [
      `package a["b-c"]
p := 1`,
    ],
    query: "x := data.a",
    want: [{ x: { "b-c": { p: 1 } } }],
  },
  {
    name: "several modules share a package",
    modules: [
      `package t
p := 1`,
      `package t
q := 2`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 1, q: 2 } }],
  },
  {
    name: "empty package is an empty object",
    modules: [
      `package t.u
`,
      `package t
p := 1`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 1, u: {} } }],
  },
  {
    name: "import data with alias",
    modules: [
      `package t
import data.lib.f as g
p := g(2)`,
      `package lib
f(x) := x * 3`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 6 } }],
  },
  {
    name: "import input path",
    modules: [
      `package t
import input.user
p := user.name`,
    ],
    query: "x := data.t",
    input: { user: { name: "bob" } },
    want: [{ x: { p: "bob" } }],
  },
  {
    name: "import rego.v1 in a v1 module",
    modules: [
      `package t
import rego.v1
p if true`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true } }],
  },
  {
    name: "import rego.v1 in a v0 module enables v1 syntax",
    modules: [
      `package t
import rego.v1
p if true
q contains 1`,
    ],
    query: "x := data.t",
    v0: true,
    want: [{ x: { p: true, q: [1] } }],
  },
  {
    name: "import future.keywords in v1 is accepted",
    modules: [
      `package t
import future.keywords.in
import future.keywords
p if 1 in [1]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true } }],
  },
  {
    name: "unknown future keyword",
    modules: [
      `package t
import future.keywords.foo
p := 1`,
    ],
    query: "x := data.t",
    want: {
      errors: ["rego_parse_error: unexpected keyword, must be one of [and contains every if in not or]"],
    },
  },
  {
    name: "future.keywords.if and contains in v0",
    modules: [
      `package t
import future.keywords.if
import future.keywords.contains
p if true
q contains 1`,
    ],
    query: "x := data.t",
    v0: true,
    want: [{ x: { p: true, q: [1] } }],
  },
  {
    name: "future.keywords (all) in v0",
    modules: [
      `package t
import future.keywords
p if { every x in [1] { x > 0 } }
q contains x if { some x in [1] }`,
    ],
    query: "x := data.t",
    v0: true,
    want: [{ x: { p: true, q: [1] } }],
  },
  {
    name: "duplicate import is an error in v1",
    modules: [
      `package t
import data.a
import data.a
p := 1`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: import must not shadow import data.a"] },
  },
  {
    name: "import alias clash names both",
    modules: [
      `package t
import data.a as x
import data.b as x
p := 1`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: import must not shadow import data.a as x"] },
  },
  {
    name: "duplicate import in v0: the last wins",
    modules: [
      `package t
import data.a as x
import data.b as x
p := x`,
      `package a
v := 1`,
      `package b
v := 2`,
    ],
    query: "x := data.t",
    v0: true,
    want: [{ x: { p: { v: 2 } } }],
  },
  {
    name: "import of a rule shadowed by a local var",
    modules: [
      `package t
import data.lib.v
p := v if { v := 5 }`,
      `package lib
v := 1`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 5 } }],
  },
  // ---- rule forms
  {
    name: "complete rule, default true value",
    modules: [
      `package t
p if true
q := 7`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true, q: 7 } }],
  },
  {
    name: "constant rule without body",
    modules: [
      `package t
p := {"a": [1, 2]}`,
    ],
    query: "x := data.t",
    want: [{ x: { p: { a: [1, 2] } } }],
  },
  {
    name: "default rule covers undefined",
    modules: [
      `package t
default p := "none"
p := input.x`,
    ],
    query: "x := data.t",
    input: {},
    want: [{ x: { p: "none" } }],
  },
  {
    name: "default rule loses to a defined value",
    modules: [
      `package t
default p := "none"
p := input.x`,
    ],
    query: "x := data.t",
    input: { x: 1 },
    want: [{ x: { p: 1 } }],
  },
  {
    name: "default value cannot contain a var",
    modules: [
      `package t
default p := x`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_parse_error: illegal default rule (value cannot contain var)"] },
  },
  {
    name: "default value cannot contain a ref",
    modules: [
      `package t
default p := input.x`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_parse_error: illegal default rule (value cannot contain ref)"] },
  },
  {
    name: "multiple default rules",
    modules: [
      `package t
default p := 1
default p := 2`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: multiple default rules data.t.p found at m0.rego:2, m0.rego:3"] },
  },
  {
    name: "default function",
    modules: [
      `package t
default f(_) := 0
f(x) := 1 if x > 1
p := [f(1), f(2)]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [0, 1] } }],
  },
  {
    name: "default function arity must match",
    modules: [
      `package t
default f(_, _) := 0
f(x) := 1`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: conflicting rules data.t.f found"] },
  },
  {
    name: "default on a ref head",
    modules: [
      `package t
default a.b.c := 1
a.b.d := 2`,
    ],
    query: "x := data.t",
    want: [{ x: { a: { b: { c: 1, d: 2 } } } }],
  },
  {
    name: "partial set with contains",
    modules: [
      `package t
p contains x if { some x in [3, 1, 2] }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [1, 2, 3] } }],
  },
  {
    name: "partial object",
    modules: [
      `package t
o[k] := v if { some k, v in {"a": 1, "b": 2} }`,
    ],
    query: "x := data.t",
    want: [{ x: { o: { a: 1, b: 2 } } }],
  },
  {
    name: "multi-value rule over a ref head",
    modules: [
      `package t
a.b contains x if { some x in [1, 2] }`,
    ],
    query: "x := data.t",
    want: [{ x: { a: { b: [1, 2] } } }],
  },
  {
    name: "ref head with a var in the middle",
    modules: [
      `package t
a[x].b := x if { some x in ["u", "v"] }`,
    ],
    query: "x := data.t",
    want: [{ x: { a: { u: { b: "u" }, v: { b: "v" } } } }],
  },
  {
    name: "ref head with a string prefix",
    modules: [
      `package t
a["b"].c := 1`,
    ],
    query: "x := data.t",
    want: [{ x: { a: { b: { c: 1 } } } }],
  },
  {
    name: "ref heads merge under one prefix",
    modules: [
      `package t
a.b.c := 1
a.b.d := 2`,
    ],
    query: "x := data.t",
    want: [{ x: { a: { b: { c: 1, d: 2 } } } }],
  },
  {
    name: "ref head below a partial object merges",
    modules: [
      `package t
a.b[x] := 1 if x := "c"
a.b.d := 2`,
    ],
    query: "x := data.t",
    want: [{ x: { a: { b: { c: 1, d: 2 } } } }],
  },
  {
    name: "rule conflicts with a rule below it",
    modules: [
      `package t
a.b := 1
a.b.c := 2`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: rule data.t.a.b conflicts with:\n  rule data.t.a.b.c at m0.rego:3"] },
  },
  {
    name: "partial set conflicts with a rule below it",
    modules: [
      `package t
a contains 1
a.b.c := 2`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: rule data.t.a conflicts with:\n  rule data.t.a.b.c at m0.rego:3"] },
  },
  {
    name: "rule conflicts with a package below it",
    modules: [
      `package t
b := 1`,
      `package t.b
c := 2`,
    ],
    query: "x := data.t",
    want: {
      errors: [
        "rego_type_error: package t.b conflicts with rule b defined at m0.rego:2",
        "rego_type_error: rule data.t.b conflicts with:\n  rule data.t.b.c at m1.rego:2",
      ],
    },
  },
  {
    name: "object rule with var key conflicts at eval",
    modules: [
      `package t
a[x] := 1 if x := "b"
a.b.c := 2`,
    ],
    query: "x := data.t",
    want: { errors: ["eval_conflict_error: object keys must be unique"] },
  },
  {
    name: "functions with several definitions",
    modules: [
      `package t
f(1) := "one"
f(2) := "two"
f(x) := "many" if x > 2
p := [f(1), f(2), f(3)]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: ["one", "two", "many"] } }],
  },
  {
    name: "function with pattern args",
    modules: [
      `package t
f([a, b]) := a + b
f({"k": v}) := v
p := [f([1, 2]), f({"k": 9})]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [3, 9] } }],
  },
  {
    name: "function returning true by default",
    modules: [
      `package t
f(x) if x > 1
p := [x | some x in [1, 2, 3]; f(x)]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [2, 3] } }],
  },
  {
    name: "function undefined for unmatched args",
    modules: [
      `package t
f(x) := 1 if x > 1
p := f(0)`,
    ],
    query: "x := data.t",
    want: [{ x: {} }],
  },
  // OPA 1.22 words this 'function … produced conflicting values'; the conformance suite (and Gatekeeper's OPA) use this wording
  {
    name: "function conflicting outputs",
    modules: [
      `package t
f(x) := 1
f(x) := 2
p := f(1)`,
    ],
    query: "x := data.t",
    want: { errors: ["eval_conflict_error"], match: "code" },
  },
  {
    name: "function vs rule of the same name",
    modules: [
      `package t
f := 1
f(x) := 2`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: conflicting rules data.t.f found"] },
  },
  {
    name: "functions of different arity conflict",
    modules: [
      `package t
f(x) := 1
f(x, y) := 2
p := f(1)`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: conflicting rules data.t.f found"] },
  },
  {
    name: "else chain on a function",
    modules: [
      `package t
f(x) := 1 if x > 10
else := 2 if x > 5
else := 3
p := [f(11), f(6), f(1)]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [1, 2, 3] } }],
  },
  {
    name: "else value defaults to true",
    modules: [
      `package t
p if false
else if true`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true } }],
  },
  {
    name: "else on a multi-value rule",
    modules: [
      `package t
p contains 1 if false else := 2`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_parse_error: else keyword cannot be used on multi-value rules"] },
  },
  {
    name: "else with default",
    modules: [
      `package t
default p := 0
p := 1 if input.a
else := 2 if input.b`,
    ],
    query: "x := data.t",
    input: { c: 1 },
    want: [{ x: { p: 0 } }],
  },
  {
    name: "v0 rule without if",
    modules: [
      `package t
p { true }
q[x] { x := 1 }
r[k] = v { k := "a"; v := 1 }`,
    ],
    query: "x := data.t",
    v0: true,
    want: [{ x: { p: true, q: [1], r: { a: 1 } } }],
  },
  {
    name: "v0 rule with several bodies",
    modules: [
      `package t
p { false } { true }`,
    ],
    query: "x := data.t",
    v0: true,
    want: [{ x: { p: true } }],
  },
  {
    name: "v1 requires if before a body",
    modules: [
      `package t
p { true }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_parse_error: `if` keyword is required before rule body"] },
  },
  {
    name: "v1 requires contains for partial sets",
    modules: [
      `package t
q[x] { x := 1 }`,
    ],
    query: "x := data.t",
    want: {
      errors: [
        "rego_parse_error: `if` keyword is required before rule body",
        "rego_parse_error: `contains` keyword is required for partial set rules",
      ],
    },
  },
  {
    name: "keyword as rule name",
    modules: [
      `package t
if := 1`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_parse_error: if keyword cannot be used for rule name"] },
  },
  {
    name: "keywords as rule names: contains, every, in, some, not, import",
    modules: [
      `package t
contains := 1`,
      `package t
every := 1`,
      `package t
in := 1`,
      `package t
some := 1`,
      `package t
not := 1`,
      `package t
import := 1`,
    ],
    query: "x := data.t",
    want: {
      errors: [
        "rego_parse_error: contains keyword cannot be used for rule name",
        "rego_parse_error: every keyword cannot be used for rule name",
        "rego_parse_error: in keyword cannot be used for rule name",
        "rego_parse_error: some keyword cannot be used for rule name",
        "rego_parse_error: not keyword cannot be used for rule name",
        "rego_parse_error: import keyword cannot be used for rule name",
      ],
    },
  },
  {
    name: "true, false, null as rule names",
    modules: [
      `package t
true := 1`,
      `package t
null := 1`,
    ],
    query: "x := data.t",
    want: {
      errors: [
        "rego_parse_error: boolean cannot be used for rule name",
        "rego_parse_error: null cannot be used for rule name",
      ],
    },
  },
  {
    name: "if is a plain name in v0",
    modules: [
      `package t
if = 1`,
    ],
    query: "x := data.t",
    v0: true,
    want: [{ x: { if: 1 } }],
  },
  {
    name: "rule named input is rejected in v1",
    modules: [
      `package t
input := 1`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: rules must not shadow input (use a different rule name)"] },
  },
  {
    name: "rule named data is rejected in v1 (ref head)",
    modules: [
      `package t
data contains 1`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: rules must not shadow data (use a different rule name)"] },
  },
  {
    name: "rule named input in v0 shadows the root",
    modules: [
      `package t
input := 1`,
    ],
    query: "x := data.t",
    v0: true,
    want: [{ x: { input: 1 } }],
  },
  {
    name: "rule shadowing a builtin",
    modules: [
      `package t
count(x) := 7
p := count([1])`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 7 } }],
  },
  // ---- bodies and expressions
  {
    name: "unification of objects",
    modules: [
      `package t
p := [a, b] if { {"x": a, "y": b} = {"x": 1, "y": 2} }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [1, 2] } }],
  },
  {
    name: "unification binds backwards",
    modules: [
      `package t
p := x if { [x, 2] = [1, y]; y == 2 }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 1 } }],
  },
  {
    name: ":= rhs made safe through a later unification (1.19)",
    modules: [
      `package t
p if { x := y; y = 1 }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true } }],
  },
  {
    name: ":= array pattern unified backwards (1.19)",
    modules: [
      `package t
p if { [x, y] := [1, z]; z = 2 }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true } }],
  },
  {
    name: ":= rhs not made safe through its lhs (1.19)",
    modules: [
      `package t
p if { x := y; x = 1 }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_unsafe_var_error: var y is unsafe"] },
  },
  {
    name: ":= rhs not made safe through its lhs in v0 too (1.19)",
    modules: [
      `package t
p { x := y; x = 1 }`,
    ],
    query: "x := data.t",
    v0: true,
    want: { errors: ["rego_unsafe_var_error: var y is unsafe"] },
  },
  {
    name: ":= to a constant inside a pattern",
    modules: [
      `package t
p := y if { [1, 2] := [1, y] }`,
    ],
    query: "x := data.t",
    want: {
      errors: ["rego_compile_error: cannot assign to number", "rego_compile_error: cannot assign to number"],
    },
  },
  {
    name: ":= with ref iteration outputs",
    modules: [
      `package t
p contains [i, x] if { x := input.xs[i] }`,
    ],
    query: "x := data.t",
    input: { xs: ["a", "b"] },
    want: [
      {
        x: {
          p: [
            [0, "a"],
            [1, "b"],
          ],
        },
      },
    ],
  },
  {
    name: ":= object pattern",
    modules: [
      `package t
p := v if { {"a": v} := {"a": w}; w = 3 }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 3 } }],
  },
  {
    name: "assign twice",
    modules: [
      `package t
p if { x := 1; x := 2 }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: var x assigned above"] },
  },
  {
    name: "assign to input is rejected in v1",
    modules: [
      `package t
p if { input := 1 }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: variables must not shadow input (use a different variable name)"] },
  },
  {
    name: "assign to data is rejected in v1",
    modules: [
      `package t
p if { data := 1 }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: variables must not shadow data (use a different variable name)"] },
  },
  {
    name: "args named input are rejected in v1",
    modules: [
      `package t
f(input) := 1
p := f(2)`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: args must not shadow input (use a different variable name)"] },
  },
  {
    name: "args named input in patterns too",
    modules: [
      `package t
f([input]) := 1
p := f([2])`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: args must not shadow input (use a different variable name)"] },
  },
  {
    name: "== on undefined is undefined",
    modules: [
      `package t
p if { input.a == input.b }`,
    ],
    query: "x := data.t",
    input: {},
    want: [{ x: {} }],
  },
  {
    name: "some declared but unused",
    modules: [
      `package t
p if { some x; true }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: declared var x unused"] },
  },
  {
    name: "some then iterate",
    modules: [
      `package t
p contains x if { some x; [1, 2][x] }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [0, 1] } }],
  },
  {
    name: "some in shadows an assigned var",
    modules: [
      `package t
p contains x if { x := 1; some x in [2] }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: var x assigned above"] },
  },
  {
    name: "some x then x := is a redeclaration",
    modules: [
      `package t
p if { some x; x := 1 }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: var x declared above"] },
  },
  {
    name: "some x then some x in is a redeclaration",
    modules: [
      `package t
p if { some x; some x in [1] }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: var x declared above"] },
  },
  {
    name: "some x then x = unifies",
    modules: [
      `package t
p := x if { some x; x = 1 }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 1 } }],
  },
  {
    name: "some k, v in object",
    modules: [
      `package t
p := [[k, v] | some k, v in {"b": 2, "a": 1}]`,
    ],
    query: "x := data.t",
    want: [
      {
        x: {
          p: [
            ["a", 1],
            ["b", 2],
          ],
        },
      },
    ],
  },
  {
    name: "some in set",
    modules: [
      `package t
p := [x | some x in {3, 1, 2}]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [1, 2, 3] } }],
  },
  {
    name: "membership with index",
    modules: [
      `package t
p if 1, "b" in ["a", "b"]
q if "a" in {"a": 1}
r if 1 in {"a": 1}`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: match error"], match: "firstLine" },
  },
  {
    name: "not in via not",
    modules: [
      `package t
p if not 3 in [1, 2]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true } }],
  },
  {
    name: "every with index",
    modules: [
      `package t
p if { every i, x in [1, 2] { i < x } }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true } }],
  },
  {
    name: "every over an empty domain",
    modules: [
      `package t
p if { every x in [] { x > 1 } }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true } }],
  },
  {
    name: "every over a non-collection",
    modules: [
      `package t
p if { every x in 5 { x > 1 } }`,
    ],
    query: "x := data.t",
    want: [{ x: {} }],
  },
  {
    name: "every over an undefined domain",
    modules: [
      `package t
p if { every x in input.nope { x > 1 } }`,
    ],
    query: "x := data.t",
    input: {},
    want: [{ x: {} }],
  },
  {
    name: "every over an object",
    modules: [
      `package t
p if { every k, v in {"a": 1, "b": 2} { v > 0; is_string(k) } }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true } }],
  },
  {
    name: "negation of undefined",
    modules: [
      `package t
p if { not input.x }
q if { not input.y }`,
    ],
    query: "x := data.t",
    input: { y: true },
    want: [{ x: { p: true } }],
  },
  {
    name: "negation with a function",
    modules: [
      `package t
f(x) if x > 1
p if not f(1)`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true } }],
  },
  {
    name: "negation is unsafe for unbound vars",
    modules: [
      `package t
p if { not x }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_unsafe_var_error: var x is unsafe"] },
  },
  {
    name: "unsafe var in a builtin call under not",
    modules: [
      `package t
p if { not startswith(x, "a") }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_unsafe_var_error: var x is unsafe"] },
  },
  {
    name: "unsafe var in a rule head",
    modules: [
      `package t
p := x if true`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_unsafe_var_error: var x is unsafe"] },
  },
  {
    name: "unsafe var in a comprehension",
    modules: [
      `package t
p := [x | x > 1]`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_unsafe_var_error: var x is unsafe"] },
  },
  {
    name: "array, set, object comprehensions",
    modules: [
      `package t
p := [[x | some x in [1, 2]], {x | some x in [1, 1]}, {k: 1 | some k in ["a"]}]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [[1, 2], [1], { a: 1 }] } }],
  },
  {
    name: "comprehension scope is its own",
    modules: [
      `package t
p := [x | x := 1] if { x := 5 }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [1] } }],
  },
  {
    name: "comprehension sees outer vars",
    modules: [
      `package t
p := [z | some x in [1, 2]; z := x + y] if { y := 10 }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [11, 12] } }],
  },
  {
    name: "object comprehension key conflict",
    modules: [
      `package t
p := {k: v | some v in [1, 2]; k := "a"}`,
    ],
    query: "x := data.t",
    want: { errors: ["eval_conflict_error: object keys must be unique"] },
  },
  {
    name: "array literal with a set union",
    modules: [
      `package t
p := [{1, 2} | {3}, {1, 2} & {2}, {1, 2} - {1}]
q := [{1} | {2}]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [[1, 2, 3], [2], [2]], q: [[1]] } }],
  },
  {
    name: "with input (partial path)",
    modules: [
      `package t
p := input.a.b
q := r if { r := p with input.a.b as 9 }`,
    ],
    query: "x := data.t.q",
    input: { a: { b: 1 } },
    want: [{ x: 9 }],
  },
  {
    name: "with data on a rule",
    modules: [
      `package t
q := 1
p := x if { x := q with data.t.q as 2 }`,
    ],
    query: "x := data.t.p",
    want: [{ x: 2 }],
  },
  {
    name: "with a builtin",
    modules: [
      `package t
p := x if { x := count([1]) with count as 7 }`,
    ],
    query: "x := data.t.p",
    want: [{ x: 7 }],
  },
  {
    name: "with a function replaced by a value",
    modules: [
      `package t
f(x) := x
p := y if { y := f(1) with f as 5 }`,
    ],
    query: "x := data.t.p",
    want: [{ x: 5 }],
  },
  {
    name: "with a function replaced by a function",
    modules: [
      `package t
f(x) := x
g(x) := x * 10
p := y if { y := f(1) with f as g }`,
    ],
    query: "x := data.t.p",
    want: [{ x: 10 }],
  },
  {
    name: "with stacked",
    modules: [
      `package t
p := [input.a, input.b]
q := r if { r := p with input.a as 1 with input.b as 2 }`,
    ],
    query: "x := data.t.q",
    input: {},
    want: [{ x: [1, 2] }],
  },
  {
    name: "with under negation",
    modules: [
      `package t
p if { not input.x with input.x as false }`,
    ],
    query: "x := data.t",
    input: {},
    want: [{ x: { p: true } }],
  },
  {
    name: "with cannot partially replace a virtual doc",
    modules: [
      `package t
a.b := {"c": 1}
p := x if { x := a.b with data.t.a.b.c as 2 }`,
    ],
    query: "x := data.t.p",
    want: { errors: ["rego_compile_error: with keyword cannot partially replace virtual document(s)"] },
  },
  {
    name: "print with undefined operands",
    modules: [
      `package t
p if { print("a", input.nope, 1) }`,
    ],
    query: "x := data.t",
    input: {},
    want: [{ x: { p: true } }],
  },
  {
    name: "walk",
    modules: [
      `package t
p := [path | walk({"a": [1]}, [path, _])]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [[], ["a"], ["a", 0]] } }],
  },
  {
    name: "big integers stay exact",
    modules: [
      `package t
p := 12345678901234567890 + 1`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 12345678901234567000 } }],
  },
  {
    name: "float arithmetic",
    modules: [
      `package t
p := [0.1 + 0.2, 7 / 2, 7 % 3, -3]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [0.3, 3.5, 1, -3] } }],
  },
  {
    name: "division by zero is an error (undefined)",
    modules: [
      `package t
p := 1 / 0`,
    ],
    query: "x := data.t",
    want: [{ x: {} }],
  },
  {
    name: "set operators",
    modules: [
      `package t
p := [{1, 2} | {3}, {1, 2} & {2}, {1, 2} - {1}]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [[1, 2, 3], [2], [2]] } }],
  },
  {
    name: "raw strings and escapes",
    modules: [
      `package t
p := [\`a\\nb\`, "\\u00e9\\t\\""]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: ["a\\nb", 'é\t"'] } }],
  },
  {
    name: "non-string object keys",
    modules: [
      `package t
p := {1: "a", [1]: "b", {2}: "c"}`,
    ],
    query: "x := data.t",
    want: [{ x: { p: { "1": "a", "[1]": "b", "[2]": "c" } } }],
  },
  {
    name: "sets of composites",
    modules: [
      `package t
p := {[1], {"a": 1}, {1}}`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [[1], { a: 1 }, [1]] } }],
  },
  {
    name: "keywords in refs (1.6)",
    modules: [
      `package t
p := input.if
q := input.contains.every`,
    ],
    query: "x := data.t",
    input: { if: 1, contains: { every: 2 } },
    want: [{ x: { p: 1, q: 2 } }],
  },
  {
    name: "wildcards are distinct vars",
    modules: [
      `package t
p := [x | [_, x, _] := [1, 2, 3]]
q if { _ = 1; _ = 2 }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [2], q: true } }],
  },
  {
    name: "builtin call with the result as last argument",
    modules: [
      `package t
p := n if count([1, 2], n)
q if count([1], 1)
r if count([1], 2)`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 2, q: true } }],
  },
  {
    name: "user function call with the result as last argument",
    modules: [
      `package t
f(x) := x + 1
p := y if f(1, y)`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 2 } }],
  },
  {
    name: "a local var named like a builtin, then called",
    modules: [
      `package t
p if { count := 1; count([1]) == 1 }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: called function count shadowed"] },
  },
  {
    name: "a some var hides a builtin namespace",
    modules: [
      `package t
p if { some time in [1]; time.now_ns() > 0 }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_compile_error: called function time.now_ns shadowed"] },
  },
  {
    name: "an arg named like a builtin, then called",
    modules: [
      `package t
f(count) := count([1])
p := f(1)`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: undefined function count"] },
  },
  {
    name: "a local var named like a user function, then called",
    modules: [
      `package t
f(x) := x
p if { f := 1; f(1) }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: undefined function f"] },
  },
  {
    name: "comparison operators",
    modules: [
      `package t
p := [1 < 2, 2 <= 2, 3 > 4, "a" != "b", [1] == [1], {1} == {1}, null < false, 1 < "a"]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [true, true, false, true, true, true, true, true] } }],
  },
  {
    name: "ref with a dynamic key iterates",
    modules: [
      `package t
p := {k | input.o[k] > 1}`,
    ],
    query: "x := data.t",
    input: { o: { a: 1, b: 2, c: 3 } },
    want: [{ x: { p: ["b", "c"] } }],
  },
  {
    name: "ref into data packages with a var",
    modules: [
      `package t
p := [k | data.lib[k]]`,
      `package lib
a := 1
b := 2`,
    ],
    query: "x := data.t",
    want: [{ x: { p: ["a", "b"] } }],
  },
  {
    name: "internal.test_case (1.2) succeeds",
    modules: [
      `package t
p if internal.test_case([1, 2])
test_x if { some x in [1, 2]; internal.test_case([x]); x > 0 }`,
    ],
    query: "x := data.t",
    want: [{ x: { p: true, test_x: true } }],
  },
  // ---- string interpolation (1.12)
  {
    name: "template string",
    modules: [
      `package t
p := $"x={input.x} y={input.y}"`,
    ],
    query: "x := data.t",
    input: { x: 1, y: [1, "a"] },
    want: [{ x: { p: 'x=1 y=[1, "a"]' } }],
  },
  {
    name: "template string with an undefined value",
    modules: [
      `package t
p := $"x={input.nope}"`,
    ],
    query: "x := data.t",
    input: {},
    want: [{ x: { p: "x=<undefined>" } }],
  },
  {
    name: "template string escaped brace",
    modules: [
      `package t
p := $"a \\\\{b} {1+1}"`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_unsafe_var_error: var b is unsafe"] },
  },
  {
    name: "raw template string",
    modules: [
      `package t
p := $\`a
{1}\``,
    ],
    query: "x := data.t",
    want: [{ x: { p: "a\n1" } }],
  },
  {
    name: "template string with string and object values",
    modules: [
      `package t
p := $"{"q"}-{{"a":1}}"`,
    ],
    query: "x := data.t",
    want: [{ x: { p: 'q-{"a": 1}' } }],
  },
  {
    name: "template string in a function arg",
    modules: [
      `package t
f($"{x}") := x if x = "a"
p := f("a")`,
    ],
    query: "x := data.t",
    want: [{ x: { p: "a" } }],
  },
  // ---- compiler checks
  {
    name: "recursion through itself",
    modules: [
      `package t
p if p`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_recursion_error: rule data.t.p is recursive: data.t.p -> data.t.p"] },
  },
  {
    name: "recursion through functions",
    modules: [
      `package t
f(x) := g(x)
g(x) := f(x)
p := f(1)`,
    ],
    query: "x := data.t",
    want: {
      errors: [
        "rego_recursion_error: rule data.t.f is recursive: data.t.f -> data.t.g -> data.t.f",
        "rego_recursion_error: rule data.t.g is recursive: data.t.g -> data.t.f -> data.t.g",
      ],
    },
  },
  {
    name: "recursion through a comprehension",
    modules: [
      `package t
p := {x | q[x]}
q contains x if { p[x] }`,
    ],
    query: "x := data.t",
    want: {
      errors: [
        "rego_recursion_error: rule data.t.p is recursive: data.t.p -> data.t.q -> data.t.p",
        "rego_recursion_error: rule data.t.q is recursive: data.t.q -> data.t.p -> data.t.q",
      ],
    },
  },
  {
    name: "conflicting complete/partial rules",
    modules: [
      `package t
p := 1
p contains 2`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: conflicting rules data.t.p found"] },
  },
  // OPA 1.22 words this 'rule … produced conflicting values'; the conformance suite (and Gatekeeper's OPA) use this wording
  {
    name: "eval conflict in a complete rule",
    modules: [
      `package t
p := x if { some x in [1, 2] }`,
    ],
    query: "x := data.t",
    want: { errors: ["eval_conflict_error"], match: "code" },
  },
  {
    name: "eval conflict in object keys",
    modules: [
      `package t
o[k] := v if { some v in [1, 2]; k := "a" }`,
    ],
    query: "x := data.t",
    want: { errors: ["eval_conflict_error: object keys must be unique"] },
  },
  {
    name: "type error in builtin args",
    modules: [
      `package t
p := count(1)`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: count: invalid argument(s)"], match: "firstLine" },
  },
  {
    name: "undefined ref into a known object",
    modules: [
      `package t
p if { x := {"a": 1}; x.b == 2 }`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: undefined ref: x.b"], match: "firstLine" },
  },
  {
    name: "undefined function",
    modules: [
      `package t
p := nope.f(1)`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: undefined function nope.f"] },
  },
  {
    name: "function used as a value",
    modules: [
      `package t
f(x) := x
p := f`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: function data.t.f used as reference, not called"] },
  },
  {
    name: "complete rule called as a function",
    modules: [
      `package t
q := 1
p := q(1)`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: function data.t.q has arity 0, got 1 argument"] },
  },
  {
    name: "builtin called with too many arguments (value)",
    modules: [
      `package t
p := count([1], 2)`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: count: arity mismatch"] },
  },
  {
    name: "builtin called with too many arguments",
    modules: [
      `package t
p if count([1], 2, 3)`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: count: arity mismatch"] },
  },
  {
    name: "builtin called with too few arguments",
    modules: [
      `package t
p if startswith("a")`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: startswith: arity mismatch"] },
  },
  {
    name: "user function called with too many arguments (value)",
    modules: [
      `package t
f(x) := x
p := f(1, 2)`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: function data.t.f has arity 1, got 2 arguments"] },
  },
  {
    name: "user function called with too many arguments",
    modules: [
      `package t
f(x) := x
p if f(1, 2, 3)`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: function data.t.f has arity 1, got 3 arguments"] },
  },
  {
    name: "deprecated builtin in v1",
    modules: [
      `package t
p := any([true])`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: deprecated built-in function calls in expression: any"] },
  },
  {
    name: "deprecated builtin re_match in v1",
    modules: [
      `package t
p := re_match("a", "a")`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_type_error: deprecated built-in function calls in expression: re_match"] },
  },
  {
    name: "deprecated builtins still work in v0",
    modules: [
      `package t
p := [any([true]), all([true]), re_match("a", "a"), set_diff({1, 2}, {1}), cast_array({1}), net.cidr_overlap("10.0.0.0/8", "10.1.1.1")]`,
    ],
    query: "x := data.t",
    v0: true,
    want: [{ x: { p: [true, true, true, [2], [1], true] } }],
  },
  // ---- strict mode
  {
    name: "strict: unused import",
    modules: [
      `package t
import data.x
p := 1`,
    ],
    query: "x := data.t",
    strict: true,
    want: { errors: ["rego_compile_error: import data.x unused"] },
  },
  {
    name: "strict: used import",
    modules: [
      `package t
import data.lib
p := lib.v`,
      `package lib
v := 1`,
    ],
    query: "x := data.t",
    strict: true,
    want: [{ x: { p: 1 } }],
  },
  {
    name: "strict: unused input import alias",
    modules: [
      `package t
import input.user as u
p := 1`,
    ],
    query: "x := data.t",
    strict: true,
    want: { errors: ["rego_compile_error: import input.user as u unused"] },
  },
  {
    name: "strict: unused assignment",
    modules: [
      `package t
p if { x := 1; true }`,
    ],
    query: "x := data.t",
    strict: true,
    want: { errors: ["rego_compile_error: assigned var x unused"] },
  },
  {
    name: "strict: assignment used in the head",
    modules: [
      `package t
p := x if { x := 1 }`,
    ],
    query: "x := data.t",
    strict: true,
    want: [{ x: { p: 1 } }],
  },
  {
    name: "strict: assignment used in a comprehension",
    modules: [
      `package t
p := [y | some y in [1]; y > x] if { x := 0 }`,
    ],
    query: "x := data.t",
    strict: true,
    want: [{ x: { p: [1] } }],
  },
  {
    name: "strict: unused assignment in a comprehension",
    modules: [
      `package t
p := [y | some y in [1]; z := 2]`,
    ],
    query: "x := data.t",
    strict: true,
    want: { errors: ["rego_compile_error: assigned var z unused"] },
  },
  {
    name: "strict: unused assignment in an array pattern",
    modules: [
      `package t
p := a if { [a, b] := [1, 2] }`,
    ],
    query: "x := data.t",
    strict: true,
    want: { errors: ["rego_compile_error: assigned var b unused"] },
  },
  {
    name: "strict: unused function argument",
    modules: [
      `package t
f(x) := 1
p := f(1)`,
    ],
    query: "x := data.t",
    strict: true,
    want: { errors: ["rego_compile_error: unused argument x. (hint: use _ (wildcard variable) instead)"] },
  },
  {
    name: "strict: argument used only in an else branch",
    modules: [
      `package t
f(x) := 1 if false
else := x
p := f(2)`,
    ],
    query: "x := data.t",
    strict: true,
    want: [{ x: { p: 2 } }],
  },
  {
    name: "strict: wildcard argument",
    modules: [
      `package t
f(_) := 1
p := f(1)`,
    ],
    query: "x := data.t",
    strict: true,
    want: [{ x: { p: 1 } }],
  },
  {
    name: "strict: duplicate import in v0",
    modules: [
      `package t
import data.a
import data.a
p := 1`,
    ],
    query: "x := data.t",
    v0: true,
    strict: true,
    want: {
      errors: [
        "rego_compile_error: import data.a unused",
        "rego_compile_error: import data.a unused",
        "rego_compile_error: import must not shadow import data.a",
      ],
    },
  },
  {
    name: "strict: deprecated builtin in v0",
    modules: [
      `package t
p := any([true])`,
    ],
    query: "x := data.t",
    v0: true,
    strict: true,
    want: { errors: ["rego_type_error: deprecated built-in function calls in expression: any"] },
  },
  {
    name: "strict: assigning to input in v0",
    modules: [
      `package t
p { input := 1 }`,
    ],
    query: "x := data.t",
    v0: true,
    strict: true,
    want: {
      errors: [
        "rego_compile_error: assigned var input unused",
        "rego_compile_error: variables must not shadow input (use a different variable name)",
      ],
    },
  },
  {
    name: "strict: clean module",
    modules: [
      `package t
import data.lib
f(x) := y if { y := x + lib.v }
p := f(1)`,
      `package lib
v := 1`,
    ],
    query: "x := data.t",
    strict: true,
    want: [{ x: { p: 2 } }],
  },
  // ---- annotations
  {
    name: "rego.metadata.rule",
    modules: [
      `package t
# METADATA
# title: hello
p := rego.metadata.rule()`,
    ],
    query: "x := data.t",
    want: [{ x: { p: { scope: "rule", title: "hello" } } }],
  },
  {
    name: "rego.metadata.chain",
    modules: [
      `# METADATA
# scope: package
# title: pkg
package t
# METADATA
# title: r
p := [x.path | some x in rego.metadata.chain()]`,
    ],
    query: "x := data.t",
    want: [{ x: { p: [["t", "p"], ["t"]] } }],
  },
  {
    name: "package scope on a rule",
    modules: [
      `package t
# METADATA
# scope: package
p := 1`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_parse_error: annotation scope 'package' must be applied to package (have rule)"] },
  },
  {
    name: "rule scope on a package",
    modules: [
      `# METADATA
# scope: rule
package t
p := 1`,
    ],
    query: "x := data.t",
    want: { errors: ["rego_parse_error: annotation scope 'rule' must be applied to rule (have package)"] },
  },
  {
    name: "document scope on a package",
    modules: [
      `# METADATA
# scope: document
package t
p := 1`,
    ],
    query: "x := data.t",
    want: {
      errors: ["rego_parse_error: annotation scope 'document' must be applied to rule (have package)"],
    },
  },
  {
    name: "unknown scope",
    modules: [
      `package t
# METADATA
# scope: nope
p := 1`,
    ],
    query: "x := data.t",
    want: {
      errors: [
        "rego_parse_error: invalid annotation scope 'nope'. Use one of 'rule', 'document', 'package', or 'subpackages'",
      ],
    },
  },
  {
    name: "block with nothing after it",
    modules: [
      `package t
p := 1
# METADATA
# title: x
`,
    ],
    query: "x := data.t",
    want: {
      errors: [
        "rego_parse_error: invalid annotation scope ''. Use one of 'rule', 'document', 'package', or 'subpackages'",
      ],
    },
  },
];

function outcome(c: Case): unknown {
  try {
    const policy = compile(
      c.modules.map((source, i) => ({ file: `m${i}.rego`, source, regoVersion: c.v0 ? 0 : 1 })),
      { strict: c.strict },
    );
    return policy
      .prepare(c.query)
      .eval({ input: c.input as Value | undefined })
      .map((r) => toJSON(r as Value));
  } catch (e) {
    if (!(e instanceof RegoError)) throw e;
    const match = Array.isArray(c.want) ? undefined : c.want.match;
    return {
      errors: e.errors.map((d) =>
        match === "code"
          ? d.code
          : `${d.code}: ${match === "firstLine" ? d.message.split("\n")[0] : d.message}`,
      ),
      ...(match ? { match } : {}),
    };
  }
}

describe("language features and compiler checks match OPA", () => {
  test.each(CASES.map((c) => [c.name, c] as const))("%s", (_, c) => {
    expect(outcome(c)).toEqual(c.want);
  });
});
