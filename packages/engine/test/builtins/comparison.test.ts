import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/comparison.ts";
import { RSet } from "../../src/rego/value.ts";
import { caller } from "./ext-harness.ts";

const call = caller(builtins);

describe("comparison", () => {
  it("compares across types in Rego's order", () => {
    expect(call("lt", 1, "a")).toBe(true);
    expect(call("gt", new RSet(), { a: 1 })).toBe(true);
    expect(call("lte", null, false)).toBe(true);
    expect(call("gte", 2, 2n ** 60n)).toBe(false);
    expect(call("equal", 1, 1.0)).toBe(true);
    expect(call("equal", 9007199254740993n, 9007199254740993n)).toBe(true);
    expect(call("neq", [1], [1])).toBe(false);
    expect(call("lt", "\uffff", "😀")).toBe(true);
  });
});
