/** Shared helpers for the Rego evaluation tests. */
import { type BuiltinDef, compile, RegoError, type Value } from "../../src/rego/index.ts";
import { toJSON } from "../../src/rego/value.ts";

export interface RunOptions {
  input?: Value;
  data?: Value;
  v0?: boolean;
  print?: (line: string) => void;
}

/** Compiles one module and returns the query's results as JSON. */
export function run(src: string, query: string, opts: RunOptions = {}) {
  const p = compile([{ file: "t.rego", source: src, regoVersion: opts.v0 ? 0 : 1 }]);
  return p
    .prepare(query)
    .eval({ input: opts.input, data: opts.data, print: opts.print })
    .map((r) => toJSON(r as Value));
}

/** The RegoError `fn` throws; fails the test if it throws nothing or something else. */
export function errorOf(fn: () => unknown): RegoError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  throw new Error("expected a RegoError");
}

/** A builtin `test.counted(x)` that returns x and counts its calls (how often a body or operand really ran). */
export function counter(): { def: BuiltinDef; calls: () => number } {
  let n = 0;
  return {
    def: {
      name: "test.counted",
      arity: 1,
      impl: ([x]) => {
        n++;
        return x;
      },
    },
    calls: () => n,
  };
}
