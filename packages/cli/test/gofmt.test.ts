import { describe, expect, test } from "vitest";
import { goDuration, goJSON, goQuote } from "../src/lib/gofmt.ts";
import { indentJSON } from "../src/lib/json-text.ts";
import { splitQuery, splitWith } from "../src/lib/rego-text.ts";

describe("Go output conventions", () => {
  test("goQuote matches strconv.Quote", () => {
    expect(goQuote('say "hi"\\')).toBe('"say \\"hi\\"\\\\"');
    expect(goQuote("a\nb\tc\x01")).toBe('"a\\nb\\tc\\x01"');
    expect(goQuote("naïve ✓ <x>")).toBe('"naïve ✓ <x>"');
    expect(goQuote("\u200b")).toBe('"\\u200b"');
  });

  test("goDuration matches time.Duration.String", () => {
    expect(goDuration(0n)).toBe("0s");
    expect(goDuration(850n)).toBe("850ns");
    expect(goDuration(352_354n)).toBe("352.354µs");
    expect(goDuration(1_553_871n)).toBe("1.553871ms");
    expect(goDuration(1_000_000n)).toBe("1ms");
    expect(goDuration(2_500_000_000n)).toBe("2.5s");
    expect(goDuration(75_000_000_000n)).toBe("1m15s");
    expect(goDuration(3_660_000_000_000n)).toBe("1h1m0s");
  });

  test("goJSON sorts map keys, keeps struct order, escapes HTML", () => {
    const row = { z: 1, a: "<&>", nested: { b: [], a: {} } };
    const structs = new WeakSet<object>([row]);
    expect(goJSON(row, "  ", (o) => structs.has(o))).toBe(
      '{\n  "z": 1,\n  "a": "\\u003c\\u0026\\u003e",\n  "nested": {\n    "a": {},\n    "b": []\n  }\n}',
    );
    expect(goJSON(null)).toBe("null");
  });

  test("indentJSON keeps number text and escapes HTML in strings", () => {
    expect(indentJSON('{"a":[1.50,123456789012345678901],"b":{},"c":"<a, b: c>"}')).toBe(
      '{\n  "a": [\n    1.50,\n    123456789012345678901\n  ],\n  "b": {},\n  "c": "\\u003ca, b: c\\u003e"\n}',
    );
  });
});

describe("Rego query text", () => {
  test("splits on ; and newlines outside brackets, strings and comments", () => {
    const segs = splitQuery('x := {"a;b": [1,\n 2]}; y := `r;\n` # c;d\n\n  x == y');
    expect(segs).toEqual([
      { text: 'x := {"a;b": [1,\n 2]}', row: 1, col: 1 },
      { text: "y := `r;\n`", row: 2, col: 7 },
      { text: "x == y", row: 5, col: 3 },
    ]);
  });

  test("finds a top-level with clause", () => {
    expect(splitWith('data.x with input as {"with": 1}')).toEqual({
      core: "data.x",
      withs: 'with input as {"with": 1}',
    });
    expect(splitWith("f(without)")).toEqual({ core: "f(without)", withs: "" });
  });
});
