import { describe, expect, it } from "vitest";
import { builtins as casts } from "../../src/rego/builtins/casts.ts";
import { builtins as types } from "../../src/rego/builtins/types.ts";
import { equal, RObj, RSet, toJSONText, type Value } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller([...types, ...casts]);

describe("type tests", () => {
  it("is_* and type_name", () => {
    expect(call("is_number", 9007199254740993n)).toBe(true);
    expect(call("is_number", "1")).toBe(false);
    expect(call("is_string", "")).toBe(true);
    expect(call("is_boolean", false)).toBe(true);
    expect(call("is_array", [])).toBe(true);
    expect(call("is_set", new RSet())).toBe(true);
    expect(call("is_object", new RObj([[1, 1]]))).toBe(true);
    expect(call("is_object", new RSet())).toBe(false);
    expect(call("is_null", null)).toBe(true);
    expect(call("type_name", new RSet())).toBe("set");
    expect(call("type_name", 1.5)).toBe("number");
    expect(call("type_name", {})).toBe("object");
  });
});

describe("casts", () => {
  it("to_number", () => {
    // the number is the string's text, as in OPA
    expect(toJSONText(call("to_number", "1e3") as Value)).toBe("1e3");
    expect(equal(call("to_number", "1e3") as Value, 1000)).toBe(true);
    // OPA keeps the text "-0" (an object key prints as "-0"); it equals 0
    expect(call("to_number", "-0")).toBe(-0);
    expect(toJSONText(call("to_number", "1.50") as Value)).toBe("1.50");
    expect(call("to_number", "9007199254740993")).toBe(9007199254740993n);
    expect(call("to_number", true)).toBe(1);
    expect(call("to_number", null)).toBe(0);
    expectErr(
      () => call("to_number", "abc"),
      "eval_builtin_error",
      'to_number: strconv.ParseFloat: parsing "abc": invalid syntax',
    );
    expectErr(() => call("to_number", "1e400"), "eval_builtin_error", "value out of range");
    expectErr(
      () => call("to_number", "Inf"),
      "eval_type_error",
      "to_number: operand 1 must be valid number string but got string",
    );
    expectErr(
      () => call("to_number", {}),
      "eval_type_error",
      "to_number: operand 1 must be one of {null, boolean, number, string} but got object",
    );
  });
  it("cast_*", () => {
    expect(call("cast_array", new RSet([2, 1]))).toEqual([1, 2]);
    expect((call("cast_set", [1, 1]) as RSet).sorted()).toEqual([1]);
    expect(call("cast_string", "x")).toBe("x");
    expect(call("cast_boolean", true)).toBe(true);
    expect(call("cast_null", null)).toBe(null);
    expect(call("cast_object", { a: 1 })).toEqual({ a: 1 });
    expectErr(
      () => call("cast_array", {}),
      "eval_type_error",
      "cast_array: operand 1 must be one of {array, set} but got object",
    );
    expectErr(
      () => call("cast_string", 1.5),
      "eval_type_error",
      "cast_string: operand 1 must be string but got number",
    );
    expectErr(
      () => call("cast_object", []),
      "eval_type_error",
      "cast_object: operand 1 must be object but got array",
    );
  });
});
