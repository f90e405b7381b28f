/**
 * The function memo on trial (eval/rules.ts MEMO_TRIAL): a function whose
 * calls with a composite argument are rarely answered from the memo stops
 * storing them, for the rest of the compiled policy's life; one whose memo
 * is answering keeps it. The registry's object.get is wrapped to count how
 * often the function body runs. Results are the same either way.
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

// two call sites, so not a light function (eval/fn-light.ts): calls with an object use the memo
const SRC = `package m
import rego.v1

val(o) := object.get(o, "x", 0)

once contains v if {
  some o in input.objs
  v := val(o)
}

twice contains [a, b] if {
  some o in input.objs
  a := val(o)
  b := val(o)
}
`;

const N = 300;
const input = (): Value => ({ objs: Array.from({ length: N }, (_, i) => ({ x: i })) }) as Value;
const prepared = () => {
  const p = compile([{ file: "m.rego", source: SRC }]);
  return { once: p.prepare("x := data.m.once"), twice: p.prepare("x := data.m.twice") };
};
const TWICE = [{ x: Array.from({ length: N }, (_, i) => [i, i]).sort((a, b) => a[0] - b[0]) }];

describe("function memo trial", () => {
  it("answers the repeated call from the memo while it is useful", () => {
    const q = prepared();
    expect(toJSON(q.twice.eval({ input: input() }) as Value)).toEqual(TWICE);
    expect(calls).toBe(N);
    calls = 0;
    // half its calls were answered: it stays on in the next evaluation
    expect(toJSON(q.twice.eval({ input: input() }) as Value)).toEqual(TWICE);
    expect(calls).toBe(N);
  });

  it("stops storing after a trial with no answers, and results stay the same", () => {
    const q = prepared();
    const once = toJSON(q.once.eval({ input: input() }) as Value) as { x: number[] }[];
    expect(once[0].x).toHaveLength(N);
    expect(calls).toBe(N);
    calls = 0;
    // 256 stores and no answer: the memo is off for this function, so each call runs the body
    expect(toJSON(q.twice.eval({ input: input() }) as Value)).toEqual(TWICE);
    expect(calls).toBe(2 * N);
  });

  it("judges each compiled policy on its own", () => {
    const a = prepared();
    a.once.eval({ input: input() });
    calls = 0;
    const b = prepared();
    expect(toJSON(b.twice.eval({ input: input() }) as Value)).toEqual(TWICE);
    expect(calls).toBe(N);
  });
});
