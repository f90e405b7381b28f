import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/objects.ts";
import { RObj, RSet } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("object.get", () => {
  it("gets keys and paths (conformance objectget)", () => {
    expect(call("object.get", { a: 1 }, "a", 0)).toBe(1);
    expect(call("object.get", { a: 1 }, "b", 0)).toBe(0);
    expect(call("object.get", { a: 1 }, ["a"], 0)).toBe(1);
    expect(call("object.get", { a: 1 }, [], 0)).toEqual({ a: 1 });
    expect(call("object.get", { a: [5] }, ["a", 0], 0)).toBe(5);
    expect(call("object.get", { a: new RSet([5]) }, ["a", 5], 0)).toBe(5);
    expect(call("object.get", { a: { b: null } }, ["a", "b"], 0)).toBe(null);
    expect(call("object.get", new RObj([[1, "x"]]), 1, 0)).toBe("x");
    expectErr(
      () => call("object.get", "s", "a", 0),
      "eval_type_error",
      "object.get: operand 1 must be object but got string",
    );
  });
});

describe("object.keys/remove/filter", () => {
  it("works on plain and non-string-keyed objects", () => {
    expect((call("object.keys", { a: 1, b: 2 }) as RSet).sorted()).toEqual(["a", "b"]);
    expect(call("object.remove", { a: 1, b: 2 }, ["a"])).toEqual({ b: 2 });
    expect(call("object.remove", { a: 1, b: 2 }, { a: 0 })).toEqual({ b: 2 });
    expect(
      call(
        "object.remove",
        new RObj([
          [1, "x"],
          ["a", 2],
        ]),
        new RSet([1]),
      ),
    ).toEqual({ a: 2 });
    expect(call("object.filter", { a: 1, b: 2 }, new RSet(["a", "z"]))).toEqual({ a: 1 });
    expectErr(
      () => call("object.remove", null, []),
      "eval_type_error",
      "object.remove: operand 1 must be object but got null",
    );
    expectErr(
      () => call("object.filter", {}, "a"),
      "eval_type_error",
      "object.filter: operand 2 must be one of {object, set, array} but got string",
    );
  });
});

describe("object.union", () => {
  it("merges recursively, right wins", () => {
    expect(call("object.union", { a: { b: 1, c: 2 }, d: 1 }, { a: { b: 3 }, e: 2 })).toEqual({
      a: { b: 3, c: 2 },
      d: 1,
      e: 2,
    });
    expect(call("object.union", { a: { b: 1 } }, { a: 2 })).toEqual({ a: 2 });
    expectErr(
      () => call("object.union", [], {}),
      "eval_type_error",
      "object.union: operand 1 must be object but got array",
    );
  });
  it("union_n", () => {
    expect(call("object.union_n", [{ a: { b: 2 } }, { a: 4 }, { a: { c: 3 } }])).toEqual({ a: { c: 3 } });
    expect(call("object.union_n", [])).toEqual({});
    expectErr(
      () => call("object.union_n", [{ a: 1 }, "s"]),
      "eval_type_error",
      "object.union_n: operand 1 must be array of objects but got array containing string",
    );
  });
});

describe("object.subset", () => {
  it("follows OPA's per-type rules", () => {
    expect(call("object.subset", { a: { b: 1, c: 2 } }, { a: { b: 1 } })).toBe(true);
    expect(call("object.subset", [1, 2, 3], [2, 3])).toBe(true);
    expect(call("object.subset", [1, 2, 3], [1, 3])).toBe(false);
    expect(call("object.subset", new RSet([1, 2]), new RSet([1]))).toBe(true);
    expect(call("object.subset", [1, 2], new RSet([1]))).toBe(true);
    expect(call("object.subset", [], new RSet())).toBe(false);
    expect(call("object.subset", { a: [1, 2, 3] }, { a: [1, 2] })).toBe(true);
    expect(call("object.subset", { a: new RSet([1, 2]) }, { a: [1] })).toBe(false);
    expectErr(
      () => call("object.subset", new RSet([1]), [1]),
      "eval_type_error",
      "object.subset: both arguments object.subset must be of the same type or array and set",
    );
  });
});
