import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/yaml.ts";
import { RSet } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("yaml.marshal", () => {
  it("round-trips (conformance jsonbuiltins/yaml round-trip)", () => {
    const text = call("yaml.marshal", [{ foo: new RSet([1, 2, 3]) }]) as string;
    expect(text).toBe("- foo:\n    - 1\n    - 2\n    - 3\n");
    expect(call("yaml.unmarshal", text)).toEqual([{ foo: [1, 2, 3] }]);
  });
  it("chooses go-yaml's scalar styles", () => {
    const v = {
      b: { c: [{ d: "e", a: true }], s: "multi\nline", n: null, e: [], o: {} },
      q: "yes",
      num: "123",
      f: 1.5,
      big: 12345678901234567890n,
      emp: "",
      sp: " x",
      col: "a: b",
      hash: "#x",
      u: "é",
      emoji: "😀",
      tab: "a\tb",
      trail: "a\n",
      lead: " a\nb",
      "": 2,
      "~": "~",
      ts: "2001-12-14",
      floats: [0.5, 1e21, 1e-7, 123456789.123],
    };
    expect(call("yaml.marshal", v)).toBe(
      [
        '"": 2',
        '"~": "~"',
        "b:",
        "  c:",
        "    - a: true",
        "      d: e",
        "  e: []",
        '  "n": null',
        "  o: {}",
        "  s: |-",
        "    multi",
        "    line",
        "big: 12345678901234567890",
        "col: 'a: b'",
        'emoji: "\\U0001F600"',
        'emp: ""',
        "f: 1.5",
        "floats:",
        "  - 0.5",
        "  - 1e+21",
        "  - 1e-07",
        "  - 1.23456789123e+08",
        "hash: '#x'",
        "lead: |2-",
        "   a",
        "  b",
        'num: "123"',
        'q: "yes"',
        "sp: ' x'",
        'tab: "a\\tb"',
        "trail: |",
        "  a",
        'ts: "2001-12-14"',
        "u: é",
        "",
      ].join("\n"),
    );
    expect(call("yaml.marshal", [[1, 2], []])).toBe("- - 1\n  - 2\n- []\n");
    expect(call("yaml.marshal", "x")).toBe("x\n");
  });
});

describe("yaml.unmarshal", () => {
  it("resolves plain scalars like go-yaml v3", () => {
    expect(
      call(
        "yaml.unmarshal",
        "a: yes\nc: 0x1F\nd: 1_000\ne: 2001-12-14\nf: ~\ng: 010\nh: 1e3\nk: 1:20\nm: 1.0\nn: !!str 5\no: &a [1]\np: *a\n1: int key\ntrue: bool key\nx: 1e400\n",
      ),
    ).toEqual({
      a: "yes",
      c: 31,
      d: 1000,
      e: "2001-12-14",
      f: null,
      g: 8,
      h: 1000,
      k: "1:20",
      m: 1,
      n: "5",
      o: [1],
      p: [1],
      "1": "int key",
      true: "bool key",
      x: "1e400",
    });
    expect(call("yaml.unmarshal", "12345678901234567890")).toBe(12345678901234567890n);
    expect(call("yaml.unmarshal", "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3")).toEqual({
      base: { x: 1, y: 2 },
      d: { x: 1, y: 3 },
    });
    expect(call("yaml.unmarshal", "---\na: 1\n---\nb: 2")).toEqual({ a: 1 });
    expect(call("yaml.unmarshal", "")).toBe(null);
  });
  it("reports errors like OPA", () => {
    expectErr(() => call("yaml.unmarshal", "[1,2,3"), "eval_builtin_error", "yaml: line 1: did not find");
    expectErr(
      () => call("yaml.unmarshal", "a: b: c"),
      "eval_builtin_error",
      "yaml: mapping values are not allowed in this context",
    );
    expectErr(
      () => call("yaml.unmarshal", "~: 1"),
      "eval_builtin_error",
      "unsupported map key of type: %!s(<nil>)",
    );
    expectErr(() => call("yaml.unmarshal", "a: .inf"), "eval_builtin_error", "json: unsupported value: +Inf");
    expectErr(
      () => call("yaml.unmarshal", 1),
      "eval_type_error",
      "yaml.unmarshal: operand 1 must be string but got number",
    );
  });
  it("is_valid", () => {
    expect(call("yaml.is_valid", "a: [1, 2]")).toBe(true);
    expect(call("yaml.is_valid", "a: b: c")).toBe(false);
    expect(call("yaml.is_valid", 1)).toBe(false);
  });
});
