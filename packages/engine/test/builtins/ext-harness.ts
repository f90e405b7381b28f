/** Test helpers for calling builtin implementations directly. */
import { expect } from "vitest";
import { type BuiltinContext, type BuiltinDef, BuiltinError } from "../../src/rego/builtins/builtin.ts";
import type { Value } from "../../src/rego/value.ts";

export function makeCtx(nowNs = 1_700_000_000_000_000_000n): BuiltinContext {
  return { strict: true, nowNs, cache: new Map(), print: () => {} };
}

/** A caller for one namespace file's builtins, checking names and arities. */
export function caller(defs: BuiltinDef[], ctx: BuiltinContext = makeCtx()) {
  const byName = new Map(defs.map((d) => [d.name, d]));
  return (name: string, ...args: Value[]): Value | undefined => {
    const d = byName.get(name);
    if (!d) throw new Error(`no builtin ${name}`);
    if (d.arity !== args.length) throw new Error(`${name}: arity ${d.arity}, called with ${args.length}`);
    return d.impl(args, ctx);
  };
}

/** Asserts that `fn` throws a BuiltinError with the code and a message containing `msg`. */
export function expectErr(fn: () => unknown, code: BuiltinError["code"], msg: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BuiltinError);
  expect((err as BuiltinError).code).toBe(code);
  expect((err as BuiltinError).message).toContain(msg);
}
