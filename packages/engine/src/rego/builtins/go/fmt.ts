/**
 * The parts of Go's fmt and strconv that OPA's sprintf exposes: verbs, flags,
 * width/precision, argument indexes, the %!verb(type=value) error forms, Go
 * string quoting, and OPA's term String() for composite arguments.
 */
import {
  isObject,
  NumText,
  numOf,
  orderedKeys,
  type PlainObject,
  RObj,
  RSet,
  sortedEntries,
  textOf,
  type Value,
} from "../../value.ts";
import { goQuote, quoteRune } from "./quote.ts";

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

// ---- OPA term String() ------------------------------------------------------

/** OPA's number text for a Value number. */
export function numberString(n: number | bigint): string {
  if (typeof n === "bigint") return n.toString();
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  return String(n).replace("e+", "e");
}

/** OPA's ast String() of a value: Go-quoted strings, "set()" for the empty set. */
export function termString(v: Value): string {
  switch (typeof v) {
    case "string":
      return goQuote(v);
    case "number":
    case "bigint":
      return numberString(v);
    case "boolean":
      return v ? "true" : "false";
  }
  if (v === null) return "null";
  if (v instanceof NumText) return textOf(v);
  if (Array.isArray(v)) return `[${joinTerms(v)}]`;
  if (v instanceof RSet) return v.size === 0 ? "set()" : `{${joinTerms(v.sorted())}}`;
  if (v instanceof RObj) {
    const parts = sortedEntries(v);
    return `{${parts.map(([k, x]) => `${termString(k)}: ${termString(x)}`).join(", ")}}`;
  }
  if (isObject(v)) {
    // plain object: keys in order, without entry arrays
    const o = v as PlainObject;
    let s = "{";
    for (const k of orderedKeys(o)) {
      const x = o[k];
      if (x === undefined) continue;
      s += `${s.length > 1 ? ", " : ""}${goQuote(k)}: ${termString(x)}`;
    }
    return `${s}}`;
  }
  return String(v);
}

function joinTerms(xs: Value[]): string {
  let s = "";
  for (let i = 0; i < xs.length; i++) s += (i ? ", " : "") + termString(xs[i]);
  return s;
}

// ---- float formatting (strconv.FormatFloat) ---------------------------------

interface Digits {
  d: string; // significant digits, no trailing zeros (may be "" for zero)
  dp: number; // decimal point position
}

/** Decimal digits of |x|: shortest round-trip when prec < 0, else rounded (half even) to prec significant digits. */
function sigDigits(x: number, prec: number): Digits {
  if (x === 0) return { d: "", dp: 0 };
  if (prec < 0) {
    const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential())!;
    return { d: (m[1] + (m[2] ?? "")).replace(/0+$/, ""), dp: Number(m[3]) + 1 };
  }
  const g = exactDigits(x);
  return roundDigits(g, Math.max(prec, 1));
}

/** Digits of |x| rounded (half even) to `frac` digits after the point. */
function fixedDigits(x: number, frac: number): Digits {
  if (x === 0) return { d: "", dp: 0 };
  const g = exactDigits(x);
  return roundDigits(g, g.dp + frac);
}

/** The exact decimal expansion of a finite double. */
function exactDigits(x: number): Digits {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const bits = buf.getBigUint64(0);
  const bexp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (bexp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = bexp - 1075;
  }
  let s: string;
  let k = 0;
  if (e >= 0) s = (mant << BigInt(e)).toString();
  else {
    s = (mant * 5n ** BigInt(-e)).toString();
    k = -e;
  }
  const dp = s.length - k;
  const lead = s.length - s.replace(/^0+/, "").length;
  return { d: s.slice(lead).replace(/0+$/, ""), dp: dp - lead };
}

/** Keep nd significant digits, rounding half to even (ties are exact: the rest is "5"). */
function roundDigits(g: Digits, nd: number): Digits {
  if (nd < 0) return { d: "", dp: 0 };
  if (g.d.length <= nd) return g;
  const next = g.d.charCodeAt(nd);
  let up =
    next > 53 ||
    (next === 53 && (nd + 1 < g.d.length || (nd > 0 && (g.d.charCodeAt(nd - 1) - 48) % 2 === 1)));
  if (next < 53) up = false;
  let d = g.d.slice(0, nd);
  let dp = g.dp;
  if (up) {
    let i = nd - 1;
    while (i >= 0 && d.charCodeAt(i) === 57) i--;
    if (i < 0) {
      d = "1";
      dp++;
    } else d = d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1);
  }
  return { d: d.replace(/0+$/, ""), dp };
}

function digitAt(g: Digits, i: number): string {
  return i >= 0 && i < g.d.length ? g.d[i] : "0";
}

function fmtE(g: Digits, prec: number, e: string): string {
  let s = g.d.length ? g.d[0] : "0";
  if (prec > 0) {
    s += ".";
    for (let i = 1; i <= prec; i++) s += digitAt(g, i);
  }
  const exp = g.d.length ? g.dp - 1 : 0;
  const ae = Math.abs(exp);
  return `${s}${e}${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
}

function fmtF(g: Digits, prec: number): string {
  let s = "";
  if (g.dp > 0) for (let i = 0; i < g.dp; i++) s += digitAt(g, i);
  else s = "0";
  if (prec > 0) {
    s += ".";
    for (let i = 0; i < prec; i++) s += digitAt(g, g.dp + i);
  }
  return s;
}

/** strconv.FormatFloat(|x|, fmt, prec, 64) without the sign. */
export function formatFloatAbs(x: number, fmt: "e" | "E" | "f" | "g" | "G", prec: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : "+Inf";
  const shortest = prec < 0;
  switch (fmt) {
    case "e":
    case "E": {
      const g = sigDigits(x, shortest ? -1 : prec + 1);
      return fmtE(g, shortest ? Math.max(g.d.length - 1, 0) : prec, fmt);
    }
    case "f": {
      if (shortest) {
        const g = sigDigits(x, -1);
        return fmtF(g, Math.max(g.d.length - g.dp, 0));
      }
      return fmtF(fixedDigits(x, prec), prec);
    }
    default: {
      let p = prec === 0 ? 1 : prec;
      const g = sigDigits(x, shortest ? -1 : p);
      const nd = Math.max(g.d.length, 1);
      let eprec = p;
      if (shortest) {
        p = nd;
        eprec = 6;
      } else if (eprec > nd && nd >= g.dp) eprec = nd;
      const exp = g.dp - 1;
      if (g.d.length && (exp < -4 || exp >= eprec)) {
        if (p > nd) p = nd;
        return fmtE(g, p - 1, fmt === "g" ? "e" : "E");
      }
      if (p > g.dp) p = nd;
      return fmtF(g, Math.max(p - g.dp, 0));
    }
  }
}

// ---- fmt.Sprintf ------------------------------------------------------------

/** A Go-side argument: int64, *big.Int, float64 or string. */
type GoArg = { t: "int"; v: bigint; big: boolean } | { t: "float"; v: number } | { t: "string"; v: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const FLOAT64_MAX_INT = BigInt(Number.MAX_VALUE);

/** 2000…0 (309 digits) → "2e308"; 25…0 → "2.5e…". */
function exponentText(v: bigint): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString();
  const mant = digits.replace(/0+$/, "");
  const exp = digits.length - 1;
  const m = mant.length > 1 ? `${mant[0]}.${mant.slice(1)}` : mant;
  return `${neg ? "-" : ""}${m}e${exp}`;
}

/** OPA's conversion of sprintf arguments to Go values. */
export function toGoArg(v: Value): GoArg {
  if (typeof v === "string") return { t: "string", v };
  if (typeof v === "bigint") {
    // Beyond float64, OPA can only hand fmt the number's own text; integer
    // literals that large are written in exponent form, so print that form.
    if (v > FLOAT64_MAX_INT || v < -FLOAT64_MAX_INT) return { t: "string", v: exponentText(v) };
    return { t: "int", v, big: v < INT64_MIN || v > INT64_MAX };
  }
  if (typeof v === "number") {
    if (Number.isSafeInteger(v)) return { t: "int", v: BigInt(v), big: false };
    return { t: "float", v };
  }
  // 1.0 or 1e3 is no integer text to OPA: it goes to fmt as its float64, or as its text past float64
  if (v instanceof NumText) {
    const f = Number(numOf(v));
    return Number.isFinite(f) ? { t: "float", v: f } : { t: "string", v: textOf(v) };
  }
  return { t: "string", v: termString(v) };
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  /** %#v: Go-syntax form (quoted strings). */
  sharpV?: boolean;
  width: number; // -1: none
  prec: number; // -1: none
}

/** A verb's spec with no flags, width or precision. */
function plainSpec(): Spec {
  return { minus: false, plus: false, sharp: false, space: false, zero: false, width: -1, prec: -1 };
}

function pad(s: string, sp: Spec, zeroOk: boolean): string {
  if (sp.width < 0) return s; // no width (the usual %v, %s): nothing to count
  const len = [...s].length;
  if (len >= sp.width) return s;
  const n = sp.width - len;
  if (sp.minus) return s + " ".repeat(n);
  if (sp.zero && zeroOk) {
    // Zeros go after the sign.
    if (s[0] === "-" || s[0] === "+" || s[0] === " ") return s[0] + "0".repeat(n) + s.slice(1);
    return "0".repeat(n) + s;
  }
  return " ".repeat(n) + s;
}

function fmtInteger(v: bigint, base: number, verb: string, sp: Spec): string {
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  if (sp.prec >= 0) {
    if (sp.prec === 0 && v === 0n) digits = "";
    else digits = digits.padStart(sp.prec, "0");
  } else if (sp.zero && !sp.minus && sp.width > 0) {
    // Go zero-pads integers to the width, leaving room for sign and prefix.
    let room = sp.width;
    if (neg || sp.plus || sp.space) room--;
    if (sp.sharp && (base === 16 || base === 2)) room -= 2;
    if (sp.sharp && base === 8) room--;
    if (verb === "O") room -= 2;
    digits = digits.padStart(room, "0");
  }
  let prefix = "";
  if (sp.sharp) {
    if (base === 16) prefix = verb === "X" ? "0X" : "0x";
    else if (base === 2) prefix = "0b";
    else if (base === 8 && digits[0] !== "0") prefix = "0";
  }
  if (verb === "O") prefix = "0o";
  const sign = neg ? "-" : sp.plus ? "+" : sp.space ? " " : "";
  return pad(sign + prefix + digits, { ...sp, zero: false }, false);
}

/** The significand and binary exponent of a finite non-zero double: |x| = mant * 2^exp. */
function frexp(x: number): { mant: bigint; exp: number } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, Math.abs(x));
  const bits = dv.getBigUint64(0);
  const be = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return be === 0 ? { mant: frac, exp: -1074 } : { mant: frac | (1n << 52n), exp: be - 1075 };
}

function expTail(e: number, min: number): string {
  return `${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(min, "0")}`;
}

/** strconv 'b': ddddp±dd. */
function formatBinaryExp(x: number): string {
  if (x === 0) return "0p-1074";
  const { mant, exp } = frexp(x);
  return `${mant}p${expTail(exp, 0)}`;
}

/** strconv 'x' with shortest precision: 0x1.hhhp±dd. */
function formatHexFloat(x: number, upper: boolean): string {
  let s: string;
  if (x === 0) s = "0x0p+00";
  else {
    let { mant, exp } = frexp(x);
    // Normalise so the leading 1 sits at bit 52.
    while (mant < 1n << 52n) {
      mant <<= 1n;
      exp--;
    }
    const frac = (mant & ((1n << 52n) - 1n)).toString(16).padStart(13, "0").replace(/0+$/, "");
    s = `0x1${frac ? `.${frac}` : ""}p${expTail(exp + 52, 2)}`;
  }
  return upper ? s.toUpperCase() : s;
}

/** Go's '#' flag for floats: keep a decimal point and pad %g/%x to their precision (fmt's own loop). */
function sharpFloat(num: string, verb: string, prec: number): string {
  let digits = 0;
  if (verb === "g" || verb === "G" || verb === "x" || verb === "X") digits = prec < 0 ? 6 : prec;
  const hexVerb = verb === "x" || verb === "X";
  let body = num;
  let tail = "";
  let sawPoint = false;
  let sawNonzero = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === ".") {
      sawPoint = true;
      continue;
    }
    if (c === "p" || c === "P" || ((c === "e" || c === "E") && !hexVerb)) {
      tail = body.slice(i);
      body = body.slice(0, i);
      break;
    }
    // Every other character counts once a non-zero one was seen (including the x of 0x, as in Go).
    if (c !== "0") sawNonzero = true;
    if (sawNonzero) digits--;
  }
  if (!sawPoint) {
    if (body === "0") digits--;
    body += ".";
  }
  while (digits-- > 0) body += "0";
  return body + tail;
}

function fmtFloat(v: number, verb: string, sp: Spec): string | undefined {
  let body: string;
  const abs = Math.abs(v);
  switch (verb) {
    case "v":
    case "g":
    case "G":
      body = formatFloatAbs(abs, verb === "G" ? "G" : "g", sp.prec);
      break;
    case "e":
    case "E":
      body = formatFloatAbs(abs, verb, sp.prec < 0 ? 6 : sp.prec);
      break;
    case "f":
    case "F":
      body = formatFloatAbs(abs, "f", sp.prec < 0 ? 6 : sp.prec);
      break;
    case "b":
      body = formatBinaryExp(abs);
      break;
    case "x":
    case "X":
      if (sp.prec >= 0) return undefined;
      body = formatHexFloat(abs, verb === "X");
      break;
    default:
      return undefined;
  }
  if (sp.sharp && verb !== "b") body = sharpFloat(body, verb === "v" ? "g" : verb, sp.prec);
  const neg = v < 0 || Object.is(v, -0);
  const sign = neg ? "-" : sp.plus ? "+" : sp.space ? " " : "";
  return pad(sign + body, sp, Number.isFinite(v));
}

function truncRunes(s: string, n: number): string {
  if (n < 0) return s;
  const cps = [...s];
  return cps.length <= n ? s : cps.slice(0, n).join("");
}

function fmtHexString(s: string, upper: boolean, sp: Spec): string {
  let bytes = Buffer.from(s, "utf8");
  if (sp.prec >= 0 && sp.prec < bytes.length) bytes = bytes.subarray(0, sp.prec);
  const parts: string[] = [];
  for (const b of bytes) {
    let h = hex(b, 2);
    if (upper) h = h.toUpperCase();
    if (sp.sharp && (sp.space || parts.length === 0)) h = (upper ? "0X" : "0x") + h;
    parts.push(h);
  }
  return pad(parts.join(sp.space ? " " : ""), sp, true);
}

function goTypeName(a: GoArg): string {
  return a.t === "int" ? (a.big ? "*big.Int" : "int64") : a.t === "float" ? "float64" : "string";
}

/** Format one argument; undefined when the verb does not apply to its type. */
function formatArg(a: GoArg, verb: string, sp: Spec): string | undefined {
  switch (a.t) {
    case "int":
      switch (verb) {
        case "v":
        case "d":
          return fmtInteger(a.v, 10, verb, sp);
        case "s":
          return a.big ? fmtInteger(a.v, 10, verb, sp) : undefined;
        case "b":
          return fmtInteger(a.v, 2, verb, sp);
        case "o":
        case "O":
          return fmtInteger(a.v, 8, verb, sp);
        case "x":
        case "X":
          return fmtInteger(a.v, 16, verb, sp);
        case "c":
          return a.big ? undefined : pad(String.fromCodePoint(validRune(a.v)), sp, false);
        case "q":
          return a.big ? undefined : pad(quoteRune(validRune(a.v)), sp, false);
        case "U": {
          if (a.big) return undefined;
          const u = a.v < 0n ? BigInt.asUintN(64, a.v) : a.v;
          let s = `U+${u.toString(16).toUpperCase().padStart(Math.max(sp.prec, 4), "0")}`;
          if (sp.sharp) s += ` '${String.fromCodePoint(validRune(a.v))}'`;
          return pad(s, sp, false);
        }
      }
      return undefined;
    case "float":
      return fmtFloat(a.v, verb, sp);
    case "string":
      switch (verb) {
        case "v":
          return pad(sp.sharpV ? goQuote(a.v) : truncRunes(a.v, sp.prec), sp, true);
        case "s":
          return pad(truncRunes(a.v, sp.prec), sp, true);
        case "q": {
          const t = truncRunes(a.v, sp.prec);
          return pad(sp.sharp && canBackquote(t) ? `\`${t}\`` : goQuote(t), sp, true);
        }
        case "x":
        case "X":
          return fmtHexString(a.v, verb === "X", sp);
      }
      return undefined;
  }
}

/** strconv.CanBackquote: no control characters (except tab) and no backquote. */
function canBackquote(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 9) || c === 0x60 || c === 0x7f || c === 0xfeff) return false;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

function validRune(v: bigint): number {
  const n = Number(v);
  return n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff) ? 0xfffd : n;
}

function badVerb(verb: string, a: GoArg, sp: Spec): string {
  if (a.t === "int" && a.big) return `%!${verb}(big.Int=${a.v.toString()})`;
  return `%!${verb}(${goTypeName(a)}=${formatArg(a, "v", sp)})`;
}

const FLAG_CHARS = "+-# 0";

/** fmt's parsenum: digits at i; an absurdly long number swallows the rest of the format. */
function parseNum(format: string, i: number): { num: number; end: number } {
  let num = -1;
  while (i < format.length && format[i] >= "0" && format[i] <= "9") {
    if (num > 1e6) return { num: -1, end: format.length };
    num = (num < 0 ? 0 : num * 10) + (format.charCodeAt(i) - 48);
    i++;
  }
  return { num, end: i };
}

/**
 * A format made only of text, `%%` and bare `%v` / `%s` verbs (no flags,
 * width, precision or index): its literal pieces, and per verb whether it is
 * `s`. Such formats are nearly every policy message; they are parsed once.
 */
interface PlainFormat {
  texts: string[];
  isS: boolean[];
}

const plainFormats = new Map<string, PlainFormat | null>();
const PLAIN_FORMATS_MAX = 512;

function plainFormat(format: string): PlainFormat | null {
  let pf = plainFormats.get(format);
  if (pf !== undefined) return pf;
  pf = parsePlainFormat(format);
  if (plainFormats.size >= PLAIN_FORMATS_MAX) plainFormats.clear();
  plainFormats.set(format, pf);
  return pf;
}

function parsePlainFormat(format: string): PlainFormat | null {
  const texts: string[] = [];
  const isS: boolean[] = [];
  let text = "";
  let i = 0;
  for (;;) {
    const pct = format.indexOf("%", i);
    if (pct < 0) break;
    text += format.slice(i, pct);
    const verb = format[pct + 1];
    if (verb === "%") text += "%";
    else if (verb === "v" || verb === "s") {
      texts.push(text);
      isS.push(verb === "s");
      text = "";
    } else return null;
    i = pct + 2;
  }
  texts.push(text + format.slice(i));
  return { texts, isS };
}

/**
 * goSprintf for a plain format whose arguments match its verbs one to one
 * and print without fmt's number formatting: strings as they are, safe
 * integers under %v in decimal, other non-numbers as their term text (what
 * toGoArg hands fmt as a string). Anything else: undefined, for the full path.
 */
function plainSprintf(format: string, values: Value[]): string | undefined {
  const pf = plainFormat(format);
  if (pf === null || pf.isS.length !== values.length) return undefined;
  let out = pf.texts[0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "string") out += v;
    else if (typeof v === "number") {
      if (pf.isS[i] || !Number.isSafeInteger(v)) return undefined;
      out += String(v);
    } else if (typeof v === "bigint" || v instanceof NumText) return undefined;
    else out += termString(v);
    out += pf.texts[i + 1];
  }
  return out;
}

/** fmt.Sprintf(format, args...) for OPA's converted arguments. */
export function goSprintf(format: string, values: Value[]): string {
  const plain = plainSprintf(format, values);
  if (plain !== undefined) return plain;
  return fullSprintf(format, values);
}

/** The whole of fmt (exported for the plain path's differential test). */
export function fullSprintf(format: string, values: Value[]): string {
  const args = values.map(toGoArg);
  let out = "";
  let argNum = 0;
  let reordered = false;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const sp = plainSpec();
    while (i < n && FLAG_CHARS.includes(format[i])) {
      switch (format[i]) {
        case "+":
          sp.plus = true;
          break;
        case "-":
          sp.minus = true;
          sp.zero = false;
          break;
        case "#":
          sp.sharp = true;
          break;
        case " ":
          sp.space = true;
          break;
        case "0":
          sp.zero = !sp.minus;
          break;
      }
      i++;
    }
    let badIndex = false;
    const argIndex = (): void => {
      if (i < n && format[i] === "[") {
        reordered = true;
        const close = format.indexOf("]", i);
        const idx = close < 0 ? Number.NaN : Number(format.slice(i + 1, close));
        if (close < 0 || !/^\d+$/.test(format.slice(i + 1, close)) || idx < 1 || idx > args.length) {
          badIndex = true;
          i = close < 0 ? n : close + 1;
          return;
        }
        argNum = idx - 1;
        i = close + 1;
      }
    };
    argIndex();
    // Width.
    if (i < n && format[i] === "*") {
      i++;
      const a = args[argNum];
      if (a && a.t === "int" && !a.big && a.v <= 1000000n && a.v >= -1000000n) {
        sp.width = Number(a.v);
        if (sp.width < 0) {
          sp.minus = true;
          sp.zero = false;
          sp.width = -sp.width;
        }
        argNum++;
      } else {
        out += "%!(BADWIDTH)";
        if (a) argNum++;
      }
    } else {
      const w = parseNum(format, i);
      i = w.end;
      if (w.num >= 0) sp.width = w.num;
    }
    if (i < n && format[i] === ".") {
      i++;
      argIndex();
      if (i < n && format[i] === "*") {
        i++;
        const a = args[argNum];
        if (a && a.t === "int" && !a.big && a.v >= 0n && a.v <= 1000000n) {
          sp.prec = Number(a.v);
          argNum++;
        } else {
          out += "%!(BADPREC)";
          if (a) argNum++;
        }
      } else {
        const pr = parseNum(format, i);
        i = pr.end;
        sp.prec = Math.max(pr.num, 0);
      }
    }
    argIndex();
    if (i >= n) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (badIndex) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[argNum++];
    if (verb === "T") {
      out += pad(goTypeName(a), sp, false);
      continue;
    }
    if (verb === "v") {
      // %#v is Go-syntax, %+v only matters for structs.
      if (sp.sharp) {
        sp.sharp = false;
        sp.sharpV = true;
      }
      // big.Int formats itself and still sees the + flag.
      if (!(a.t === "int" && a.big)) sp.plus = false;
    }
    out += formatArg(a, verb, sp) ?? badVerb(verb, a, sp);
  }
  if (!reordered && argNum < args.length) {
    const extra = args.slice(argNum).map((a) => {
      const sp = plainSpec();
      return a.t === "int" && a.big ? `*big.Int=${a.v}` : `${goTypeName(a)}=${formatArg(a, "v", sp)}`;
    });
    out += `%!(EXTRA ${extra.join(", ")})`;
  }
  return out;
}
