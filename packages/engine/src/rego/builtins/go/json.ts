/**
 * JSON as OPA does it with Go's encoding/json: a parser that keeps big
 * integers exact and reports Go's decoder error messages (OPA surfaces them
 * verbatim), json.Valid, and a marshaller with Go's escaping (HTML-safe) and
 * MarshalIndent layout.
 */

import { withText } from "../../numtext.ts";
import { numberValue } from "../../syntax/parse-helpers.ts";
import { SIMPLE_ESCAPES } from "../../syntax/strings.ts";
import {
  compareStrings,
  isPlainObject,
  type Num,
  NumText,
  numberText,
  type PlainObject,
  RSet,
  setOwn,
  sortedEntries,
  textOf,
  type Value,
} from "../../value.ts";

export class GoJSONError extends Error {}

/** A JSON number literal as a Rego number: the literal's text is kept (as OPA's json.Number), big integers exactly. */
export function numberFromText(text: string): Num | NumText {
  return withText(numberValue(text), text);
}

/** Go's quoteChar for the byte at a position: printable runes quoted, others escaped. */
export function goQuoteChar(ch: string): string {
  const code = ch.charCodeAt(0);
  const byte = code < 0x80 ? code : Buffer.from(ch, "utf8")[0];
  if (byte === 0x27) return "'\\''";
  if (byte === 0x22) return "'\"'";
  return `'${goQuoteRune(byte)}'`;
}

function goQuoteRune(c: number): string {
  const named: Record<number, string> = {
    7: "\\a",
    8: "\\b",
    9: "\\t",
    10: "\\n",
    11: "\\v",
    12: "\\f",
    13: "\\r",
  };
  if (named[c]) return named[c];
  if (c === 0x5c) return "\\\\";
  if (c < 0x20 || c === 0x7f) return `\\x${c.toString(16).padStart(2, "0")}`;
  if (c >= 0x80 && (c < 0xa1 || c === 0xad)) return `\\u${c.toString(16).padStart(4, "0")}`;
  return String.fromCharCode(c);
}

const isWS = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHexDigit = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

class Parser {
  readonly s: string;
  i = 0;
  constructor(s: string) {
    this.s = s;
  }
  err(what: string): never {
    if (this.i >= this.s.length) throw new GoJSONError("unexpected EOF");
    throw new GoJSONError(`invalid character ${goQuoteChar(this.s[this.i])} ${what}`);
  }
  ws(): void {
    while (this.i < this.s.length && isWS(this.s.charCodeAt(this.i))) this.i++;
  }
  value(): Value {
    this.ws();
    const c = this.s.charCodeAt(this.i);
    switch (c) {
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.array();
      case 0x22:
        return this.string();
      case 0x74:
        return this.literal("true", true);
      case 0x66:
        return this.literal("false", false);
      case 0x6e:
        return this.literal("null", null);
    }
    if (c === 0x2d || isDigit(c)) return this.number();
    return this.err("looking for beginning of value");
  }
  literal<T extends Value>(word: string, v: T): T {
    this.i++;
    for (let k = 1; k < word.length; k++, this.i++) {
      if (this.s[this.i] !== word[k]) this.err(`in literal ${word} (expecting '${word[k]}')`);
    }
    return v;
  }
  number(): Value {
    const start = this.i;
    const s = this.s;
    if (s.charCodeAt(this.i) === 0x2d) {
      this.i++;
      if (!isDigit(s.charCodeAt(this.i))) this.err("in numeric literal");
    }
    if (s.charCodeAt(this.i) === 0x30) this.i++;
    else while (isDigit(s.charCodeAt(this.i))) this.i++;
    if (s.charCodeAt(this.i) === 0x2e) {
      this.i++;
      if (!isDigit(s.charCodeAt(this.i))) this.err("after decimal point in numeric literal");
      while (isDigit(s.charCodeAt(this.i))) this.i++;
    }
    const e = s.charCodeAt(this.i);
    if (e === 0x65 || e === 0x45) {
      this.i++;
      const sign = s.charCodeAt(this.i);
      if (sign === 0x2b || sign === 0x2d) this.i++;
      if (!isDigit(s.charCodeAt(this.i))) this.err("in exponent of numeric literal");
      while (isDigit(s.charCodeAt(this.i))) this.i++;
    }
    return numberFromText(s.slice(start, this.i));
  }
  string(): string {
    const s = this.s;
    this.i++;
    let out = "";
    let run = this.i;
    for (;;) {
      if (this.i >= s.length) this.err("");
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        out += s.slice(run, this.i);
        this.i++;
        // Go replaces unpaired surrogates (escaped or not) with U+FFFD.
        return out.isWellFormed() ? out : out.toWellFormed();
      }
      if (c < 0x20) this.err("in string literal");
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      out += s.slice(run, this.i);
      this.i++;
      const esc = s[this.i];
      if (esc !== undefined && Object.hasOwn(SIMPLE_ESCAPES, esc)) {
        out += SIMPLE_ESCAPES[esc];
        this.i++;
      } else if (esc === "u") {
        this.i++;
        for (let k = 0; k < 4; k++, this.i++)
          if (!isHexDigit(s.charCodeAt(this.i))) this.err("in \\u hexadecimal character escape");
        out += String.fromCharCode(Number.parseInt(s.slice(this.i - 4, this.i), 16));
      } else this.err("in string escape code");
      run = this.i;
    }
  }
  array(): Value[] {
    this.i++;
    const out: Value[] = [];
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x5d) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return out;
      }
      this.err("after array element");
    }
  }
  object(): PlainObject {
    this.i++;
    const out: PlainObject = {};
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 0x22) this.err("looking for beginning of object key string");
      const k = this.string();
      this.ws();
      if (this.s.charCodeAt(this.i) !== 0x3a) this.err("after object key");
      this.i++;
      setOwn(out, k, this.value());
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return out;
      }
      this.err("after object key:value pair");
    }
  }
}

/**
 * util.UnmarshalJSON: decode the first value, then OPA's check for a
 * following token (which reports "error: invalid character 'T' after
 * top-level value" with Go's token text, and lets a trailing `null` pass).
 */
export function parseGoJSON(text: string): Value {
  // Fast path: JSON.parse agrees with Go whenever it succeeds, except for
  // integers beyond 2^53, exponents of three digits (1e400 would overflow to Infinity)
  // and escaped lone surrogates, which we leave to the exact parser.
  if (!UNSAFE_FOR_JSON_PARSE.test(text)) {
    try {
      // a fraction or exponent may be written otherwise than JS prints it (1.0, 2.50, 1e3): keep the text
      if (MAYBE_NUMBER_TEXT.test(text)) return JSON.parse(text, keepNumberText) as Value;
      return JSON.parse(text) as Value;
    } catch {
      /* report Go's error (or accept Go's quirks) below */
    }
  }
  return parseGoJSONExact(text);
}

const MAYBE_NUMBER_TEXT = /\d[.eE]/;

function keepNumberText(_k: string, v: unknown, ctx?: { source?: string }): unknown {
  return typeof v === "number" && ctx?.source !== undefined ? withText(v, ctx.source) : v;
}

const UNSAFE_FOR_JSON_PARSE = /(?<![\d.])\d{16,}(?![\d.eE])|\d[eE][+-]?\d{3}|\\u[dD][89a-fA-F]/;

function parseGoJSONExact(text: string): Value {
  const p = new Parser(text);
  p.ws();
  if (p.i >= text.length) throw new GoJSONError("EOF");
  const v = p.value();
  p.ws();
  if (p.i >= text.length) return v;
  const c = text[p.i];
  if (c === "[" || c === "{") throw new GoJSONError(`error: invalid character '${c}' after top-level value`);
  if (c === "]" || c === "}" || c === "," || c === ":") p.err("looking for beginning of value");
  const start = p.i;
  const tok = p.value();
  if (tok === null) return v;
  let shown: string;
  if (typeof tok === "boolean") shown = `%!s(bool=${tok})`;
  else if (typeof tok === "string") shown = tok;
  else shown = text.slice(start, p.i);
  throw new GoJSONError(`error: invalid character '${shown}' after top-level value`);
}

/** json.Valid: exactly one value, surrounded by optional whitespace. */
export function validGoJSON(text: string): boolean {
  const p = new Parser(text);
  try {
    p.value();
  } catch (e) {
    if (e instanceof GoJSONError) return false;
    throw e;
  }
  p.ws();
  return p.i === text.length;
}

// ---- marshalling ------------------------------------------------------------

const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029]/;

const ESC: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** A Go json.Marshal string literal (HTML-safe escaping; bad UTF-16 as U+FFFD). */
export function goJSONString(s: string): string {
  if (!NEEDS_ESCAPE.test(s) && s.isWellFormed()) return `"${s}"`;
  const w = s.isWellFormed() ? s : s.toWellFormed();
  return `"${w.replace(/["\\\u0000-\u001f<>&\u2028\u2029]/g, (c) => ESC[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

function keyText(k: Value): string {
  return typeof k === "string" ? k : goMarshal(k);
}

/** json.Marshal of a Rego value: object keys sorted, sets as sorted arrays, non-string keys as their JSON. */
export function goMarshal(v: Value): string {
  switch (typeof v) {
    case "string":
      return goJSONString(v);
    case "number":
      return Number.isFinite(v) ? numberText(v) : "null";
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "true" : "false";
  }
  if (v === null) return "null";
  if (v instanceof NumText) return textOf(v);
  if (Array.isArray(v)) return `[${v.map(goMarshal).join(",")}]`;
  if (v instanceof RSet) return `[${v.sorted().map(goMarshal).join(",")}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v).sort(compareStrings);
    let out = "{";
    for (let i = 0; i < keys.length; i++)
      out += `${i ? "," : ""}${goJSONString(keys[i])}:${goMarshal(v[keys[i]])}`;
    return `${out}}`;
  }
  const parts = sortedMarshalEntries(v).map(([k, val]) => `${goJSONString(k)}:${goMarshal(val)}`);
  return `{${parts.join(",")}}`;
}

/** Go sorts map keys by their final string form. */
function sortedMarshalEntries(
  v: Exclude<Value, null | boolean | number | bigint | NumText | string | Value[] | RSet>,
) {
  const entries = sortedEntries(v).map(([k, val]) => [keyText(k), val] as [string, Value]);
  entries.sort((a, b) => compareStrings(a[0], b[0]));
  return entries;
}

/**
 * json.MarshalIndent(v, prefix, indent); the first line carries no prefix, as in
 * Go. Objects are Go maps (keys sorted) unless `fixedOrder` says they stand for
 * a Go struct, whose fields keep their declaration (insertion) order; fields
 * whose value is undefined are left out. The one Go-JSON writer: the CLI's
 * gator-style output uses it too.
 */
export function goMarshalIndent(
  v: Value,
  prefix: string,
  indent: string,
  fixedOrder?: (o: object) => boolean,
): string {
  const nl = (depth: number) => `\n${prefix}${indent.repeat(depth)}`;
  const rec = (x: Value, depth: number): string => {
    if (x === null || typeof x !== "object" || x instanceof NumText) return goMarshal(x);
    const items: string[] = [];
    if (Array.isArray(x) || x instanceof RSet) {
      const arr = Array.isArray(x) ? x : x.sorted();
      if (arr.length === 0) return "[]";
      for (const e of arr) items.push(nl(depth + 1) + rec(e, depth + 1));
      return `[${items.join(",")}${nl(depth)}]`;
    }
    const entries = (fixedOrder?.(x) ? Object.entries(x) : sortedMarshalEntries(x)).filter(
      ([, val]) => val !== undefined,
    );
    if (entries.length === 0) return "{}";
    for (const [k, val] of entries) items.push(`${nl(depth + 1)}${goJSONString(k)}: ${rec(val, depth + 1)}`);
    return `{${items.join(",")}${nl(depth)}}`;
  };
  return rec(v, 0);
}
