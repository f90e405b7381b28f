/**
 * Emulation of OPA's non-integer arithmetic: Go's big.Float with the default
 * 64-bit mantissa and round-half-even. OPA parses each operand from its
 * decimal text, so a JS float enters through its shortest decimal form
 * (String(n)), which is the literal OPA would have seen.
 *
 * The result goes back to a Value: integral results stay exact (bigint when
 * unsafe), others round to the nearest double.
 */
import { type Num, NumText, normInt, numberText } from "../../value.ts";

/** value = (neg ? -1 : 1) * m * 2^e, with m < 2^p (p defaults to 64). */
export interface BF {
  neg: boolean;
  m: bigint;
  e: number;
  /** Mantissa precision in bits when not 64 (big.NewFloat gives 53). */
  p?: number;
}

const PREC = 64;
const ZERO: BF = { neg: false, m: 0n, e: 0 };
// Go's big.Float keeps the sign of zero: 0 / -5 is -0, and OPA prints it so.
const NEG_ZERO: BF = { neg: true, m: 0n, e: 0 };

function bitLen(m: bigint): number {
  if (m === 0n) return 0;
  const n = Number(m);
  if (n < 2 ** 1000) {
    // log2 of the rounded double can be off by one near powers of two: correct it.
    let k = Math.floor(Math.log2(n)) + 1;
    if (m >> BigInt(k) !== 0n) k++;
    else if (k > 1 && m >> BigInt(k - 1) === 0n) k--;
    return k;
  }
  const h = m.toString(16);
  return (h.length - 1) * 4 + 32 - Math.clz32(Number.parseInt(h[0], 16));
}

const POW10: bigint[] = [];
/** 10^k as a bigint, cached for the exponents decimals actually use. */
function pow10(k: number): bigint {
  if (k > 400) return 10n ** BigInt(k);
  let p = POW10[k];
  if (p === undefined) {
    p = 10n ** BigInt(k);
    POW10[k] = p;
  }
  return p;
}

/** Round an exact m*2^e (plus a sticky "something below" bit) to prec bits, half to even. */
function round(neg: boolean, m: bigint, e: number, sticky: boolean, prec = PREC): BF {
  const p = prec === PREC ? undefined : prec;
  if (m === 0n) return { neg, m: 0n, e: 0, p };
  const bl = bitLen(m);
  if (bl <= prec) return { neg, m, e, p };
  const sh = BigInt(bl - prec);
  let q = m >> sh;
  const rem = m & ((1n << sh) - 1n);
  const half = 1n << (sh - 1n);
  if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q++;
  let ne = e + Number(sh);
  if (q >> BigInt(prec) !== 0n) {
    q >>= 1n;
    ne++;
  }
  return { neg, m: q, e: ne, p };
}

const DEC = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/;

/** The exact integer an integral Value denotes (unsafe doubles via their decimal literal). */
export function toBigInt(n: Num): bigint {
  if (typeof n === "bigint") return n;
  if (Number.isSafeInteger(n)) return BigInt(n);
  const d = decimal(n);
  return d.exp >= 0 ? d.digits * pow10(d.exp) : d.digits / pow10(-d.exp);
}

function decimal(n: number): { digits: bigint; exp: number } {
  const m = DEC.exec(String(n));
  if (!m) throw new Error(`not a finite number: ${n}`);
  const frac = m[3] ?? "";
  let digits = BigInt(m[2] + frac);
  if (m[1]) digits = -digits;
  return { digits, exp: Number(m[4] ?? 0) - frac.length };
}

const fromDoubleCache = new Map<number, BF>();

export function fromNum(n: Num): BF {
  if (typeof n === "bigint") return round(n < 0n, n < 0n ? -n : n, 0, false);
  if (n === 0) return Object.is(n, -0) ? NEG_ZERO : ZERO;
  if (Number.isSafeInteger(n)) return round(n < 0, BigInt(n < 0 ? -n : n), 0, false);
  // Policies reuse a handful of decimals; converting one costs a few bigint divisions.
  let f = fromDoubleCache.get(n);
  if (f === undefined) {
    const { digits, exp } = decimal(n);
    f = fromParts(digits, exp);
    if (fromDoubleCache.size >= 4096) fromDoubleCache.clear();
    fromDoubleCache.set(n, f);
  }
  return f;
}

/** digits * 10^exp rounded to 64 bits. */
function fromParts(digits: bigint, exp: number): BF {
  const neg = digits < 0n;
  const d = neg ? -digits : digits;
  if (exp >= 0) return round(neg, d * pow10(exp), 0, false);
  const den = pow10(-exp);
  const s = Math.max(0, PREC + 2 + bitLen(den) - bitLen(d));
  const num = d << BigInt(s);
  return round(neg, num / den, -s, num % den !== 0n);
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parse decimal text (Go big.Float SetString's decimal forms) to 64 bits; undefined if malformed. */
export function fromDecimal(text: string): BF | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const frac = m[3] ?? "";
  let digits = BigInt((m[2] || "0") + frac);
  if (m[1] === "-") digits = -digits;
  const r = fromParts(digits, Number(m[4] ?? 0) - frac.length);
  if (m[1] === "-" && r.m === 0n) return { neg: true, m: 0n, e: 0 };
  return r;
}

export function fromBigInt(b: bigint): BF {
  return round(b < 0n, b < 0n ? -b : b, 0, false);
}

export function add(a: BF, b: BF): BF {
  // IEEE zero sums: -0 only when both zeros are negative
  if (a.m === 0n && b.m === 0n) return a.neg && b.neg ? NEG_ZERO : ZERO;
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const x = a.m << BigInt(a.e - e);
  const y = b.m << BigInt(b.e - e);
  const sx = a.neg ? -x : x;
  const sy = b.neg ? -y : y;
  const s = sx + sy;
  return s < 0n ? round(true, -s, e, false) : round(false, s, e, false);
}

export function neg(a: BF): BF {
  return { neg: !a.neg, m: a.m, e: a.e, p: a.p };
}

export function sub(a: BF, b: BF): BF {
  return add(a, neg(b));
}

/** a * b at precision `prec` (default: the larger operand precision, as big.Float does for a fresh z). */
export function mul(a: BF, b: BF, prec = Math.max(a.p ?? PREC, b.p ?? PREC)): BF {
  return round(a.neg !== b.neg, a.m * b.m, a.e + b.e, false, prec);
}

/** big.NewFloat(x) for a double: exact at 53 bits. */
export function fromDouble53(x: number): BF {
  const f = fromNum(x);
  return round(f.neg, f.m, f.e, false, 53);
}

/** a / b; b must not be zero. */
export function quo(a: BF, b: BF): BF {
  if (a.m === 0n) return a.neg !== b.neg ? NEG_ZERO : ZERO;
  const s = Math.max(0, PREC + 2 + bitLen(b.m) - bitLen(a.m));
  const num = a.m << BigInt(s);
  return round(a.neg !== b.neg, num / b.m, a.e - b.e - s, num % b.m !== 0n);
}

export function isZero(a: BF): boolean {
  return a.m === 0n;
}

/** Integer part, truncated toward zero, and whether it was exact. */
export function trunc(a: BF): { i: bigint; exact: boolean } {
  if (a.e >= 0) {
    const v = a.m << BigInt(a.e);
    return { i: a.neg ? -v : v, exact: true };
  }
  const sh = BigInt(-a.e);
  const v = a.m >> sh;
  return { i: a.neg ? -v : v, exact: v << sh === a.m };
}

export function cmp(a: BF, b: BF): number {
  const d = sub(a, b);
  return d.m === 0n ? 0 : d.neg ? -1 : 1;
}

/**
 * Back to a Value the way OPA does (FloatToNumber): an integral result is
 * its exact integer (bigint when unsafe); any other is the text Go's
 * Text('g', -1) prints, i.e. the fewest decimal digits that identify it at
 * its precision, which is a NumText whenever that differs from the text of
 * the nearest double (2 / 7 is 0.28571428571428571428, 1e-6 * 5 is 5e-06).
 */
export function toNum(a: BF): Num | NumText {
  if (a.m === 0n) return a.neg ? -0 : 0;
  const prec = a.p ?? PREC;
  const bl = bitLen(a.m);
  // Integers below 2^prec print exactly (their shortest form is themselves).
  if (a.e >= 0 && bl + a.e <= prec) {
    const i = a.m << BigInt(a.e);
    return normInt(a.neg ? -i : i);
  }
  if (a.e < 0) {
    const t = trunc(a);
    if (t.exact) return normInt(t.i);
    if (bl <= 53 && a.e > -64) {
      const fast = exactDouble(a);
      if (fast !== undefined) return fast;
    }
  }
  // Policies repeat their arithmetic, and the digit search costs bigint work each time.
  // Keyed by precision and exponent, then by the signed mantissa (Map compares bigints by value).
  const slot = a.e * 2 + (prec === PREC ? 0 : 1);
  let byM = shortestCache.get(slot);
  if (byM === undefined) {
    if (shortestCache.size >= 256) shortestCache.clear();
    byM = new Map();
    shortestCache.set(slot, byM);
  }
  const km = a.neg ? -a.m : a.m;
  let r = byM.get(km);
  if (r === undefined) {
    r = fromShortest(a);
    if (byM.size >= 1024) byM.clear();
    byM.set(km, r);
  }
  return r;
}

const shortestCache = new Map<number, Map<bigint, Num | NumText>>();

/**
 * A value that is a double whose JS text is its exact decimal (2.5, 3.75,
 * 1234.5): that text is also its shortest at 64 bits (no shorter decimal
 * rounds to it at 53 bits, let alone 64, and an exact one is the closest),
 * so only the notation can differ from Go's %g. Undefined when not so.
 */
function exactDouble(a: BF): Num | NumText | undefined {
  const d = Number(a.m) * 2 ** a.e;
  const v = a.neg ? -d : d;
  const s = String(d);
  const dot = s.indexOf(".");
  if (dot < 0 || s.includes("e")) return undefined;
  // d's fraction bits, by doubling (exact for a double) until it is an integer
  let fracBits = 0;
  for (let y = d; !Number.isInteger(y); y *= 2) fracBits++;
  // a dyadic fraction of k bits has exactly k decimal places
  if (s.length - dot - 1 !== fracBits) return undefined;
  // %g and JS agree between 1e-4 and 1e6 (plain notation); outside, Go writes an exponent
  if (d >= 1e-4 && d < 1e6) return v;
  const all = s.slice(0, dot) + s.slice(dot + 1);
  const digits = all.replace(/^0+/, "");
  // 0.<digits> * 10^dp: the integer part's length less the leading zeros stripped
  const dp = dot - (all.length - digits.length);
  return new NumText(v, (a.neg ? "-" : "") + goG(digits, dp));
}

/** The slow way: Go's shortest digits at the value's precision. */
function fromShortest(a: BF): Num | NumText {
  const { digits, dp } = shortest(a);
  const sign = a.neg ? "-" : "";
  if (dp >= digits.length) {
    const i = BigInt(sign + digits) * pow10(dp - digits.length);
    return normInt(i);
  }
  const n = Number(`${sign}0.${digits}e${dp}`);
  const text = sign + goG(digits, dp);
  return Number.isFinite(n) && text === numberText(n) ? n : new NumText(n, text);
}

/** Go's %g for shortest digits 0.d1d2... * 10^dp: exponent form below 1e-4 and from 1e6 (two-digit exponent at least). */
function goG(digits: string, dp: number): string {
  const exp = dp - 1;
  if (exp < -4 || exp >= 6) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const ae = Math.abs(exp);
    return `${digits[0]}${frac}e${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
  }
  if (dp <= 0) return `0.${"0".repeat(-dp)}${digits}`;
  return `${digits.slice(0, dp)}.${digits.slice(dp)}`;
}

/** Decimal digits (no leading/trailing zeros) and decimal point position of n * 10^-k. */
function dec(n: bigint, k: number): { d: string; dp: number } {
  let d = n.toString();
  const dp = d.length - k;
  let end = d.length;
  while (end > 0 && d.charCodeAt(end - 1) === 48) end--;
  d = d.slice(0, end);
  return { d, dp };
}

/** Go's big.Float roundShortest for a 64-bit-precision value. */
function shortest(a: BF): { digits: string; dp: number } {
  // Normalise to prec+1 bits so that the lsb is half an ulp.
  const prec = a.p ?? PREC;
  const bl = bitLen(a.m);
  const mant = prec + 1 - bl >= 0 ? a.m << BigInt(prec + 1 - bl) : a.m >> BigInt(bl - prec - 1);
  const exp = a.e - (prec + 1 - bl);
  // value = mant * 2^exp; scale the three bounds to integers times 10^-k.
  let scale: (x: bigint) => bigint;
  let k = 0;
  if (exp >= 0) scale = (x) => x << BigInt(exp);
  else {
    const p5 = 5n ** BigInt(-exp);
    k = -exp;
    scale = (x) => x * p5;
  }
  const x = dec(scale(mant), k);
  const lower = dec(scale(mant - 1n), k);
  const upper = dec(scale(mant + 1n), k);
  const inclusive = (mant & 2n) === 0n;
  const d = x.d;
  for (let i = 0; i < d.length; i++) {
    const m = d.charCodeAt(i);
    const l = i < lower.d.length ? lower.d.charCodeAt(i) : 48;
    const u = i < upper.d.length ? upper.d.charCodeAt(i) : 48;
    const okdown = l !== m || (inclusive && i + 1 === lower.d.length);
    const okup = m !== u && (inclusive || m + 1 < u || i + 1 < upper.d.length);
    if (okdown && okup) return roundAt(d, x.dp, i + 1, shouldRoundUp(d, i + 1));
    if (okdown) return roundAt(d, x.dp, i + 1, false);
    if (okup) return roundAt(d, x.dp, i + 1, true);
  }
  return { digits: d, dp: x.dp };
}

function shouldRoundUp(d: string, n: number): boolean {
  if (d.charCodeAt(n) === 53 && n + 1 === d.length) return n > 0 && (d.charCodeAt(n - 1) - 48) % 2 !== 0;
  return d.charCodeAt(n) >= 53;
}

function roundAt(d: string, dp: number, n: number, up: boolean): { digits: string; dp: number } {
  if (!up) {
    let end = n;
    while (end > 0 && d.charCodeAt(end - 1) === 48) end--;
    return { digits: d.slice(0, end), dp };
  }
  let i = n - 1;
  while (i >= 0 && d.charCodeAt(i) === 57) i--;
  if (i < 0) return { digits: "1", dp: dp + 1 };
  return { digits: d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1), dp };
}

/** True for integral Values (OPA's NumberToInt succeeds). */
export function isIntegral(n: Num): boolean {
  return typeof n === "bigint" || Number.isInteger(n);
}
