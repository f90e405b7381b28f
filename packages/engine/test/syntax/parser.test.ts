/** Focused tests for tricky Rego syntax. */
import { describe, expect, it } from "vitest";
import type { Expr, Rule, Term } from "../../src/rego/ast.ts";
import { RegoError } from "../../src/rego/errors.ts";
import { parseModule, parseQuery, parseTerm } from "../../src/rego/syntax/index.ts";

/** Compact rendering of terms/exprs to assert structure without locations. */
function show(t: Term): string {
  switch (t.type) {
    case "null":
      return "null";
    case "boolean":
      return String(t.value);
    case "number":
      return typeof t.value === "bigint" ? `${t.value}n` : String(t.value);
    case "string":
      return JSON.stringify(t.value);
    case "var":
      return t.name;
    case "ref":
      return `${show(t.head)}${t.path.map((p) => `[${show(p)}]`).join("")}`;
    case "array":
      return `[${t.items.map(show).join(", ")}]`;
    case "set":
      return `set(${t.items.map(show).join(", ")})`;
    case "object":
      return `{${t.entries.map(([k, v]) => `${show(k)}: ${show(v)}`).join(", ")}}`;
    case "call":
      return `${show(t.op)}(${t.args.map(show).join(", ")})`;
    case "arraycompr":
      return `[${show(t.head)} | ${t.body.map(showExpr).join("; ")}]`;
    case "setcompr":
      return `{${show(t.head)} | ${t.body.map(showExpr).join("; ")}}`;
    case "objectcompr":
      return `{${show(t.key)}: ${show(t.value)} | ${t.body.map(showExpr).join("; ")}}`;
    case "template":
      return `$(${t.parts.map((p) => (typeof p === "string" ? JSON.stringify(p) : show(p))).join(", ")})`;
  }
}

function showExpr(e: Expr): string {
  const k = e.kind;
  let s: string;
  switch (k.type) {
    case "term":
      s = show(k.term);
      break;
    case "call":
      s = `${show(k.op)}(${k.args.map(show).join(", ")})`;
      break;
    case "some":
      s = `some ${k.vars.map(show).join(", ")}`;
      break;
    case "somein":
      s = `some ${k.key ? `${show(k.key)}, ` : ""}${show(k.value)} in ${show(k.collection)}`;
      break;
    case "every":
      s = `every ${k.key ? `${show(k.key)}, ` : ""}${show(k.value)} in ${show(k.domain)} { ${k.body.map(showExpr).join("; ")} }`;
      break;
    case "or":
    case "and":
      s = `${k.type}({${k.left.map(showExpr).join("; ")}}, {${k.right.map(showExpr).join("; ")}})`;
      break;
    case "not":
      s = `not{${k.body.map(showExpr).join("; ")}}`;
      break;
  }
  if (e.negated) s = `not ${s}`;
  for (const w of e.with) s += ` with ${show(w.target)} as ${show(w.value)}`;
  return s;
}

const q = (src: string): string[] => parseQuery(src, { regoVersion: 1 }).map(showExpr);
const mod1 = (src: string) => parseModule(`package p\n${src}`, "t.rego", { regoVersion: 1 });
const mod0 = (src: string) => parseModule(`package p\n${src}`, "t.rego", { regoVersion: 0 });

function head(r: Rule): string {
  const h = r.head;
  const ref = h.ref.map(show).join(".");
  const parts = [h.kind, ref];
  if (h.key) parts.push(`key=${show(h.key)}`);
  if (h.args) parts.push(`args=${h.args.map(show).join(",")}`);
  if (h.value) parts.push(`value=${show(h.value)}`);
  if (h.assign) parts.push("assign");
  return parts.join(" ");
}

function parseErr(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RegoError);
    expect((e as RegoError).code).toBe("rego_parse_error");
    return (e as RegoError).errors[0].message;
  }
  throw new Error("expected a parse error");
}

describe("operators", () => {
  it("follows OPA precedence: in < relations < | < & < +- < */%", () => {
    expect(q("x := 1 + 2 * 3")).toEqual(["assign(x, plus(1, mul(2, 3)))"]);
    expect(q("a == b | c")).toEqual(["equal(a, or(b, c))"]);
    expect(q("a | b & c")).toEqual(["or(a, and(b, c))"]);
    expect(q("a - b - c")).toEqual(["minus(minus(a, b), c)"]);
    expect(q("x in xs == true")).toEqual(['internal["member_2"](x, equal(xs, true))']);
    expect(q("a < b")).toEqual(["lt(a, b)"]);
    expect(q("a >= b % 2")).toEqual(["gte(a, rem(b, 2))"]);
    expect(q("a != b / c")).toEqual(["neq(a, div(b, c))"]);
  });

  it("parses unary minus as a negative number or minus(0, x)", () => {
    expect(q("x := -1")).toEqual(["assign(x, -1)"]);
    expect(q("x := -y")).toEqual(["assign(x, minus(0, y))"]);
    expect(q("x := 3-1")).toEqual(["assign(x, minus(3, 1))"]);
    expect(q("x := [1, -2.5]")).toEqual(["assign(x, [1, -2.5])"]);
  });

  it("maps k, v in xs to member_3 at top level but not in call args", () => {
    expect(q("k, v in xs")).toEqual(['internal["member_3"](k, v, xs)']);
    expect(q("f(k, v in xs)")).toEqual(['f(k, internal["member_2"](v, xs))']);
    expect(q("[a, b in c]")).toEqual(['[a, internal["member_2"](b, c)]']);
  });

  it("continues an expression over newlines after an operator or inside brackets", () => {
    expect(q("x := 1 +\n  2\ny := [\n 1,\n 2,\n]")).toEqual(["assign(x, plus(1, 2))", "assign(y, [1, 2])"]);
    expect(q("count(x,\n n)")).toEqual(["count(x, n)"]);
  });
});

describe("terms", () => {
  it("distinguishes sets, objects and comprehensions", () => {
    expect(show(parseTerm("{}"))).toBe("{}");
    expect(show(parseTerm("set()"))).toBe("set()");
    expect(show(parseTerm("{1, 2}"))).toBe("set(1, 2)");
    expect(show(parseTerm('{"a": {1, 2}}'))).toBe('{"a": set(1, 2)}');
    expect(show(parseTerm("{x | x := 1}"))).toBe("{x | assign(x, 1)}");
    expect(show(parseTerm("{k: v | some k, v in o}"))).toBe("{k: v | some k, v in o}");
    expect(show(parseTerm("[x | x = y[_]]"))).toBe("[x | eq(x, y[$0])]");
    expect(show(parseTerm("{a | b, c}"))).toBe("set(or(a, b), c)");
    expect(show(parseTerm("{a + 1: b}"))).toBe("{plus(a, 1): b}");
  });

  it("parses refs with any head and keyword fields", () => {
    expect(show(parseTerm('a.b[c]["d"][_]'))).toBe('a["b"][c]["d"][$0]');
    expect(show(parseTerm("f(x)[0].y"))).toBe('f(x)[0]["y"]');
    expect(show(parseTerm("[1, 2][_]"))).toBe("[1, 2][$0]");
    expect(show(parseTerm("data.foo.in.every"))).toBe('data["foo"]["in"]["every"]');
    expect(show(parseTerm("input"))).toBe("input");
    expect(parseTerm("input").type).toBe("ref");
    expect(show(parseTerm("foo.bar(1)"))).toBe('foo["bar"](1)');
  });

  it("does not join a ref across whitespace", () => {
    expect(parseErr(() => q("x := [a [0]]"))).toBe('unexpected [ token: expected "," or "]"');
    expect(parseErr(() => q("x := a [0]"))).toMatch(/unexpected \[ token/);
    expect(q("x := a[0]")).toEqual(["assign(x, a[0])"]);
  });

  it("decodes strings, raw strings and numbers", () => {
    expect(show(parseTerm('"a\\n\\t\\"\\\\\\/\\u00e9\\ud83d\\ude00"'))).toBe(JSON.stringify('a\n\t"\\/é😀'));
    expect(show(parseTerm("`a\\nb`"))).toBe(JSON.stringify("a\\nb"));
    const big = parseTerm("123456789012345678901234567890");
    expect(big.type === "number" && big.value).toBe(123456789012345678901234567890n);
    expect(big.type === "number" && big.raw).toBe("123456789012345678901234567890");
    const f = parseTerm("1.5e3");
    expect(f.type === "number" && f.value).toBe(1500);
    expect(parseErr(() => parseTerm("012"))).toMatch(/leading zero/);
  });

  it("parses template strings", () => {
    expect(show(parseTerm('$"a{x + 1}b\\{c}"'))).toBe('$("a", plus(x, 1), "b{c}")');
    expect(show(parseTerm('$"{$"{a}"}"'))).toBe("$($(a))");
    expect(show(parseTerm("$`x\n{y}`"))).toBe('$("x\\n", y)');
  });

  it("generates fresh wildcards", () => {
    expect(q("x[_] = y[_]")).toEqual(["eq(x[$0], y[$1])"]);
    const t = parseTerm("_");
    expect(t.type === "var" && t.wildcard && t.generated).toBe(true);
  });
});

describe("literals", () => {
  it("parses some, every, not and with", () => {
    expect(q("some x, y")).toEqual(["some x, y"]);
    expect(q("some x in xs")).toEqual(["some x in xs"]);
    expect(q("some k, v in xs")).toEqual(["some k, v in xs"]);
    expect(q("every x in xs { x > 0 }")).toEqual(["every x in xs { gt(x, 0) }"]);
    expect(q("every k, v in xs { k == v }")).toEqual(["every k, v in xs { equal(k, v) }"]);
    expect(q("not p with input as 1 with data.x as {}")).toEqual([
      'not p with input as 1 with data["x"] as {}',
    ]);
    expect(q("a; b\nc")).toEqual(["a", "b", "c"]);
    expect(parseErr(() => q("a b"))).toBe("unexpected ident token: expected \\n or ; or EOF");
  });

  it("treats keywords followed by . or [ as ref heads", () => {
    expect(q("not.foo == 1")).toEqual(['equal(not["foo"], 1)']);
    expect(q("in.foo")).toEqual(['in["foo"]']);
  });

  it("uses contains as a plain name outside rule heads", () => {
    expect(q('contains("abc", "b")')).toEqual(['contains("abc", "b")']);
  });
});

describe("rules", () => {
  it("parses v1 rule forms", () => {
    const m = mod1(`
default allow := false
p := 1 if input.x > 1
q contains x if { some x in [1] }
r contains "a"
o[k] := v if { k := "a"; v := 1 }
s[x] if x := 1
a.b.c[x] := y if { x := 1; y := 2 }
a.b contains 1
a.d if true
f(x) := y if y := x
g(1, [a, b]) if true
t := 7
`);
    expect(m.rules.map(head)).toEqual([
      'complete "allow" value=false assign',
      'complete "p" value=1 assign',
      'set "q" key=x',
      'set "r" key="a"',
      'object "o" key=k value=v assign',
      'object "s" key=x value=true',
      'complete "a"."b"."c".x value=y assign',
      'set "a"."b" key=1',
      'complete "a"."d" value=true',
      'function "f" args=x value=y assign',
      'function "g" args=1,[a, b] value=true',
      'complete "t" value=7 assign',
    ]);
    expect(m.rules[0].isDefault).toBe(true);
    expect(m.rules[1].body.map(showExpr)).toEqual(['gt(input["x"], 1)']);
  });

  it("parses v0 rule forms, including multiple bodies", () => {
    const m = mod0(`
p[x] { x := 1 }
o[k] = v { k := "a"; v := 1 }
c = 1 { true }
d { true } { false }
f(x) = y { y := x }
pi = 3.14
s["a"]
`);
    expect(m.rules.map(head)).toEqual([
      'set "p" key=x',
      'object "o" key=k value=v',
      'complete "c" value=1',
      'complete "d" value=true',
      'complete "d" value=true',
      'function "f" args=x value=y',
      'complete "pi" value=3.14',
      'set "s" key="a"',
    ]);
    expect(m.rules[4].body.map(showExpr)).toEqual(["false"]);
  });

  it("parses else chains", () => {
    const m = mod1(`
f(x) := 1 if x > 1 else := 2 if { x > 0 } else := 3
p if false else if true
`);
    const f = m.rules[0];
    expect(head(f)).toBe('function "f" args=x value=1 assign');
    expect(f.else && head(f.else)).toBe('function "f" args=x value=2 assign');
    expect(f.else?.body.map(showExpr)).toEqual(["gt(x, 0)"]);
    expect(f.else?.else && head(f.else.else)).toBe('function "f" args=x value=3 assign');
    const p = m.rules[1];
    expect(p.else && head(p.else)).toBe('complete "p" value=true');
    const m0 = mod0("p = 1 { false } else = 2 { true } else { true }");
    expect(m0.rules[0].else?.else && head(m0.rules[0].else.else)).toBe('complete "p" value=true');
  });

  it("parses `if` with a single expression or a body", () => {
    const m = mod1("p if { true }\nq if { x := 1 }\nr if x > 1");
    expect(m.rules.map((r) => r.body.map(showExpr).join("; "))).toEqual(["true", "assign(x, 1)", "gt(x, 1)"]);
  });

  it("enables future keywords per import in v0", () => {
    expect(() => mod0("p { x in [1] }")).toThrow(RegoError);
    const m = mod0("import future.keywords.in\np { x in [1] }");
    expect(m.rules[0].body.map(showExpr)).toEqual(['internal["member_2"](x, [1])']);
    const v = mod0("import rego.v1\np contains x if { some x in [1] }");
    expect(v.regoVersion).toBe(1);
    expect(head(v.rules[0])).toBe('set "p" key=x');
    expect(head(mod0("contains[x] { x := 1 }").rules[0])).toBe('set "contains" key=x');
  });

  it("rejects deprecated forms in v1 with OPA's messages", () => {
    expect(parseErr(() => mod1("p { true }"))).toBe("`if` keyword is required before rule body");
    expect(parseErr(() => mod1("f(x) = 1 { true }"))).toBe("`if` keyword is required before function body");
    expect(parseErr(() => mod1("p[x] if { x := 1 }\nq[x] { x := 1 }"))).toBe(
      "`if` keyword is required before rule body",
    );
    expect(parseErr(() => mod1("a.b.c"))).toBe("rule must have value assignment and/or body declaration");
    expect(parseErr(() => mod1("in := 1"))).toBe("in keyword cannot be used for rule name");
    expect(parseErr(() => mod0("import rego.v1\np[x] { x := 1 }"))).toBe(
      "`if` keyword is required before rule body",
    );
  });

  it("validates default rules and else placement", () => {
    expect(parseErr(() => mod1("default p := x"))).toBe("illegal default rule (value cannot contain var)");
    // OPA fills in `true`, as for `p` without a value
    expect(head(mod1("default p").rules[0])).toBe('complete "p" value=true');
    expect(parseErr(() => mod1("p contains x if true else := 1"))).toBe(
      "else keyword cannot be used on multi-value rules",
    );
    expect(parseErr(() => mod1("a.b[x] := 1 if true else := 2"))).toBe(
      "else keyword cannot be used on rules with variables in head",
    );
  });

  it("parses imports and keyword refs in packages", () => {
    const m = parseModule(
      "package foo.in.bar\nimport data.x.y as z\nimport input.foo\nimport future.keywords\n",
      "t.rego",
      { regoVersion: 0 },
    );
    expect(m.package).toEqual(["foo", "in", "bar"]);
    expect(m.imports.map((i) => `${show(i.path)}${i.alias ? ` as ${i.alias}` : ""}`)).toEqual([
      'data["x"]["y"] as z',
      'input["foo"]',
      'future["keywords"]',
    ]);
    expect(parseErr(() => mod1("import foo.bar"))).toMatch(/unexpected import path, must begin with one of/);
    expect(parseErr(() => mod0("import rego.v2"))).toBe("invalid import `rego.v2`, must be `rego.v1`");
    expect(parseErr(() => mod1("import future.keywords.foo"))).toMatch(/unexpected keyword, must be one of/);
  });

  it("keeps comments and parses METADATA annotations", () => {
    const m = mod1("# METADATA\n# title: T\n# custom:\n#   a: 1\np := 1 # trailing\n");
    expect(m.comments.map((c) => c.text)).toEqual([
      " METADATA",
      " title: T",
      " custom:",
      "   a: 1",
      " trailing",
    ]);
    expect(m.rules[0].annotations).toMatchObject({ title: "T", custom: { a: 1 }, scope: "rule" });
  });

  it("records locations", () => {
    const m = parseModule("package p\n\np := 1 if {\n  input.x == 2\n}\n", "f.rego", { regoVersion: 1 });
    expect(m.rules[0].loc).toEqual({ file: "f.rego", row: 3, col: 1 });
    expect(m.rules[0].body[0].loc).toEqual({ file: "f.rego", row: 4, col: 3 });
    const err = (() => {
      try {
        parseModule("package p\np if {\n  x := \n}", "f.rego", { regoVersion: 1 });
      } catch (e) {
        return e as RegoError;
      }
    })();
    expect(err?.errors[0].location).toMatchObject({ file: "f.rego", row: 4 });
  });
});

describe("experimental logic operators", () => {
  it("parses or/and with precedence, groups and with", () => {
    const m = mod1(`import future.keywords.and
import future.keywords.or
import future.keywords.not
p if {
  not input.a or input.b and input.c or input.d with input as {}
  (input.x or input.y) and { a := 1; a > 0 }
  not (input.a or input.b)
}`);
    expect(m.rules[0].body.map(showExpr)).toEqual([
      'or({or({not input["a"]}, {and({input["b"]}, {input["c"]})})}, {input["d"]}) with input as {}',
      'and({or({input["x"]}, {input["y"]})}, {assign(a, 1); gt(a, 0)})',
      'not{or({input["a"]}, {input["b"]})}',
    ]);
  });
});
