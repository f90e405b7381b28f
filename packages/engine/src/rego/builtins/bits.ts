/** bits.*: arbitrary-precision two's-complement integer operations (Go big.Int semantics). */
import { bigIntOf, isIntegralNum } from "../numtext.ts";
import { type Num, NumText, normInt, type Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinErr, operandErr, typeErr } from "./support/operands.ts";

function int(name: string, args: Value[], i: number): bigint {
  const v = args[i];
  if (typeof v !== "number" && typeof v !== "bigint" && !(v instanceof NumText))
    throw operandErr(name, i + 1, v, "integer");
  if (!isIntegralNum(v))
    throw typeErr(name, `operand ${i + 1} must be integer number but got floating-point number`);
  return bigIntOf(v);
}

/** Both operands within int32: JS's 32-bit bitwise operators are exact there. */
function small32(a: Value, b: Value): boolean {
  return (a as number) === ((a as number) | 0) && (b as number) === ((b as number) | 0);
}

function binary(
  name: string,
  fast: (x: number, y: number) => number,
  big: (x: bigint, y: bigint) => bigint,
): BuiltinDef {
  return {
    name,
    arity: 2,
    impl: (args) => {
      const [a, b] = args;
      if (typeof a === "number" && typeof b === "number" && small32(a, b)) return fast(a, b);
      return normInt(big(int(name, args, 0), int(name, args, 1)));
    },
  };
}

function shift(name: string, left: boolean): BuiltinDef {
  return {
    name,
    arity: 2,
    impl: (args) => {
      const x = int(name, args, 0);
      let n = int(name, args, 1);
      if (n < 0n)
        throw typeErr(name, "operand 2 must be an unsigned integer number but got a negative integer");
      // Go takes the shift as big.Int.Uint64(): past 64 bits only the low 64 bits count
      n = BigInt.asUintN(64, n);
      if (!left) return normInt(n > 1n << 30n ? (x < 0n ? -1n : 0n) : x >> n);
      if (x === 0n) return 0;
      try {
        return normInt(x << n) as Num;
      } catch {
        // JS caps bigint size (about a billion bits); Go would just run out of memory.
        throw builtinErr(name, "shift result too large");
      }
    },
  };
}

export const builtins: BuiltinDef[] = [
  binary(
    "bits.and",
    (x, y) => x & y,
    (x, y) => x & y,
  ),
  binary(
    "bits.or",
    (x, y) => x | y,
    (x, y) => x | y,
  ),
  binary(
    "bits.xor",
    (x, y) => x ^ y,
    (x, y) => x ^ y,
  ),
  {
    name: "bits.negate",
    arity: 1,
    impl: (args) => normInt(~int("bits.negate", args, 0)),
  },
  shift("bits.lsh", true),
  shift("bits.rsh", false),
];
