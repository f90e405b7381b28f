/**
 * Arithmetic builtins. Like OPA: small integers use machine arithmetic,
 * integers of any size are exact (bigint), and anything else goes through a
 * 64-bit-mantissa big float (see numbers/bigfloat.ts) so results match OPA's
 * (0.1 + 0.2 == 0.3, 3 - 2.9 is 0.09999999999999999991...).
 */
import { bigIntOf, isIntegralNum, numBF } from "../numtext.ts";
import { type Num, NumText, normInt, RSet, type Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import * as bf from "./numbers/bigfloat.ts";
import { builtinErr, num, numOrText, operandErr, typeErr } from "./support/operands.ts";

const MIN_SMALL = -(2 ** 31);
const MAX_SMALL = 2 ** 31 - 1;

function small(n: Num | NumText): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= MIN_SMALL && n <= MAX_SMALL;
}

interface ArithOp {
  small: (x: number, y: number) => number | undefined;
  exact?: (x: bigint, y: bigint) => bigint;
  float?: (x: bf.BF, y: bf.BF) => bf.BF;
  noFloat?: string;
}

function arith(name: string, op: ArithOp, x: Num | NumText, y: Num | NumText): Value {
  if (small(x) && small(y)) {
    const r = op.small(x, y);
    if (r !== undefined) return r;
  }
  // a NumText is read by its text: 1e30 is the integer 10^30, 2.50 the float
  if (op.exact && isIntegralNum(x) && isIntegralNum(y)) return normInt(op.exact(bigIntOf(x), bigIntOf(y)));
  if (!op.float) throw builtinErr(name, op.noFloat ?? "");
  return bf.toNum(op.float(numBF(x), numBF(y)));
}

const opPlus: ArithOp = { small: (x, y) => x + y + 0, exact: (x, y) => x + y, float: bf.add };
const opMinus: ArithOp = { small: (x, y) => x - y + 0, exact: (x, y) => x - y, float: bf.sub };
// + 0: integer products are never -0 in OPA (0 * -1 is 0), only float ones
const opMul: ArithOp = { small: (x, y) => x * y + 0, exact: (x, y) => x * y, float: bf.mul };
const opDiv: ArithOp = {
  small: (x, y) => {
    if (y === 0) throw builtinErr("div", "divide by zero");
    return x !== 0 && x % y === 0 ? x / y : undefined;
  },
  float: (x, y) => {
    if (bf.isZero(y)) throw builtinErr("div", "divide by zero");
    return bf.quo(x, y);
  },
};
const opRem: ArithOp = {
  small: (x, y) => {
    if (y === 0) throw builtinErr("rem", "modulo by zero");
    // Go's % truncates like JS's; avoid -0.
    return (x % y) + 0;
  },
  exact: (x, y) => {
    if (y === 0n) throw builtinErr("rem", "modulo by zero");
    return x % y;
  },
  noFloat: "modulo on floating-point number",
};

function binary(name: string, op: ArithOp): BuiltinDef {
  return { name, arity: 2, impl: (a) => arith(name, op, numOrText(name, a, 0), numOrText(name, a, 1)) };
}

export function plus(x: Num | NumText, y: Num | NumText): Value {
  return arith("plus", opPlus, x, y);
}

export function mul(x: Num | NumText, y: Num | NumText): Value {
  return arith("mul", opMul, x, y);
}

function unary(name: string, smallFn: (x: number) => number, floatFn: (x: bf.BF) => Value): BuiltinDef {
  return {
    name,
    arity: 1,
    impl: (a) => {
      const x = numOrText(name, a, 0);
      // + 0: OPA's int path never yields -0 (floor(-0.0) is 0)
      if (small(x)) return smallFn(x) + 0;
      return floatFn(numBF(x));
    },
  };
}

const HALF = bf.fromNum(0.5);

// round/ceil/floor build their result from a big.Int (SetInt keeps every bit),
// so those results are exact integers rather than 64-bit-rounded floats.
function roundBF(a: bf.BF): Num {
  return normInt(bf.trunc(a.neg ? bf.sub(a, HALF) : bf.add(a, HALF)).i);
}

// OPA's ceil/floor truncate and then step by one depending on the sign bit of
// the truncated value, which is +0 for inputs in (-1, 0): ceil(-0.5) is 1 and
// floor(-0.5) is 0 there. Reproduced on purpose.
function ceilBF(a: bf.BF): Num {
  const t = bf.trunc(a);
  return normInt(t.i < 0n || t.exact ? t.i : t.i + 1n);
}

function floorBF(a: bf.BF): Num {
  const t = bf.trunc(a);
  return normInt(!(t.i < 0n) || t.exact ? t.i : t.i - 1n);
}

function absBF(a: bf.BF): Value {
  return bf.toNum({ neg: false, m: a.m, e: a.e });
}

/** An integer operand as a bigint, with OPA's "integer number" error. */
function intOperand(name: string, args: Value[], i: number): bigint {
  const n = args[i];
  if (typeof n !== "number" && typeof n !== "bigint" && !(n instanceof NumText))
    throw operandErr(name, i + 1, n, "integer");
  if (!isIntegralNum(n))
    throw typeErr(name, `operand ${i + 1} must be integer number but got floating-point number`);
  return bigIntOf(n);
}

function range(a: bigint, b: bigint, step: bigint): Value[] {
  const out: Value[] = [];
  if (a <= b) for (let i = a; i <= b; i += step) out.push(normInt(i));
  else for (let i = a; i >= b; i -= step) out.push(normInt(i));
  return out;
}

function smallRange(a: number, b: number, step: number): Value[] {
  const out: number[] = [];
  if (a <= b) for (let i = a; i <= b; i += step) out.push(i);
  else for (let i = a; i >= b; i -= step) out.push(i);
  return out;
}

const BASES: Record<string, number> = { "2": 2, "8": 8, "10": 10, "16": 16 };

export const builtins: BuiltinDef[] = [
  binary("plus", opPlus),
  {
    name: "minus",
    arity: 2,
    impl: (a) => {
      const [x, y] = a;
      const xn = typeof x === "number" || typeof x === "bigint" || x instanceof NumText;
      const yn = typeof y === "number" || typeof y === "bigint" || y instanceof NumText;
      if (xn && yn) return arith("minus", opMinus, x, y);
      if (x instanceof RSet && y instanceof RSet) {
        const out = new RSet();
        for (const v of x.sorted()) if (!y.has(v)) out.add(v);
        return out;
      }
      if (!xn && !(x instanceof RSet)) throw operandErr("minus", 1, x, "number", "set");
      if (yn) throw operandErr("minus", 2, y, "set");
      throw operandErr("minus", 2, y, "number");
    },
  },
  binary("mul", opMul),
  binary("div", opDiv),
  binary("rem", opRem),
  unary("abs", (x) => Math.abs(x), absBF),
  unary("round", (x) => x, roundBF),
  unary("ceil", (x) => x, ceilBF),
  unary("floor", (x) => x, floorBF),
  {
    name: "numbers.range",
    arity: 2,
    impl: (a) => {
      const x = a[0];
      const y = a[1];
      if (small(x as Num) && small(y as Num)) return smallRange(x as number, y as number, 1);
      return range(intOperand("numbers.range", a, 0), intOperand("numbers.range", a, 1), 1n);
    },
  },
  {
    name: "numbers.range_step",
    arity: 3,
    impl: (a) => {
      const name = "numbers.range_step";
      const x = intOperand(name, a, 0);
      const y = intOperand(name, a, 1);
      const step = intOperand(name, a, 2);
      // OPA repeats the name in this message.
      if (step <= 0n) throw builtinErr(name, `${name}: step must be a positive integer`);
      if (small(a[0] as Num) && small(a[1] as Num) && small(a[2] as Num))
        return smallRange(a[0] as number, a[1] as number, a[2] as number);
      return range(x, y, step);
    },
  },
  {
    name: "format_int",
    arity: 2,
    impl: (a) => {
      const x = num("format_int", a, 0);
      const b = num("format_int", a, 1);
      const base = BASES[String(b)];
      if (base === undefined) throw typeErr("format_int", "operand 2 must be one of {2, 8, 10, 16}");
      if (small(x)) return x.toString(base);
      // Integer text prints exactly; float literals (1e30) truncate through a 64-bit float.
      if (typeof x === "bigint") return x.toString(base);
      return bf.trunc(bf.fromNum(x)).i.toString(base);
    },
  },
];
