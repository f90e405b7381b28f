/** count, sum, product, max, min, sort, all, any. */
import { bigIntOf, isIntegralNum, numBF } from "../numtext.ts";
import {
  compare,
  isObject,
  type Num,
  NumText,
  normInt,
  objSize,
  RSet,
  typeName,
  type Value,
} from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import * as bf from "./numbers/bigfloat.ts";
import { operandErr, typeErr } from "./support/operands.ts";

/** Array or set members (sets in term order), else OPA's "{set, array}" error. */
function members(name: string, v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.sorted();
  throw operandErr(name, 1, v, "set", "array");
}

function countCodePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function fold(name: string, coll: Value, init: number, isSum: boolean): Value {
  const xs = members(name, coll);
  // Fast path: safe integers whose running result stays safe.
  let acc = init;
  let i = 0;
  for (; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== "number" || !Number.isSafeInteger(x)) break;
    const r = isSum ? acc + x : acc * x;
    if (!Number.isSafeInteger(r)) break;
    acc = r;
  }
  // + 0: an integer product is never -0 in OPA (product([0, -1]) is 0)
  if (i === xs.length) return acc + 0;
  let exact = true;
  for (const x of xs) {
    if ((typeof x !== "number" && typeof x !== "bigint" && !(x instanceof NumText)) || !isIntegralNum(x)) {
      exact = false;
      break;
    }
  }
  if (exact) {
    let b = BigInt(init);
    for (const x of xs) b = isSum ? b + bigIntOf(x as Num | NumText) : b * bigIntOf(x as Num | NumText);
    return normInt(b);
  }
  // OPA sums into a fresh big.Float (64-bit) but multiplies into big.NewFloat(1), which has 53 bits.
  let f = isSum ? bf.fromNum(init) : bf.fromDouble53(init);
  for (const x of xs) {
    if (typeof x !== "number" && typeof x !== "bigint" && !(x instanceof NumText))
      throw typeErr(
        name,
        `operand 1 must be ${typeName(coll)} of numbers but got ${typeName(coll)} containing ${typeName(x)}`,
      );
    f = isSum ? bf.add(f, numBF(x)) : bf.mul(f, numBF(x), 53);
  }
  return bf.toNum(f);
}

function boolColl(name: string, v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.sorted();
  throw operandErr(name, 1, v, "array", "set");
}

export const builtins: BuiltinDef[] = [
  {
    name: "count",
    arity: 1,
    impl: ([v]) => {
      if (typeof v === "string") return countCodePoints(v);
      if (Array.isArray(v)) return v.length;
      if (v instanceof RSet) return v.size;
      if (isObject(v)) return objSize(v);
      throw operandErr("count", 1, v, "array", "object", "set", "string");
    },
  },
  { name: "sum", arity: 1, impl: ([v]) => fold("sum", v, 0, true) },
  { name: "product", arity: 1, impl: ([v]) => fold("product", v, 1, false) },
  {
    name: "max",
    arity: 1,
    impl: ([v]) => {
      const xs = members("max", v);
      if (xs.length === 0) return undefined;
      if (v instanceof RSet) return xs[xs.length - 1];
      let m = xs[0];
      for (let i = 1; i < xs.length; i++) if (compare(m, xs[i]) <= 0) m = xs[i];
      return m;
    },
  },
  {
    name: "min",
    arity: 1,
    impl: ([v]) => {
      const xs = members("min", v);
      if (xs.length === 0) return undefined;
      if (v instanceof RSet) return xs[0];
      let m = xs[0];
      for (let i = 1; i < xs.length; i++) if (compare(m, xs[i]) >= 0) m = xs[i];
      return m;
    },
  },
  {
    name: "sort",
    arity: 1,
    impl: ([v]) => {
      if (Array.isArray(v)) return [...v].sort(compare);
      if (v instanceof RSet) return [...v.sorted()];
      throw operandErr("sort", 1, v, "set", "array");
    },
  },
  { name: "all", arity: 1, impl: ([v]) => boolColl("all", v).every((x) => x === true) },
  { name: "any", arity: 1, impl: ([v]) => boolColl("any", v).some((x) => x === true) },
];
