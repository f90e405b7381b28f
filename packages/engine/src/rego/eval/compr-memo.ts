/**
 * Comprehension results memoised per evaluation context: a comprehension is
 * a pure function of the enclosing slots it reads (`free`) and of the Ctx
 * (input, data, `with` overrides). One entry per comprehension, the last
 * one computed, so a comprehension that reads only vars bound outside a loop
 * (`labels := {[k, v] | v := obj.labels[k]}` inside `pdb := pdbs[_]`) is
 * built once instead of once per iteration. Values are immutable, so the
 * result is shared as function results are (ctx.ts FnMemo).
 *
 * Off when print output is observed (a cached body would not print again)
 * and while conflicting function calls are pinned (rules.ts rerunPinned):
 * the body could then see different answers from the same calls.
 */
import type { Value } from "../value.ts";
import type { Frame } from "./ctx.ts";

export interface ComprEntry {
  vals: (Value | undefined)[];
  v: Value;
}

export function memoCompr(
  node: object,
  free: readonly number[],
  build: (f: Frame) => Value,
): (f: Frame) => Value {
  const n = free.length;
  return (f) => {
    const c = f.c;
    const sh = c.sh;
    if (!sh.memoFns || sh.fnPins !== undefined) return build(f);
    const m = (c.comprMemo ??= new Map());
    const s = f.s;
    const e = m.get(node);
    if (e !== undefined) {
      let same = true;
      for (let i = 0; i < n; i++)
        if (e.vals[i] !== s[free[i]]) {
          same = false;
          break;
        }
      if (same) return e.v;
    }
    // read the key before building: the body binds and unbinds slots, but leaves them as found
    const vals: (Value | undefined)[] = new Array(n);
    for (let i = 0; i < n; i++) vals[i] = s[free[i]];
    const v = build(f);
    if (e === undefined) m.set(node, { vals, v });
    else {
      e.vals = vals;
      e.v = v;
    }
    return v;
  };
}
