import { describe, expect, it } from "vitest";
import { builtins as graph } from "../../src/rego/builtins/graph.ts";
import { builtins as rand } from "../../src/rego/builtins/rand.ts";
import { builtins as semver } from "../../src/rego/builtins/semver.ts";
import { builtins as uuid } from "../../src/rego/builtins/uuid.ts";
import { RSet } from "../../src/rego/value.ts";
import { caller, expectErr, makeCtx } from "./ext-harness.ts";

const call = caller([...semver, ...uuid, ...rand, ...graph]);

describe("semver", () => {
  it("validates and compares (conformance semvercompare, semverisvalid)", () => {
    expect(call("semver.is_valid", "v1.0.0")).toBe(true);
    expect(call("semver.is_valid", "1.0.0-a.01b+build.01")).toBe(true);
    expect(call("semver.is_valid", "01.0.0")).toBe(false);
    expect(call("semver.is_valid", "1.0.0-01")).toBe(false);
    expect(call("semver.is_valid", "1.0")).toBe(false);
    expect(call("semver.is_valid", 1)).toBe(false);
    expect(call("semver.compare", "1.0.0-alpha", "1.0.0")).toBe(-1);
    expect(call("semver.compare", "1.0.0-alpha.1", "1.0.0-alpha.beta")).toBe(-1);
    expect(call("semver.compare", "1.0.0-2", "1.0.0-10")).toBe(-1);
    expect(call("semver.compare", "1.0.0+a", "1.0.0+b")).toBe(0);
    expect(call("semver.compare", "2.0.0", "1.9.9")).toBe(1);
    expectErr(
      () => call("semver.compare", "1", "1.0.0"),
      "eval_builtin_error",
      'semver.compare: operand 1: string "1" is not a valid SemVer',
    );
    expectErr(
      () => call("semver.compare", "1.0.0", "1"),
      "eval_builtin_error",
      'semver.compare: operand 2: string "1" is not a valid SemVer',
    );
  });
});

describe("uuid", () => {
  it("parses v1/v2/v3 like google/uuid (checked against opa)", () => {
    const v1 = {
      clocksequence: 180,
      macvariables: "global:unicast",
      nodeid: "00-c0-4f-d4-30-c8",
      time: 886630433151182400n,
      variant: "RFC4122",
      version: 1,
    };
    expect(call("uuid.parse", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toEqual(v1);
    expect(call("uuid.parse", "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}")).toEqual(v1);
    expect(call("uuid.parse", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toEqual(v1);
    expect(call("uuid.parse", "6ba7b8109dad11d180b400c04fd430c8")).toEqual(v1);
    expect(call("uuid.parse", "00000000-0000-2000-8000-000000000000")).toEqual({
      clocksequence: 0,
      domain: "Person",
      id: 0,
      macvariables: "global:unicast",
      nodeid: "00-00-00-00-00-00",
      time: 6227451273709551616n,
      variant: "RFC4122",
      version: 2,
    });
    expect(call("uuid.parse", "00000000-0000-3000-c000-000000000000")).toEqual({
      variant: "Microsoft",
      version: 3,
    });
    expect(call("uuid.parse", "(00000000-0000-4000-8000-000000000000)")).toEqual({
      variant: "RFC4122",
      version: 4,
    });
    expect(call("uuid.parse", "xyz")).toBeUndefined();
  });
  it("rfc4122 is a v4 UUID memoised per evaluation", () => {
    const a = call("uuid.rfc4122", "k") as string;
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(call("uuid.rfc4122", "k")).toBe(a);
    expect(call("uuid.rfc4122", "other")).not.toBe(a);
    expect(call("uuid.rfc4122", { any: ["value"] })).toBe(call("uuid.rfc4122", { any: ["value"] }));
    const fresh = caller(uuid, makeCtx());
    expect(fresh("uuid.rfc4122", "k")).not.toBe(a);
  });
});

describe("rand.intn", () => {
  it("is in range and memoised", () => {
    const r = call("rand.intn", "x", 10) as number;
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThan(10);
    expect(call("rand.intn", "x", 10)).toBe(r);
    expect(call("rand.intn", "x", -10)).toBe(r);
    expect(call("rand.intn", "x", 0)).toBe(0);
    expectErr(
      () => call("rand.intn", "x", 1.5),
      "eval_type_error",
      "rand.intn: operand 2 must be integer number but got floating-point number",
    );
  });
});

describe("graph", () => {
  const g = { a: ["b"], b: new RSet(["c"]), c: ["a"], d: [] };
  it("reachable", () => {
    expect((call("graph.reachable", g, ["a"]) as RSet).sorted()).toEqual(["a", "b", "c"]);
    expect((call("graph.reachable", g, new RSet(["d", "z"])) as RSet).sorted()).toEqual(["d"]);
    expectErr(
      () => call("graph.reachable", g, 1),
      "eval_type_error",
      "graph.reachable: operand 2 must be {array, set} but got number",
    );
  });
  it("reachable_paths", () => {
    expect((call("graph.reachable_paths", g, ["a", "d", "z"]) as RSet).sorted()).toEqual([
      ["a", "b", "c"],
      ["d"],
    ]);
    // "x" is not a node of the graph: the path stops before it (checked against opa).
    const tree = { root: ["l", "r"], l: [], r: ["x"] };
    expect((call("graph.reachable_paths", tree, ["root"]) as RSet).sorted()).toEqual([
      ["root", "l"],
      ["root", "r"],
    ]);
  });
});
