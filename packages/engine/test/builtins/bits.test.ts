import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/bits.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("bits", () => {
  it("operates on small and big integers", () => {
    expect(call("bits.and", 12, 10)).toBe(8);
    expect(call("bits.or", 12, 10)).toBe(14);
    expect(call("bits.xor", 12, 10)).toBe(6);
    expect(call("bits.negate", 5)).toBe(-6);
    expect(call("bits.lsh", 1, 70)).toBe(1180591620717411303424n);
    expect(call("bits.rsh", -8, 1)).toBe(-4);
    expect(call("bits.xor", 9223372036854775808n, 1)).toBe(9223372036854775809n);
    expect(call("bits.and", 2 ** 40 + 3, 7)).toBe(3);
  });
  it("type errors", () => {
    expectErr(
      () => call("bits.and", 1.5, 1),
      "eval_type_error",
      "bits.and: operand 1 must be integer number but got floating-point number",
    );
    expectErr(
      () => call("bits.and", "x", 1),
      "eval_type_error",
      "bits.and: operand 1 must be integer but got string",
    );
    expectErr(
      () => call("bits.lsh", 1, -1),
      "eval_type_error",
      "bits.lsh: operand 2 must be an unsigned integer number but got a negative integer",
    );
  });
});
