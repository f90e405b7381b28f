/** to_number and the deprecated cast_* builtins. */
import { withText } from "../numtext.ts";
import { isObject, NumText, RSet, type Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { goQuote } from "./go/quote.ts";
import { builtinErr, operandErr, typeErr } from "./support/operands.ts";

// Go's strconv.ParseFloat decimal syntax (underscores only between digits).
const GO_FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const GO_HEX_FLOAT = /^[+-]?0[xX](?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?(?:\.[0-9a-fA-F]*)?[pP][+-]?\d+$/;
const INF_NAN = /^[+-]?(?:inf|infinity|nan)$/i;
const INTEGER = /^[+-]?\d+$/;

/** Parse a number string as OPA's to_number does (strconv.ParseFloat checks it, then the number is the text). */
export function parseNumber(s: string): Value {
  if (INF_NAN.test(s)) throw typeErr("to_number", "operand 1 must be valid number string but got string");
  if (INTEGER.test(s)) {
    // OPA keeps the text, so "-0" stays -0 and "1.0"-like spellings print as given
    if (s.length < 16) return withText(Number(s), s);
    const b = BigInt(s);
    return withText(b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b, s);
  }
  let f: number;
  if (GO_FLOAT.test(s)) f = Number(s.replaceAll("_", ""));
  else if (GO_HEX_FLOAT.test(s)) f = hexFloat(s.replaceAll("_", ""));
  else throw builtinErr("to_number", `strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax`);
  if (!Number.isFinite(f))
    throw builtinErr("to_number", `strconv.ParseFloat: parsing ${goQuote(s)}: value out of range`);
  return withText(f, s);
}

function hexFloat(s: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s)!;
  const frac = m[3] ?? "";
  const mant = Number.parseInt((m[2] || "0") + frac || "0", 16);
  const v = mant * 2 ** (Number(m[4]) - 4 * frac.length);
  return m[1] === "-" ? -v : v;
}

export const builtins: BuiltinDef[] = [
  {
    name: "to_number",
    arity: 1,
    impl: ([v]) => {
      switch (typeof v) {
        case "number":
        case "bigint":
          return v;
        case "object":
          if (v instanceof NumText) return v;
          break;
        case "boolean":
          return v ? 1 : 0;
        case "string":
          return parseNumber(v);
      }
      if (v === null) return 0;
      throw operandErr("to_number", 1, v, "null", "boolean", "number", "string");
    },
  },
  {
    name: "cast_array",
    arity: 1,
    impl: ([v]) => {
      if (Array.isArray(v)) return v;
      if (v instanceof RSet) return [...v.sorted()];
      throw operandErr("cast_array", 1, v, "array", "set");
    },
  },
  {
    name: "cast_set",
    arity: 1,
    impl: ([v]) => {
      if (v instanceof RSet) return v;
      if (Array.isArray(v)) return new RSet(v);
      throw operandErr("cast_set", 1, v, "array", "set");
    },
  },
  {
    name: "cast_string",
    arity: 1,
    impl: ([v]) => {
      if (typeof v !== "string") throw operandErr("cast_string", 1, v, "string");
      return v;
    },
  },
  {
    name: "cast_boolean",
    arity: 1,
    impl: ([v]) => {
      if (typeof v !== "boolean") throw operandErr("cast_boolean", 1, v, "boolean");
      return v;
    },
  },
  {
    name: "cast_null",
    arity: 1,
    impl: ([v]) => {
      if (v !== null) throw operandErr("cast_null", 1, v, "null");
      return null;
    },
  },
  {
    name: "cast_object",
    arity: 1,
    impl: ([v]) => {
      if (!isObject(v)) throw operandErr("cast_object", 1, v, "object");
      return v;
    },
  },
];
