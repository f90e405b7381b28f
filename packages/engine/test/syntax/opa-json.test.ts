/** OPA's JSON AST form (rego.parse_module / `opa parse --format json`) and annotations. */
import { execFileSync } from "node:child_process";
import { referenceTool } from "@portcullis/testkit";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/rego/index.ts";
import { moduleToJSON, parseModule } from "../../src/rego/syntax/index.ts";
import { toJSONText } from "../../src/rego/value.ts";

// Expected values below are `opa parse --format json` output (OPA 1.22).
describe("moduleToJSON", () => {
  it("matches OPA's JSON for a small module", () => {
    const m = parseModule(
      'package foo.bar\n\nimport data.a\n\np if { a = true }\nq[x] := {"b": 1, "a": null} if some x in [1]\ndefault r := 1\n',
      "x.rego",
      { regoVersion: 1 },
    );
    const v = (value: unknown) => ({ type: "var", value });
    const s = (value: unknown) => ({ type: "string", value });
    const n = (value: unknown) => ({ type: "number", value });
    expect(moduleToJSON(m)).toEqual({
      package: { path: [v("data"), s("foo"), s("bar")] },
      imports: [{ path: { type: "ref", value: [v("data"), s("a")] } }],
      rules: [
        {
          body: [
            {
              index: 0,
              terms: [{ type: "ref", value: [v("eq")] }, v("a"), { type: "boolean", value: true }],
            },
          ],
          head: { name: "p", value: { type: "boolean", value: true }, ref: [v("p")] },
        },
        {
          body: [
            {
              index: 0,
              terms: {
                symbols: [
                  {
                    type: "call",
                    value: [
                      { type: "ref", value: [v("internal"), s("member_2")] },
                      v("x"),
                      { type: "array", value: [n(1)] },
                    ],
                  },
                ],
              },
            },
          ],
          head: {
            name: "q",
            key: v("x"),
            value: {
              type: "object",
              value: [
                [s("a"), { type: "null", value: {} }],
                [s("b"), n(1)],
              ],
            },
            assign: true,
            ref: [v("q"), v("x")],
          },
        },
        {
          body: [{ index: 0, terms: { type: "boolean", value: true }, generated: true }],
          default: true,
          head: { name: "r", value: n(1), assign: true, ref: [v("r")] },
        },
      ],
    });
  });

  it("keeps a module's package path indexable as rego.parse_module users expect", () => {
    const j = moduleToJSON(parseModule("package foo.bar\n", "x.rego", { regoVersion: 1 })) as {
      package: { path: { value: string }[] };
    };
    expect(j.package.path[1].value).toBe("foo");
  });
});

describe("annotations", () => {
  it("normalises METADATA blocks into OPA's annotation form", () => {
    const m = parseModule(
      `# METADATA
# description: The Rego test suite
package testing

# METADATA
# title: Testing annotations
# authors:
# - The OPA contributors
# - Jane Doe <jane@example.com>
# related_resources:
# - https://example.com
# schemas:
# - input: schema.input
# custom:
#   severity: high
p := 1
`,
      "x.rego",
      { regoVersion: 1 },
    );
    expect(m.annotations).toEqual([{ scope: "package", description: "The Rego test suite" }]);
    expect(m.rules[0].annotations).toEqual({
      scope: "rule",
      title: "Testing annotations",
      authors: [{ name: "The OPA contributors" }, { name: "Jane Doe", email: "jane@example.com" }],
      related_resources: [{ ref: "https://example.com" }],
      schemas: [
        {
          path: [{ type: "var", value: "input" }],
          schema: [
            { type: "var", value: "schema" },
            { type: "string", value: "input" },
          ],
        },
      ],
      custom: { severity: "high" },
    });
  });

  it("attaches document scope to the following rule", () => {
    const m = parseModule("package t\n# METADATA\n# scope: document\n# title: T\np := 1\n", "x.rego", {
      regoVersion: 1,
    });
    expect(m.rules[0].annotations).toEqual({ scope: "document", title: "T" });
  });
});

// Every construct the renderer has a case for, through the builtin a policy calls.
const RICH_MODULE = `package p.q
import rego.v1
import data.lib.x as y
default a := null
s contains x if { some x in [1,2]; x > 1 }
o[k] := v if { some k, v in {"b": 1, "a": 2} }
f(x, y) := z if { z := x + y; not x == 1 } else := 0
t := {3, 1, 2} if { every i in [1] { i > 0 } }
u := count([x | x := input.a[_]]) if { q := {k: 1 | some k in input.b} with input as {} }
v if { some m, n; m = 1; n = 2 }
w := $"a{input.x}b" if true
`;

describe("rego.parse_module", () => {
  it("returns what opa's rego.parse_module returns (differential)", () => {
    const opa = referenceTool("opa");
    const out = execFileSync(
      opa,
      ["eval", "-f", "json", "--stdin-input", 'rego.parse_module("x.rego", input)'],
      {
        input: JSON.stringify(RICH_MODULE),
        encoding: "utf8",
      },
    );
    const want = JSON.parse(out).result[0].expressions[0].value;
    const [row] = compile([
      { file: "q.rego", source: 'package t\nr := rego.parse_module("x.rego", input)\n' },
    ])
      .prepare("x := data.t.r")
      .eval({ input: RICH_MODULE });
    expect(row).toBeDefined();
    expect(JSON.parse(toJSONText(row.x))).toEqual(want);
  });
});
