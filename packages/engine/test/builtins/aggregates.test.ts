import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/aggregates.ts";
import { RObj, RSet } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("count", () => {
  it("counts collections and code points", () => {
    expect(call("count", [1, 2])).toBe(2);
    expect(call("count", { a: 1 })).toBe(1);
    expect(call("count", new RObj([[1, 2]]))).toBe(1);
    expect(call("count", new RSet([1, 2, 2]))).toBe(2);
    expect(call("count", "héllo")).toBe(5);
    expect(call("count", "a😀")).toBe(2);
  });
  it("type errors (conformance aggregates)", () => {
    expectErr(
      () => call("count", 1),
      "eval_type_error",
      "count: operand 1 must be one of {array, object, set, string} but got number",
    );
    expectErr(
      () => call("count", null),
      "eval_type_error",
      "operand 1 must be one of {array, object, set, string} but got null",
    );
  });
});

describe("sum/product", () => {
  it("sums and multiplies", () => {
    expect(call("sum", [1, 2, 3])).toBe(6);
    expect(call("sum", new RSet([1, 2, 3]))).toBe(6);
    expect(call("sum", [])).toBe(0);
    expect(call("product", [])).toBe(1);
    expect(call("product", [2, 3, 4])).toBe(24);
    expect(call("sum", [1.5, 2.5])).toBe(4);
    expect(call("sum", [0.1, 0.2])).toBe(0.3);
    // product multiplies into a 53-bit big.Float in OPA.
    expect(call("product", [0.1, 3, 0.5])).toBe(0.15000000000000002);
  });
  it("stays exact past 2^53", () => {
    expect(call("sum", [9007199254740991, 2])).toBe(9007199254740993n);
    expect(call("product", [9007199254740993n, 3])).toBe(27021597764222979n);
  });
  it("type errors", () => {
    expectErr(
      () => call("sum", 1),
      "eval_type_error",
      "sum: operand 1 must be one of {set, array} but got number",
    );
    expectErr(
      () => call("sum", [1, "x"]),
      "eval_type_error",
      "sum: operand 1 must be array of numbers but got array containing string",
    );
    expectErr(
      () => call("product", new RSet(["x"])),
      "eval_type_error",
      "product: operand 1 must be set of numbers but got set containing string",
    );
  });
});

describe("max/min/sort", () => {
  it("uses Rego's term order", () => {
    expect(call("max", [1, 3, 2])).toBe(3);
    expect(call("min", [1, 3, 2])).toBe(1);
    expect(call("max", new RSet([1, "a", []]))).toEqual([]);
    expect(call("min", new RSet([1, "a", null]))).toBe(null);
    expect(call("max", [])).toBeUndefined();
    expect(call("min", new RSet())).toBeUndefined();
    expect(call("sort", [3, "a", 1, null])).toEqual([null, 1, 3, "a"]);
    expect(call("sort", new RSet([2, 1]))).toEqual([1, 2]);
    expectErr(
      () => call("sort", { a: 1 }),
      "eval_type_error",
      "sort: operand 1 must be one of {set, array} but got object",
    );
  });
});

describe("all/any", () => {
  it("tests for true members", () => {
    expect(call("all", [true, true])).toBe(true);
    expect(call("all", [true, 1])).toBe(false);
    expect(call("all", [])).toBe(true);
    expect(call("any", [])).toBe(false);
    expect(call("any", new RSet([false, true]))).toBe(true);
    expectErr(
      () => call("all", "s"),
      "eval_type_error",
      "all: operand 1 must be one of {array, set} but got string",
    );
  });
});
