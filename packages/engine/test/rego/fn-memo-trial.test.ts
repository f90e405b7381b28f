/**
 * The function memo on trial (eval/rules.ts MEMO_TRIAL): a function whose
 * calls with a composite argument are rarely answered from the memo stops
 * storing them, for the rest of the compiled policy's life; one whose memo
 * is answering keeps it. The function's body calls `test.counted` (helpers.ts),
 * so the count is how often the body ran. Results are the same either way.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/rego/index.ts";
import { toJSON, type Value } from "../../src/rego/value.ts";
import { counter } from "./helpers.ts";

// two call sites, so not a light function (eval/fn-light.ts): calls with an object use the memo
const SRC = `package m
import rego.v1

val(o) := test.counted(o.x)

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
  const c = counter();
  const p = compile([{ file: "m.rego", source: SRC }], { builtins: [c.def] });
  return { once: p.prepare("x := data.m.once"), twice: p.prepare("x := data.m.twice"), calls: c.calls };
};
const TWICE = [{ x: Array.from({ length: N }, (_, i) => [i, i]).sort((a, b) => a[0] - b[0]) }];

describe("function memo trial", () => {
  it("answers the repeated call from the memo while it is useful", () => {
    const q = prepared();
    expect(toJSON(q.twice.eval({ input: input() }) as Value)).toEqual(TWICE);
    expect(q.calls()).toBe(N);
    // half its calls were answered: it stays on in the next evaluation
    expect(toJSON(q.twice.eval({ input: input() }) as Value)).toEqual(TWICE);
    expect(q.calls() - N).toBe(N);
  });

  it("stops storing after a trial with no answers, and results stay the same", () => {
    const q = prepared();
    const once = toJSON(q.once.eval({ input: input() }) as Value) as { x: number[] }[];
    expect(once[0].x).toHaveLength(N);
    expect(q.calls()).toBe(N);
    // 256 stores and no answer: the memo is off for this function, so each call runs the body
    expect(toJSON(q.twice.eval({ input: input() }) as Value)).toEqual(TWICE);
    expect(q.calls() - N).toBe(2 * N);
  });

  it("judges each compiled policy on its own", () => {
    const a = prepared();
    a.once.eval({ input: input() });
    const b = prepared();
    expect(toJSON(b.twice.eval({ input: input() }) as Value)).toEqual(TWICE);
    expect(b.calls()).toBe(N);
  });
});
