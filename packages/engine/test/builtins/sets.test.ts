import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/sets.ts";
import { RSet } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);
const sorted = (v: unknown) => (v as RSet).sorted();

describe("set builtins", () => {
  it("and/or/set_diff", () => {
    expect(sorted(call("and", new RSet([1, 2, 3]), new RSet([2, 3, 4])))).toEqual([2, 3]);
    expect(sorted(call("or", new RSet([1, 2]), new RSet([2, 3])))).toEqual([1, 2, 3]);
    expect(sorted(call("set_diff", new RSet([1, 2]), new RSet([1])))).toEqual([2]);
    expectErr(
      () => call("and", [1], new RSet()),
      "eval_type_error",
      "and: operand 1 must be set but got array",
    );
    expectErr(
      () => call("or", new RSet(), [1]),
      "eval_type_error",
      "or: operand 2 must be set but got array",
    );
  });
  it("intersection/union of a set of sets", () => {
    const sets = new RSet([new RSet([1, 2, 3]), new RSet([2, 3]), new RSet([3, 2, 5])]);
    expect(sorted(call("intersection", sets))).toEqual([2, 3]);
    expect(sorted(call("union", sets))).toEqual([1, 2, 3, 5]);
    expect(sorted(call("intersection", new RSet()))).toEqual([]);
    expect(sorted(call("union", new RSet()))).toEqual([]);
    expectErr(
      () => call("union", new RSet([new RSet([1]), [1]])),
      "eval_type_error",
      "union: operand 1 must be set but got array",
    );
  });
});
