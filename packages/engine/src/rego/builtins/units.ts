/**
 * units.parse (SI and binary suffixes, exact rationals like OPA's big.Rat)
 * and units.parse_bytes (64-bit big float, truncated to an integer).
 * OPA's messages carry the builtin name twice; kept as-is.
 */
import { withText } from "../numtext.ts";
import { normInt, type Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import * as bf from "./numbers/bigfloat.ts";
import { builtinErr, str } from "./support/operands.ts";

const MAX_EXPONENT_DIGITS = 6;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** Split "10.5Gi" into number text and unit; undefined for an over-long exponent. */
function extractNumAndUnit(s: string): [string, string] | undefined {
  let first = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (!isDigit(c) && c !== "." && c !== "e" && c !== "E" && c !== "+" && c !== "-") {
      first = i;
      break;
    }
    if (c === "e" || c === "E") {
      const n = s[i + 1];
      if (i === s.length - 1 || (!isDigit(n) && n !== "+" && n !== "-")) {
        first = i;
        break;
      }
      if (n === "+" || n === "-") i++;
      let end = i + 1;
      while (end < s.length && isDigit(s[end])) end++;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) return undefined;
    }
  }
  if (first === -1) return [s, ""];
  if (first === 0) return ["", s];
  return [s.slice(0, first), s.slice(first)];
}

const BIN = (k: number): bigint => 1n << BigInt(10 * k);
const SI = (k: number): bigint => 10n ** BigInt(3 * k);

const UNITS: Record<string, bigint> = {
  "": 1n,
  k: SI(1),
  K: SI(1),
  ki: BIN(1),
  Ki: BIN(1),
  M: SI(2),
  mi: BIN(2),
  Mi: BIN(2),
  g: SI(3),
  G: SI(3),
  gi: BIN(3),
  Gi: BIN(3),
  t: SI(4),
  T: SI(4),
  ti: BIN(4),
  Ti: BIN(4),
  p: SI(5),
  P: SI(5),
  pi: BIN(5),
  Pi: BIN(5),
  e: SI(6),
  E: SI(6),
  ei: BIN(6),
  Ei: BIN(6),
};

const BYTE_UNITS: Record<string, bigint> = {
  "": 1n,
  kb: SI(1),
  k: SI(1),
  kib: BIN(1),
  ki: BIN(1),
  mb: SI(2),
  m: SI(2),
  mib: BIN(2),
  mi: BIN(2),
  gb: SI(3),
  g: SI(3),
  gib: BIN(3),
  gi: BIN(3),
  tb: SI(4),
  t: SI(4),
  tib: BIN(4),
  ti: BIN(4),
  pb: SI(5),
  p: SI(5),
  pib: BIN(5),
  pi: BIN(5),
  eb: SI(6),
  e: SI(6),
  eib: BIN(6),
  ei: BIN(6),
};

// "m" is big.Rat.SetFloat64(0.001): the double nearest 0.001, exactly.
const MILLI_NUM = 1152921504606847n;
const MILLI_DEN = 1n << 60n;

const RAT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Decimal text as an exact fraction [num, den]. */
function parseRat(s: string): [bigint, bigint] | undefined {
  const m = RAT.exec(s);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const frac = m[3] ?? "";
  let num = BigInt((m[2] || "0") + frac);
  if (m[1] === "-") num = -num;
  const exp = Number(m[4] ?? 0) - frac.length;
  return exp >= 0 ? [num * 10n ** BigInt(exp), 1n] : [num, 10n ** BigInt(-exp)];
}

/** big.Rat.FloatString(10) as a number: 10 decimals, halves away from zero; OPA keeps that text (0.5000000000). */
function ratToNumber(num: bigint, den: bigint): Value {
  const neg = num < 0n;
  const a = neg ? -num : num;
  const scaled = a * 10n ** 10n;
  let q = scaled / den;
  if ((scaled % den) * 2n >= den) q++;
  const s = q.toString().padStart(11, "0");
  const text = `${neg ? "-" : ""}${s.slice(0, -10)}.${s.slice(-10)}`;
  return withText(Number(text), text);
}

function unitsErr(name: string, msg: string): Error {
  return builtinErr(name, `${name}: ${msg}`);
}

export const builtins: BuiltinDef[] = [
  {
    name: "units.parse",
    arity: 1,
    impl: (a) => {
      const name = "units.parse";
      const s = str(name, a, 0).replaceAll('"', "");
      if (s.includes(" ")) throw unitsErr(name, "spaces not allowed in resource strings");
      const parts = extractNumAndUnit(s);
      if (!parts) throw unitsErr(name, "exponent too large");
      const [numText] = parts;
      let [, unit] = parts;
      if (numText === "") throw unitsErr(name, "no amount provided");
      if (unit.length > 1) unit = unit[0] + unit.slice(1).toLowerCase();
      let mulNum: bigint;
      let mulDen = 1n;
      if (unit === "m") {
        mulNum = MILLI_NUM;
        mulDen = MILLI_DEN;
      } else {
        const u = UNITS[unit];
        if (u === undefined) throw unitsErr(name, `unit ${unit} not recognized`);
        mulNum = u;
      }
      const r = parseRat(numText);
      if (!r) throw unitsErr(name, "could not parse amount to a number");
      const num = r[0] * mulNum;
      const den = r[1] * mulDen;
      if (num % den === 0n) return normInt(num / den);
      return ratToNumber(num, den);
    },
  },
  {
    name: "units.parse_bytes",
    arity: 1,
    impl: (a) => {
      const name = "units.parse_bytes";
      const s = str(name, a, 0).toLowerCase().replaceAll('"', "");
      if (s.includes(" ")) throw unitsErr(name, "spaces not allowed in resource strings");
      const parts = extractNumAndUnit(s);
      if (!parts) throw unitsErr(name, "exponent too large");
      const [numText, unit] = parts;
      if (numText === "") throw unitsErr(name, "no byte amount provided");
      const m = BYTE_UNITS[unit];
      if (m === undefined) throw unitsErr(name, `byte unit ${unit} not recognized`);
      const f = bf.fromDecimal(numText);
      if (!f) throw unitsErr(name, "could not parse byte amount to a number");
      return normInt(bf.trunc(bf.mul(f, bf.fromBigInt(m))).i);
    },
  },
];
