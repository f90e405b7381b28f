/**
 * Builtin calls on constants and input alone inside a function body
 * (`object.get(object.get(input, "parameters", {}), "exemptImages", [])` in
 * the library's exempt_container lib) are evaluated once per evaluation
 * context (eval/one.ts memoCall), not once per call of the function; a
 * `with` gets a context of its own. The registry's object.get is wrapped to
 * count its calls: a memo that stopped working, or one shared across
 * contexts, fails these tests.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILTINS } from "../../src/rego/builtins/index.ts";
import { compile } from "../../src/rego/index.ts";
import { toJSON, type Value } from "../../src/rego/value.ts";

const def = BUILTINS.get("object.get")!;
const original = def.impl;
let calls = 0;
beforeEach(() => {
  calls = 0;
  def.impl = (args, ctx) => {
    calls++;
    return original(args, ctx);
  };
});
afterEach(() => {
  def.impl = original;
});

const SRC = `package t
import rego.v1

exempt(c) if {
  images := object.get(object.get(input, "parameters", {}), "exemptImages", [])
  c.image == images[_]
}

flagged contains c.name if {
  some c in input.containers
  not exempt(c)
}

# the same call in a rule body: evaluated where it stands
rule_calls contains c.name if {
  some c in input.containers
  images := object.get(object.get(input, "parameters", {}), "exemptImages", [])
  not c.image in images
}

with_other contains n if {
  some n in flagged with input.parameters.exemptImages as ["b"]
}
`;

const INPUT: Value = {
  parameters: { exemptImages: ["a"] },
  containers: [
    { name: "c1", image: "a" },
    { name: "c2", image: "b" },
    { name: "c3", image: "c" },
    { name: "c4", image: "a" },
  ],
};

function run(query: string): unknown {
  const q = compile([{ file: "t.rego", source: SRC }]).prepare(query);
  return toJSON(q.eval({ input: JSON.parse(JSON.stringify(INPUT)) as Value }) as Value);
}

describe("closed builtin calls in function bodies", () => {
  it("are evaluated once per evaluation, whatever the number of calls", () => {
    expect(run("x := data.t.flagged")).toEqual([{ x: ["c2", "c3"] }]);
    // two nested object.get calls, once: not twice per container
    expect(calls).toBe(2);
  });

  it("in a rule body are evaluated per iteration", () => {
    expect(run("x := data.t.rule_calls")).toEqual([{ x: ["c2", "c3"] }]);
    expect(calls).toBe(8);
  });

  it("are evaluated again under `with`, and each context keeps its own value", () => {
    expect(run("x := data.t.flagged; y := data.t.with_other")).toEqual([
      { x: ["c2", "c3"], y: ["c1", "c3", "c4"] },
    ]);
    expect(calls).toBe(4);
  });

  it("are evaluated again in each evaluation", () => {
    const q = compile([{ file: "t.rego", source: SRC }]).prepare("x := data.t.flagged");
    for (const images of [["a"], ["c"], []]) {
      const input = { ...(INPUT as object), parameters: { exemptImages: images } } as Value;
      const want = ["c1", "c2", "c3", "c4"].filter(
        (n) =>
          !images.includes(
            (INPUT as { containers: { name: string; image: string }[] }).containers.find((c) => c.name === n)!
              .image,
          ),
      );
      expect(toJSON(q.eval({ input }) as Value)).toEqual([{ x: want }]);
    }
    expect(calls).toBe(6);
  });
});

const DEFS = `package t
import rego.v1

# three definitions read the same call over the argument, as apparmor's get_apparmor_profile does
profile(c) := "set" if object.get(c, ["sc", "profile"], null) != null
profile(c) := "annotated" if {
  object.get(c, ["sc", "profile"], null) == null
  input.annotations[c.name]
}
profile(c) := "default" if {
  object.get(c, ["sc", "profile"], null) == null
  not input.annotations[c.name]
}

# the same call on another argument position is another value
other(a, b) := [x, y] if {
  x := object.get(a, ["sc", "profile"], "none")
  y := object.get(b, ["sc", "profile"], "none")
}

profiles contains [c.name, profile(c)] if some c in input.containers
pairs contains other(c, d) if {
  some c in input.containers
  some d in input.containers
  c.name < d.name
}
`;

const CONTAINERS: Value = {
  annotations: { b: "x" },
  containers: [{ name: "a", sc: { profile: "p" } }, { name: "b" }, { name: "c", sc: {} }],
};

describe("calls over a function's arguments", () => {
  it("are evaluated once per function call, whatever the number of definitions reading them", () => {
    const q = compile([{ file: "t.rego", source: DEFS }]).prepare("x := data.t.profiles");
    expect(toJSON(q.eval({ input: CONTAINERS }) as Value)).toEqual([
      {
        x: [
          ["a", "set"],
          ["b", "annotated"],
          ["c", "default"],
        ],
      },
    ]);
    // once per container, not once per definition
    expect(calls).toBe(3);
  });

  it("keep calls on different arguments apart", () => {
    const q = compile([{ file: "t.rego", source: DEFS }]).prepare("x := data.t.pairs");
    expect(toJSON(q.eval({ input: CONTAINERS }) as Value)).toEqual([
      {
        x: [
          ["none", "none"],
          ["p", "none"],
        ],
      },
    ]);
    expect(calls).toBe(6);
  });
});
