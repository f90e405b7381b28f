/**
 * Numbers that keep OPA's text (see NumText in value.ts). OPA holds every
 * number as its decimal text and compares, hashes and does arithmetic on the
 * value that text denotes at big.Float's 64-bit precision; the engine holds
 * a double or bigint and wraps it only where OPA's text would differ from
 * the engine's, so this module is off the path of ordinary numbers.
 */
import * as bf from "./builtins/numbers/bigfloat.ts";
import { numberValue } from "./syntax/parse-helpers.ts";
import {
  makeObject,
  NUM,
  type Num,
  NumText,
  numberText,
  numTextExact,
  numTextHooks,
  objEntries,
  RSet,
  TEXT,
  type Value,
} from "./value.ts";

const bfs = new WeakMap<NumText, bf.BF>();

/** The 64-bit big float OPA reads a NumText's text as. */
export function textBF(t: NumText): bf.BF {
  let b = bfs.get(t);
  if (b === undefined) {
    b = bf.fromDecimal(t[TEXT]) ?? bf.fromNum(t[NUM]);
    bfs.set(t, b);
  }
  return b;
}

/** A number as OPA's 64-bit big float: a NumText from its text, a plain number from its shortest text. */
export function numBF(v: Num | NumText): bf.BF {
  return v instanceof NumText ? textBF(v) : bf.fromNum(v);
}

/** The engine's own text for a plain number (what OPA would print for it). */
export function plainText(n: Num): string {
  return typeof n === "bigint" ? n.toString() : numberText(n);
}

/** n, carrying `text` only when that text is not already how n prints. */
export function withText(n: Num, text: string): Num | NumText {
  return text === plainText(n) ? n : new NumText(n, text);
}

/** A number read from JSON or Rego number text (to_number, json.unmarshal, literals), keeping the text. */
export function numFromText(text: string): Num | NumText {
  return withText(numberValue(text), text);
}

/** Whether a NumText's 64-bit value is the plain number's (so it is equal to, and keyed like, that number). */
function exact(t: NumText): boolean {
  return numTextExact(t, (x) => {
    const b = textBF(x);
    const n = x[NUM];
    const finite = typeof n === "bigint" || Number.isFinite(n);
    return finite && bf.cmp(b, bf.fromNum(n)) === 0 ? undefined : `#~${bfKey(b)}`;
  });
}

/** A canonical text for a big float's value (mantissa without trailing zero bits). */
function bfKey(b: bf.BF): string {
  if (b.m === 0n) return "0";
  let m = b.m;
  let e = b.e;
  while ((m & 1n) === 0n) {
    m >>= 1n;
    e++;
  }
  return `${b.neg ? "-" : ""}${m.toString(36)}p${e}`;
}

function compareMixed(a: Num | NumText, b: Num | NumText): number {
  // a plain number that overflowed to ±Infinity has no decimal text: order it by doubles
  if ((typeof a === "number" && !Number.isFinite(a)) || (typeof b === "number" && !Number.isFinite(b))) {
    const x = Number(a instanceof NumText ? a[NUM] : a);
    const y = Number(b instanceof NumText ? b[NUM] : b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return bf.cmp(numBF(a), numBF(b));
}

numTextHooks.exact = exact;
numTextHooks.compare = compareMixed;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Past this many zeros an integer is not worth writing out (OPA's own limit is memory). */
const MAX_EXP = 100000;
const ints = new WeakMap<NumText, bigint | null>();

/** The exact integer a NumText's text denotes (1e30 is 10^30, -0.0 is 0), or null if it is no integer. */
function textInt(t: NumText): bigint | null {
  let r = ints.get(t);
  if (r === undefined) {
    r = null;
    const m = DECIMAL.exec(t[TEXT]);
    if (m && (m[2] !== "" || (m[3] ?? "") !== "")) {
      const frac = m[3] ?? "";
      let digits = (m[2] + frac).replace(/^0+/, "");
      let exp = Number(m[4] ?? 0) - frac.length;
      while (digits.endsWith("0")) {
        digits = digits.slice(0, -1);
        exp++;
      }
      if (digits === "") r = 0n;
      else if (exp >= 0 && exp <= MAX_EXP)
        r = BigInt(m[1] === "-" ? `-${digits}` : digits) * 10n ** BigInt(exp);
    } else if (typeof t[NUM] === "bigint" || Number.isInteger(t[NUM])) r = bf.toBigInt(t[NUM]);
    ints.set(t, r);
  }
  return r;
}

/** Whether a number is an integer: OPA then does integer arithmetic on it, exactly (1e30 + 1, -0.0 * 1 is 0). */
export function isIntegralNum(v: Num | NumText): boolean {
  return v instanceof NumText ? textInt(v) !== null : bf.isIntegral(v);
}

/** The integer an integral number denotes. */
export function bigIntOf(v: Num | NumText): bigint {
  return v instanceof NumText ? (textInt(v) as bigint) : bf.toBigInt(v);
}

/** A copy of v with every NumText as its engine number, for code that reads JSON-like values (schemas); v itself when it has none. */
export function plainNumbers(v: Value): Value {
  if (v instanceof NumText) return v[NUM];
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    let out: Value[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = plainNumbers(v[i]);
      if (x !== v[i]) (out ??= v.slice())[i] = x;
    }
    return out ?? v;
  }
  if (v instanceof RSet) {
    const xs = v.sorted();
    const ys = xs.map(plainNumbers);
    return ys.some((y, i) => y !== xs[i]) ? new RSet(ys) : v;
  }
  let changed = false;
  const ents: [Value, Value][] = [];
  for (const [k, x] of objEntries(v)) {
    const pk = plainNumbers(k);
    const px = plainNumbers(x);
    if (pk !== k || px !== x) changed = true;
    ents.push([pk, px]);
  }
  return changed ? makeObject(ents) : v;
}
