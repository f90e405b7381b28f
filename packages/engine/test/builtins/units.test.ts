import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/units.ts";
import { equal, toJSONText, type Value } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("units.parse", () => {
  it("parses SI and binary suffixes exactly", () => {
    // OPA keeps big.Rat's FloatString(10) text
    expect(toJSONText(call("units.parse", "1.5m") as Value)).toBe("0.0015000000");
    // "m" is the double nearest 0.001, so 1000m is no integer: OPA prints 1.0000000000
    expect(toJSONText(call("units.parse", "1000m") as Value)).toBe("1.0000000000");
    expect(equal(call("units.parse", "1000m") as Value, 1)).toBe(true);
    expect(call("units.parse", "1e3")).toBe(1000);
    expect(call("units.parse", "1E")).toBe(1000000000000000000n);
    expect(call("units.parse", "2Ei")).toBe(2305843009213693952n);
    expect(call("units.parse", "-1.5Ki")).toBe(-1536);
    expect(toJSONText(call("units.parse", "0.3333333333333m") as Value)).toBe("0.0003333333");
    expect(call("units.parse", ".5k")).toBe(500);
    expect(call("units.parse", '"10M"')).toBe(10000000);
  });
  it("errors (conformance units)", () => {
    expectErr(() => call("units.parse", ""), "eval_builtin_error", "units.parse: no amount provided");
    expectErr(() => call("units.parse", "G"), "eval_builtin_error", "units.parse: no amount provided");
    expectErr(
      () => call("units.parse", "0.0.0"),
      "eval_builtin_error",
      "units.parse: could not parse amount to a number",
    );
    expectErr(
      () => call("units.parse", "100 k"),
      "eval_builtin_error",
      "units.parse: spaces not allowed in resource strings",
    );
    expectErr(
      () => call("units.parse", "1e1234567"),
      "eval_builtin_error",
      "units.parse: exponent too large",
    );
    expectErr(
      () => call("units.parse", "1KB"),
      "eval_builtin_error",
      "units.parse: units.parse: unit Kb not recognized",
    );
  });
});

describe("units.parse_bytes", () => {
  it("parses byte amounts", () => {
    expect(call("units.parse_bytes", "1.5Gi")).toBe(1610612736);
    expect(call("units.parse_bytes", "1.5GiB")).toBe(1610612736);
    expect(call("units.parse_bytes", "0.3333333333333333333KB")).toBe(333);
    expect(call("units.parse_bytes", '"10kb"')).toBe(10000);
    expect(call("units.parse_bytes", "-1k")).toBe(-1000);
    expect(call("units.parse_bytes", "1e3k")).toBe(1000000);
    expect(call("units.parse_bytes", "8EiB")).toBe(9223372036854775808n);
  });
  it("errors", () => {
    expectErr(
      () => call("units.parse_bytes", "12XB"),
      "eval_builtin_error",
      "units.parse_bytes: byte unit xb not recognized",
    );
    expectErr(
      () => call("units.parse_bytes", "kb"),
      "eval_builtin_error",
      "units.parse_bytes: no byte amount provided",
    );
    expectErr(
      () => call("units.parse_bytes", "1..2k"),
      "eval_builtin_error",
      "could not parse byte amount to a number",
    );
  });
});
