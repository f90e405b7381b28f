import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/json.ts";
import { equal, RObj, RSet, toJSONText, type Value } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);
const nums = [1234567890, 2000000, 1000000000];

describe("json.marshal", () => {
  it("is compact with sorted keys and sets as arrays", () => {
    expect(call("json.marshal", [{ foo: new RSet([3, 1, 2]) }])).toBe('[{"foo":[1,2,3]}]');
    expect(call("json.marshal", nums)).toBe("[1234567890,2000000,1000000000]");
    expect(call("json.marshal", { b: 1, a: [true, null] })).toBe('{"a":[true,null],"b":1}');
    expect(call("json.marshal", 12345678901234567890n)).toBe("12345678901234567890");
  });
  it("escapes like Go (HTML-safe)", () => {
    expect(call("json.marshal", "<a>&\u2028\u0001\b\f\u007f")).toBe(
      '"\\u003ca\\u003e\\u0026\\u2028\\u0001\\b\\f\u007f"',
    );
  });
  it("stringifies non-string keys", () => {
    const o = new RObj([
      [[1, 2], 1],
      [{ a: 1 }, 2],
    ]);
    expect(call("json.marshal", o)).toBe('{"[1,2]":1,"{\\"a\\":1}":2}');
  });
});

describe("json.marshal_with_options (conformance jsonbuiltins)", () => {
  it("indents and prefixes", () => {
    expect(call("json.marshal_with_options", nums, { indent: "  " })).toBe(
      "[\n  1234567890,\n  2000000,\n  1000000000\n]",
    );
    expect(call("json.marshal_with_options", nums, {})).toBe("[1234567890,2000000,1000000000]");
    expect(call("json.marshal_with_options", nums, { pretty: true })).toBe(
      "[\n\t1234567890,\n\t2000000,\n\t1000000000\n]",
    );
    expect(call("json.marshal_with_options", nums, { pretty: false, prefix: "NO!", indent: "BAD!" })).toBe(
      "[1234567890,2000000,1000000000]",
    );
    expect(call("json.marshal_with_options", { foo: "bar", bar: "baz" }, { prefix: "JSON => " })).toBe(
      'JSON => {\nJSON => \t"bar": "baz",\nJSON => \t"foo": "bar"\nJSON => }',
    );
    expect(call("json.marshal_with_options", [], { indent: "    ", prefix: "---" })).toBe("---[]");
    expect(call("json.marshal_with_options", [[[]]], { indent: " " })).toBe("[\n [\n  []\n ]\n]");
  });
  it("rejects bad options", () => {
    expectErr(
      () => call("json.marshal_with_options", [], { indent: "    ", include_winning_lottery_numbers: true }),
      "eval_type_error",
      'object contained unknown key "include_winning_lottery_numbers"',
    );
    expectErr(
      () => call("json.marshal_with_options", [], { prefix: 1 }),
      "eval_type_error",
      'json.marshal_with_options: operand 2 key "prefix" failed cast to string: operand 0 must be string but got number',
    );
    expectErr(
      () => call("json.marshal_with_options", [], { pretty: 1 }),
      "eval_type_error",
      'key "pretty" failed cast to bool',
    );
  });
});

describe("json.unmarshal / is_valid", () => {
  it("parses with exact big integers", () => {
    expect(call("json.unmarshal", '[{"foo":[1,2,3]}]')).toEqual([{ foo: [1, 2, 3] }]);
    expect(call("json.unmarshal", "12345678901234567890")).toBe(12345678901234567890n);
    expect(call("json.unmarshal", "9007199254740991")).toBe(9007199254740991);
    expect(call("json.unmarshal", '{"a":1,"a":2, "__proto__": 3}')).toEqual(
      JSON.parse('{"a":2,"__proto__":3}'),
    );
    expect(call("json.unmarshal", '"\\ud800x"')).toBe("\ufffdx");
    // the number keeps its text, as OPA's json.Number does
    expect(toJSONText(call("json.unmarshal", "1.5e3") as Value)).toBe("1.5e3");
    expect(equal(call("json.unmarshal", "1.5e3") as Value, 1500)).toBe(true);
    expect(call("json.unmarshal", "1 null")).toBe(1);
  });
  it("reports Go decoder errors", () => {
    const cases: [string, string][] = [
      ["[1,2", "unexpected EOF"],
      ["[1,2]x", "invalid character 'x' looking for beginning of value"],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{"a":1 "b"}', "invalid character '\"' after object key:value pair"],
      ["trux", "invalid character 'x' in literal true (expecting 'e')"],
      ["[1,]", "invalid character ']' looking for beginning of value"],
      ["  ", "EOF"],
      ["01", "error: invalid character '1' after top-level value"],
      ["[1] [2]", "error: invalid character '[' after top-level value"],
      ['"\\x"', "invalid character 'x' in string escape code"],
      ['"\\u00zz"', "invalid character 'z' in \\u hexadecimal character escape"],
      ['{"a":1}}', "invalid character '}' looking for beginning of value"],
      ["1 true", "error: invalid character '%!s(bool=true)' after top-level value"],
      ['"a\nb"', "invalid character '\\n' in string literal"],
      ["é", "invalid character 'Ã' looking for beginning of value"],
    ];
    for (const [src, msg] of cases)
      expectErr(() => call("json.unmarshal", src), "eval_builtin_error", `json.unmarshal: ${msg}`);
    expectErr(() => call("json.unmarshal", 1), "eval_type_error", "operand 1 must be string but got number");
  });
  it("is_valid follows json.Valid", () => {
    expect(call("json.is_valid", '{"a": [1, 2.5e3]}')).toBe(true);
    expect(call("json.is_valid", "1 null")).toBe(false);
    expect(call("json.is_valid", "01")).toBe(false);
    expect(call("json.is_valid", 1)).toBe(false);
  });
});

describe("json.filter (conformance jsonfilter)", () => {
  const doc = { a: { b: { c: 7, d: 8 } }, e: 9 };
  it("keeps selected paths", () => {
    expect(call("json.filter", doc, new RSet(["a/b/c"]))).toEqual({ a: { b: { c: 7 } } });
    expect(call("json.filter", doc, ["a/b/c", "e"])).toEqual({ a: { b: { c: 7 } }, e: 9 });
    expect(call("json.filter", { a: { b: 7 } }, new RSet(["a", "a/b"]))).toEqual({ a: { b: 7 } });
    expect(call("json.filter", { a: 7 }, new RSet())).toEqual({});
    expect(call("json.filter", { a: [{ b: 7, c: 8 }, { d: 9 }] }, new RSet(["a/0/b", "a/1"]))).toEqual({
      a: [{ b: 7 }, { d: 9 }],
    });
    expect(call("json.filter", { a: [{ "1": ["b", "c", "d"] }, { x: "y" }] }, ["a/0/1/2"])).toEqual({
      a: [{ "1": ["d"] }],
    });
    expect(call("json.filter", doc, new RSet([["a", "b", "c"], ["e"]]))).toEqual({
      a: { b: { c: 7 } },
      e: 9,
    });
    expect(call("json.filter", { a: new RSet(["x", "y"]) }, ["a/x"])).toEqual({ a: new RSet(["x"]) });
  });
  it("checks operands", () => {
    expectErr(
      () => call("json.filter", {}, 1),
      "eval_type_error",
      "json.filter: operand 2 must be one of {set, array} but got number",
    );
    expectErr(
      () => call("json.filter", [], []),
      "eval_type_error",
      "json.filter: operand 1 must be object but got array",
    );
    expectErr(
      () => call("json.filter", {}, [1]),
      "eval_type_error",
      "operand 2 must be one of {set, array} containing string paths or array of path segments but got number",
    );
  });
});

describe("json.remove (conformance jsonremove)", () => {
  it("removes selected paths", () => {
    expect(call("json.remove", { a: { b: { c: 7, d: 8 } }, e: 9 }, new RSet(["a/b/c"]))).toEqual({
      a: { b: { d: 8 } },
      e: 9,
    });
    expect(call("json.remove", { a: { b: 7 }, c: 1 }, new RSet(["a", "a/b"]))).toEqual({ c: 1 });
    expect(call("json.remove", { a: [1, 2, 3] }, ["/a/1"])).toEqual({ a: [1, 3] });
    expect(call("json.remove", { a: new RSet(["x", "y"]) }, [["a", "x"]])).toEqual({ a: new RSet(["y"]) });
    expect(call("json.remove", { "a/b": 1, "c~d": 2, e: 3 }, ["a~1b", "/c~0d"])).toEqual({ e: 3 });
    expect(call("json.remove", { a: 1 }, [""])).toEqual({ a: 1 });
  });
});

describe("json.patch", () => {
  it("applies RFC 6902 operations", () => {
    expect(call("json.patch", { foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }])).toEqual({
      foo: "bar",
      baz: "qux",
    });
    expect(
      call("json.patch", { foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }]),
    ).toEqual({
      foo: ["bar", "qux", "baz"],
    });
    expect(call("json.patch", { a: [1] }, [{ op: "add", path: "/a/-", value: 2 }])).toEqual({ a: [1, 2] });
    expect(call("json.patch", { a: 1 }, [{ op: "replace", path: "", value: 5 }])).toBe(5);
    expect(
      call("json.patch", { foo: { a: 1 }, bar: {} }, [
        { op: "move", from: "/foo/a", path: "/bar/a" },
        { op: "copy", from: "/bar", path: "/baz" },
        { op: "test", path: "/baz/a", value: 1.0 },
      ]),
    ).toEqual({ foo: {}, bar: { a: 1 }, baz: { a: 1 } });
  });
  it("edits sets by content (conformance set cases)", () => {
    const doc = { foo: new RSet(["a", "b", "c"]) };
    expect(call("json.patch", doc, [{ op: "remove", path: "foo/b" }])).toEqual({ foo: new RSet(["a", "c"]) });
    expect(call("json.patch", doc, [{ op: "add", path: "foo/d", value: "d" }])).toEqual({
      foo: new RSet(["a", "b", "c", "d"]),
    });
    expectErr(
      () => call("json.patch", doc, [{ op: "add", path: "foo/d", value: "e" }]),
      "eval_builtin_error",
      'set key "d" does not equal value to be inserted "e"',
    );
    expect(call("json.patch", new RSet([[1]]), [{ op: "add", path: [[1], 1], value: 2 }])).toEqual(
      new RSet([[1, 2]]),
    );
  });
  it("reports OPA's errors", () => {
    const e = (doc: unknown, ops: unknown[], msg: string) =>
      expectErr(
        () => call("json.patch", doc as never, ops as never),
        "eval_builtin_error",
        `json.patch: ${msg}`,
      );
    e({ a: 1 }, [{ op: "remove", path: "/b" }], 'cannot delete child key "b" that does not exist');
    e({ q: 1 }, [{ op: "add", path: "/a/b", value: 3 }], 'path "a" does not exist in object term {"q": 1}');
    e(
      { q: 1 },
      [{ op: "add", path: "/q/b", value: 3 }],
      "expected composite type, found value: 1 (type: ast.Number)",
    );
    e({ q: [1] }, [{ op: "add", path: "/q/5", value: 3 }], "index for array insertion out of bounds");
    e({ q: [1] }, [{ op: "remove", path: "/q/01" }], "leading zeros are not allowed in JSON paths");
    e({ q: [1] }, [{ op: "add", path: "/q/x", value: 1 }], "invalid string for indexing");
    e({ q: [1] }, [{ op: "add", path: "/q/1/x", value: 1 }], "path 1 does not exist in array term [1]");
    e({ a: 1 }, [{ op: "foo", path: "/a" }], "unrecognized op: 'foo'");
    e(
      { a: [1, 2] },
      [{ op: "test", path: "/a/1", value: 3 }],
      "value from EditTree != patch value.\n\nExpected: 3\n\nFound: 2",
    );
    e({}, [{ path: "/a" }], "missing required attribute 'op'");
    e({}, [{ op: "add", path: "/a" }], "missing required attribute 'value'");
    expectErr(
      () => call("json.patch", {}, [{ op: "add", path: 1, value: 1 }]),
      "eval_type_error",
      "json.patch: operand 2 must be one of {set, array} containing string paths or array of path segments but got number",
    );
  });
});

describe("json.match_schema / verify_schema (gojsonschema semantics)", () => {
  const schema = { properties: { id: { type: "integer" } }, required: ["id"] };
  it("validates documents (conformance jsonschema)", () => {
    expect(call("json.match_schema", { id: 5 }, schema)).toEqual([true, []]);
    expect(call("json.match_schema", '{"id": 5}', JSON.stringify(schema))).toEqual([true, []]);
    expect(call("json.match_schema", { id: "foo" }, schema)).toEqual([
      false,
      [
        {
          desc: "Invalid type. Expected: integer, given: string",
          error: "id: Invalid type. Expected: integer, given: string",
          field: "id",
          type: "invalid_type",
        },
      ],
    ]);
  });
  it("reports errors in gojsonschema's order and wording", () => {
    const [ok, errs] = call(
      "json.match_schema",
      { a: { b: 1 }, arr: [1, "x", 1], e: "z", n: 5.5, s: "ab", extra: 1 },
      {
        required: ["q"],
        additionalProperties: false,
        properties: {
          a: { properties: { b: { type: "string" } } },
          arr: { items: { type: "integer" }, uniqueItems: true, maxItems: 2 },
          e: { enum: ["a", 1] },
          n: { type: "number", maximum: 5, multipleOf: 2 },
          s: { minLength: 3, pattern: "^x" },
        },
      },
    ) as [boolean, { error: string }[]];
    expect(ok).toBe(false);
    expect(errs.map((e) => e.error)).toEqual([
      "(Root): q is required",
      "(Root): Additional property extra is not allowed",
      "a.b: Invalid type. Expected: string, given: integer",
      "arr.1: Invalid type. Expected: integer, given: string",
      "arr: Array must have at most 2 items",
      "arr: array items[0,2] must be unique",
      'e: e must be one of the following: "a", 1',
      "n: Must be a multiple of 2",
      "n: Must be less than or equal to 5",
      "s: String length must be greater than or equal to 3",
      "s: Does not match pattern '^x'",
    ]);
    const refs = { properties: { a: { $ref: "#/definitions/s" } }, definitions: { s: { type: "string" } } };
    expect((call("json.match_schema", { a: 1 }, refs) as Value[])[0]).toBe(false);
    expect((call("json.match_schema", { a: "x" }, refs) as Value[])[0]).toBe(true);
  });
  it("verifies schemas", () => {
    expect(call("json.verify_schema", '{"type": "boolean"}')).toEqual([true, null]);
    expect(call("json.verify_schema", { type: "unknown_type" })).toEqual([
      false,
      "jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected valid values are:[array boolean integer number null object string]",
    ]);
    expect(call("json.verify_schema", "{")).toEqual([false, "jsonschema: invalid JSON string"]);
    expect(call("json.verify_schema", { minLength: -1 })).toEqual([
      false,
      "jsonschema: minLength must be greater than or equal to 0",
    ]);
    expectErr(
      () => call("json.match_schema", { id: "foo" }, { properties: { id: { type: "unknown" } } }),
      "eval_builtin_error",
      "json.match_schema: has a primitive type that is NOT VALID -- given: /unknown/",
    );
  });
});
