/** array.concat, array.slice, array.reverse, array.flatten. */
import type { Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { arr, num, typeErr } from "./support/operands.ts";

function intArg(name: string, args: Value[], i: number): number {
  const n = num(name, args, i);
  // OPA reads an integer operand as an int64: beyond that it is "floating-point"
  if (typeof n === "bigint" ? n < -(2n ** 63n) || n >= 2n ** 63n : Math.abs(n) >= 2 ** 63)
    throw typeErr(name, `operand ${i + 1} must be integer number but got floating-point number`);
  if (typeof n === "bigint") return n < 0n ? -Infinity : Infinity;
  if (!Number.isInteger(n))
    throw typeErr(name, `operand ${i + 1} must be integer number but got floating-point number`);
  return n;
}

export const builtins: BuiltinDef[] = [
  {
    name: "array.concat",
    arity: 2,
    impl: (args) => {
      const a = arr("array.concat", args, 0);
      const b = arr("array.concat", args, 1);
      if (a.length === 0) return b;
      if (b.length === 0) return a;
      return a.concat(b);
    },
  },
  {
    name: "array.slice",
    arity: 3,
    impl: (args) => {
      const a = arr("array.slice", args, 0);
      let start = intArg("array.slice", args, 1);
      let stop = intArg("array.slice", args, 2);
      // Clamp like OPA: negative start is 0, stop past the end is the length, start > stop is empty.
      if (start < 0) start = 0;
      if (stop > a.length) stop = a.length;
      if (start >= stop) return [];
      return a.slice(start, stop);
    },
  },
  {
    name: "array.reverse",
    arity: 1,
    impl: (args) => arr("array.reverse", args, 0).toReversed(),
  },
  {
    name: "array.flatten",
    arity: 1,
    impl: (args) => {
      // One level only: nested arrays' elements are spliced in, deeper nesting is kept.
      const a = arr("array.flatten", args, 0);
      const out: Value[] = [];
      for (const x of a) {
        if (Array.isArray(x)) for (const y of x) out.push(y);
        else out.push(x);
      }
      return out;
    },
  },
];
