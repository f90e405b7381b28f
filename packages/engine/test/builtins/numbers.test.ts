import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/numbers.ts";
import { type NumText, numOf, RSet, toJSONText, type Value } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("arithmetic", () => {
  it("uses machine ints for small integers", () => {
    expect(call("plus", 1, 2)).toBe(3);
    expect(call("minus", 1, 2)).toBe(-1);
    expect(call("mul", 6, 7)).toBe(42);
    expect(call("div", 10, 5)).toBe(2);
    expect(call("div", 10, 4)).toBe(2.5);
    expect(call("rem", -7, 3)).toBe(-1);
  });
  it("matches OPA's 64-bit big.Float for decimals (checked against opa 1.22)", () => {
    expect(call("plus", 0.1, 0.2)).toBe(0.3);
    expect(call("mul", 0.1, 3)).toBe(0.3);
    // results carry OPA's text when it differs from the double's (the double is the nearest)
    expect(toJSONText(call("div", 1, 3) as Value)).toBe("0.33333333333333333334");
    expect(toJSONText(call("mul", 0.6666666666666666, 3) as Value)).toBe("1.9999999999999998001");
    expect(toJSONText(call("minus", 3, 2.9) as Value)).toBe("0.09999999999999999991");
    expect(numOf(call("minus", 3, 2.9) as NumText)).toBe(0.1);
    expect(toJSONText(call("plus", 9007199254740993n, 0.5) as Value)).toBe("9.0071992547409935e+15");
  });
  it("is exact on big integers", () => {
    expect(call("plus", 1180591620717411303424n, 1)).toBe(1180591620717411303425n);
    expect(call("plus", 9007199254740993n, 1)).toBe(9007199254740994n);
    expect(call("mul", 1180591620717411303424n, 1180591620717411303424n)).toBe(
      1393796574908163946345982392040522594123776n,
    );
    expect(call("minus", 9007199254740993n, 2)).toBe(9007199254740991);
    // Integral doubles count as their decimal literal (1e308 * 10 is exact in OPA).
    expect(call("mul", 1e308, 10)).toBe(10n ** 309n);
  });
  it("prints big float quotients with the fewest digits at 64-bit precision", () => {
    // OPA: 1180591620717411303425 / 5 = 236118324143482260690
    expect(call("div", 1180591620717411303425n, 5)).toBe(236118324143482260690n);
  });
  it("reports division and modulo errors like OPA", () => {
    expectErr(() => call("div", 1, 0), "eval_builtin_error", "div: divide by zero");
    expectErr(() => call("div", 1.5, 0), "eval_builtin_error", "div: divide by zero");
    expectErr(() => call("rem", 1, 0), "eval_builtin_error", "rem: modulo by zero");
    expectErr(() => call("rem", 7.5, 2), "eval_builtin_error", "rem: modulo on floating-point number");
    expect(call("rem", 10n ** 30n + 7n, 10)).toBe(7);
  });
  it("type-checks operands", () => {
    expectErr(() => call("plus", "a", 1), "eval_type_error", "plus: operand 1 must be number but got string");
    expectErr(() => call("mul", 1, null), "eval_type_error", "mul: operand 2 must be number but got null");
  });
});

describe("minus on sets", () => {
  it("computes set difference", () => {
    const r = call("minus", new RSet([1, 2, 3]), new RSet([2])) as RSet;
    expect(r.sorted()).toEqual([1, 3]);
  });
  it("reports mixed operands like OPA", () => {
    expectErr(
      () => call("minus", { a: 1 }, 1),
      "eval_type_error",
      "minus: operand 1 must be one of {number, set} but got object",
    );
    expectErr(
      () => call("minus", 1, { a: 1 }),
      "eval_type_error",
      "minus: operand 2 must be number but got object",
    );
    expectErr(
      () => call("minus", new RSet(), 1),
      "eval_type_error",
      "minus: operand 2 must be set but got number",
    );
  });
});

describe("rounding", () => {
  it("rounds half away from zero", () => {
    expect(call("round", 2.5)).toBe(3);
    expect(call("round", -2.5)).toBe(-3);
    expect(call("round", -0.4)).toBe(0);
    expect(call("round", 1e30)).toBe(1000000000000000000024696061952n);
  });
  it("keeps OPA's ceil/floor quirk on (-1, 0)", () => {
    expect(call("ceil", 0.5)).toBe(1);
    expect(call("ceil", -0.5)).toBe(1);
    expect(call("floor", -0.5)).toBe(0);
    expect(call("floor", -1.5)).toBe(-2);
    expect(call("ceil", -1.5)).toBe(-1);
    expect(call("floor", 2500000000000000.5)).toBe(2500000000000000);
  });
  it("abs", () => {
    expect(call("abs", -1.5)).toBe(1.5);
    expect(call("abs", -5)).toBe(5);
    expect(call("abs", -9007199254740995n)).toBe(9007199254740995n);
    expect(call("abs", -1180591620717411303425n)).toBe(1180591620717411303400n);
  });
});

describe("numbers.range", () => {
  it("counts up and down inclusively", () => {
    expect(call("numbers.range", 1, 4)).toEqual([1, 2, 3, 4]);
    expect(call("numbers.range", 4, 1)).toEqual([4, 3, 2, 1]);
    expect(call("numbers.range", 1, 1)).toEqual([1]);
    expect(call("numbers.range", 9007199254740991, 9007199254740992n)).toEqual([
      9007199254740991,
      9007199254740992n,
    ]);
  });
  it("rejects floats", () => {
    expectErr(
      () => call("numbers.range", "a", 4),
      "eval_type_error",
      "numbers.range: operand 1 must be integer but got string",
    );
    expectErr(
      () => call("numbers.range", 1.5, 4),
      "eval_type_error",
      "numbers.range: operand 1 must be integer number but got floating-point number",
    );
    expectErr(
      () => call("numbers.range", 1, 4.5),
      "eval_type_error",
      "numbers.range: operand 2 must be integer number but got floating-point number",
    );
  });
  it("range_step", () => {
    expect(call("numbers.range_step", 1, 10, 3)).toEqual([1, 4, 7, 10]);
    expect(call("numbers.range_step", 10, 1, 3)).toEqual([10, 7, 4, 1]);
    expectErr(
      () => call("numbers.range_step", 1, 10, 0),
      "eval_builtin_error",
      "numbers.range_step: numbers.range_step: step must be a positive integer",
    );
  });
});

describe("format_int", () => {
  it("formats in the allowed bases, truncating", () => {
    expect(call("format_int", 255, 16)).toBe("ff");
    expect(call("format_int", 15.7, 16)).toBe("f");
    expect(call("format_int", -15.7, 2)).toBe("-1111");
    expect(call("format_int", 1e30, 16)).toBe("c9f2c9cd04674edf000000000");
    expectErr(
      () => call("format_int", 15, 3),
      "eval_type_error",
      "format_int: operand 2 must be one of {2, 8, 10, 16}",
    );
  });
});
