import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/arrays.ts";
import { RSet } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("array builtins (conformance array)", () => {
  it("concat/reverse/flatten", () => {
    expect(call("array.concat", [1], [2, 3])).toEqual([1, 2, 3]);
    expect(call("array.reverse", [1, 2, 3])).toEqual([3, 2, 1]);
    expect(call("array.flatten", [1, [2, [3]], new RSet([4])])).toEqual([1, 2, [3], new RSet([4])]);
    expectErr(
      () => call("array.concat", { a: 1 }, []),
      "eval_type_error",
      "array.concat: operand 1 must be array but got object",
    );
    expectErr(
      () => call("array.concat", [], { a: 1 }),
      "eval_type_error",
      "array.concat: operand 2 must be array but got object",
    );
    expectErr(
      () => call("array.reverse", {}),
      "eval_type_error",
      "array.reverse: operand 1 must be array but got object",
    );
    expectErr(
      () => call("array.flatten", 1),
      "eval_type_error",
      "array.flatten: operand 1 must be array but got number",
    );
  });
  it("slice clamps like OPA", () => {
    expect(call("array.slice", [1, 2, 3], 1, 2)).toEqual([2]);
    expect(call("array.slice", [1, 2, 3], -1, 2)).toEqual([1, 2]);
    expect(call("array.slice", [1, 2, 3], 2, 1)).toEqual([]);
    expect(call("array.slice", [1, 2, 3], 1, 10)).toEqual([2, 3]);
    expect(call("array.slice", [1, 2, 3], 0, -1)).toEqual([]);
    expectErr(
      () => call("array.slice", [1], 1.5, 2),
      "eval_type_error",
      "array.slice: operand 2 must be integer number but got floating-point number",
    );
  });
});
