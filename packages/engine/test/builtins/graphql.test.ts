import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/graphql.ts";
import type { Value } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

const schema = `
  extend type Query {
    myAction(myEnum: Locale!): SomeResult!
    hero(episode: String): Hero
  }
  type SomeResult { id: String }
  type Hero { id: ID! name: String friends: [Hero] }
  enum Locale { EN LT DE }
`;

describe("graphql.parse_query / parse_schema (gqlparser AST)", () => {
  it("renders the pruned Go AST", () => {
    expect(call("graphql.parse_query", "{hero {name}}")).toEqual({
      Operations: [
        {
          Name: "",
          Operation: "query",
          SelectionSet: [{ Alias: "hero", Name: "hero", SelectionSet: [{ Alias: "name", Name: "name" }] }],
        },
      ],
    });
    expect(
      call("graphql.parse_query", "query Q($e: String!) { hero(episode: $e) @include(if: true) { id } }"),
    ).toEqual({
      Operations: [
        {
          Name: "Q",
          Operation: "query",
          VariableDefinitions: [{ Type: { NamedType: "String", NonNull: true }, Used: false, Variable: "e" }],
          SelectionSet: [
            {
              Alias: "hero",
              Name: "hero",
              Arguments: [{ Name: "episode", Value: { ExpectedTypeHasDefault: false, Kind: 0, Raw: "e" } }],
              Directives: [
                {
                  Name: "include",
                  Location: "",
                  Arguments: [{ Name: "if", Value: { ExpectedTypeHasDefault: false, Kind: 5, Raw: "true" } }],
                },
              ],
              SelectionSet: [{ Alias: "id", Name: "id" }],
            },
          ],
        },
      ],
    });
    expect(call("graphql.parse_query", "{ f(id: [1,2]) }")).toMatchObject({
      Operations: [
        {
          SelectionSet: [
            {
              Arguments: [
                { Value: { Kind: 8, Children: [{ Name: "", Value: { Kind: 1, Raw: "1" } }, { Name: "" }] } },
              ],
            },
          ],
        },
      ],
    });
    const s = call(
      "graphql.parse_schema",
      `"desc" type A implements B & C { f(x: Int = 1): [String!]! }`,
    ) as Record<string, Value[]>;
    expect(s.Definitions[0]).toEqual({
      BuiltIn: false,
      Description: "desc",
      Kind: "OBJECT",
      Name: "A",
      Interfaces: ["B", "C"],
      Fields: [
        {
          Description: "",
          Name: "f",
          Arguments: [
            {
              Description: "",
              Name: "x",
              DefaultValue: { ExpectedTypeHasDefault: false, Kind: 1, Raw: "1" },
              Type: { NamedType: "Int", NonNull: false },
            },
          ],
          Type: { NamedType: "", NonNull: true, Elem: { NamedType: "String", NonNull: true } },
        },
      ],
    });
  });
  it("reports gqlparser's syntax errors", () => {
    const q = (src: string, msg: string) =>
      expectErr(() => call("graphql.parse_query", src), "eval_builtin_error", `graphql.parse_query: ${msg}`);
    q("{", "Expected Name, found <EOF> in GraphQL string at location 1:2");
    q("...", "Unexpected ... in GraphQL string at location 1:1");
    q("notanoperation", 'Unexpected Name "notanoperation" in GraphQL string at location 1:1');
    q("fragment on on on { on }", 'Unexpected Name "on" in GraphQL string at location 1:10');
    const sc = (src: string, msg: string) =>
      expectErr(
        () => call("graphql.parse_schema", src),
        "eval_builtin_error",
        `graphql.parse_schema: ${msg}`,
      );
    sc("type Hello { }", "expected at least one definition, found } in GraphQL string at location 1:14");
    sc(
      '\n"Description" extend type Hello { world: String }',
      'Unexpected String "Description" in GraphQL string at location 2:2',
    );
    sc('\n"unterminated', "Unexpected <Invalid> in GraphQL string at location 2:14");
    sc("union Hello = |", "Expected Name, found <EOF> in GraphQL string at location 1:16");
  });
});

describe("graphql validation", () => {
  it("accepts valid queries", () => {
    const q = `query SomeOperation ($locale: Locale! = DE) { myAction(myEnum: $locale) { id } }`;
    expect(call("graphql.is_valid", q, schema)).toBe(true);
    expect((call("graphql.parse_and_verify", q, schema) as Value[])[0]).toBe(true);
    expect(call("graphql.schema_is_valid", schema)).toBe(true);
    expect(call("graphql.schema_is_valid", "type A { b: Missing }")).toBe(false);
    const [qa, sa] = call("graphql.parse", q, schema) as Value[];
    expect(qa).toEqual(call("graphql.parse_query", q));
    expect(sa).toEqual(call("graphql.parse_schema", schema));
  });
  it("rejects invalid ones with gqlparser's messages", () => {
    const missing = `query SomeOperation {\n  myAction {\n    id\n  }\n}`;
    expect(call("graphql.is_valid", missing, schema)).toBe(false);
    expect(call("graphql.parse_and_verify", missing, schema)).toEqual([false, {}, {}]);
    expectErr(
      () => call("graphql.parse", missing, schema),
      "eval_builtin_error",
      'graphql.parse: Field "myAction" argument "myEnum" of type "Locale!" is required, but it was not provided in GraphQL string at location 2:3',
    );
    expect(call("graphql.is_valid", "{ hero(nope: 1) { id } }", schema)).toBe(false);
    expect(call("graphql.is_valid", "{ hero { unknown } }", schema)).toBe(false);
    expect(call("graphql.is_valid", "{ hero }", schema)).toBe(false);
    expect(call("graphql.is_valid", "mutation { x }", schema)).toBe(false);
    expect(call("graphql.is_valid", "query ($v: Int) { hero { id } }", schema)).toBe(false);
    // OPA: an operand that is no document (not a string or object) is simply not valid
    expect(call("graphql.is_valid", 1, schema)).toBe(false);
  });
  it("formats error lists and suggestions like OPA over gqlparser", () => {
    const s =
      "type Query { hero(id: ID, req: Int!): Hero  name: String  named: Int }\ntype Hero { id: ID! name: String }";
    expectErr(
      () => call("graphql.parse", "{ name { x } }", s),
      "eval_builtin_error",
      'graphql.parse: Cannot query field "x" on type "String".\ninput:1:3: Field "name" must not have a selection since type "String" has no subfields in GraphQL string at location 1:10',
    );
    expectErr(
      () => call("graphql.parse", "{ nope }", s),
      "eval_builtin_error",
      'Cannot query field "nope" on type "Query". Did you mean "name"?\n in GraphQL string at location 1:3',
    );
    expectErr(
      () => call("graphql.parse", "{ hero(req: 1) }", s),
      "eval_builtin_error",
      'Field "hero" of type "Hero" must have a selection of subfields. Did you mean "hero { ... }"?\n in GraphQL string at location 1:3',
    );
    expectErr(
      () => call("graphql.parse", "query ($x: Int) { hero(req: $y) { id } }", s),
      "eval_builtin_error",
      'Variable "$y" is not defined.\ninput:1:8: Variable "$x" is never used in GraphQL string at location 1:29',
    );
  });
  it("accepts AST objects as operands", () => {
    const q = call("graphql.parse_query", "{ hero { id name } }") as Value;
    const s = call("graphql.parse_schema", schema) as Value;
    expect(call("graphql.is_valid", q, s)).toBe(true);
  });
});
