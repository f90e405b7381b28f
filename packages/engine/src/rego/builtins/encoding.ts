/** base64 / base64url / hex / urlquery builtins, with Go's encoders' acceptance rules and errors. */
import { objEntries, type PlainObject, RSet, setOwn, toJSONText, type Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { Base64Error, base64Encode, goBase64Decode } from "./go/base64.ts";
import { parseQuery, queryEscape, queryUnescape } from "./go/url-escape.ts";
import { builtinErr, bytesToString, obj, str, typeErr, utf8 } from "./support/operands.ts";

function decodeOrThrow(name: string, s: string, url: boolean): string {
  try {
    return bytesToString(goBase64Decode(s, { url, padded: true }));
  } catch (e) {
    if (e instanceof Base64Error) throw builtinErr(name, e.message);
    throw e;
  }
}

/** Go's %#U for a byte value: "U+0067 'g'", without the quoted form when not printable. */
function goRuneName(c: number): string {
  const hex = c.toString(16).toUpperCase().padStart(4, "0");
  const printable = (c >= 0x20 && c < 0x7f) || (c > 0xa0 && c !== 0xad && c <= 0xff);
  return printable ? `U+${hex} '${String.fromCharCode(c)}'` : `U+${hex}`;
}

const HEXVAL = (c: number): number =>
  c >= 0x30 && c <= 0x39
    ? c - 0x30
    : c >= 0x61 && c <= 0x66
      ? c - 0x57
      : c >= 0x41 && c <= 0x46
        ? c - 0x37
        : -1;

/** hex.DecodeString: invalid bytes in complete pairs are reported before an odd length. */
function hexDecode(s: string): Buffer {
  const b = utf8(s);
  const out = Buffer.alloc(b.length >> 1);
  let i = 1;
  for (; i < b.length; i += 2) {
    const hi = HEXVAL(b[i - 1]);
    const lo = HEXVAL(b[i]);
    if (hi < 0) throw builtinErr("hex.decode", `encoding/hex: invalid byte: ${goRuneName(b[i - 1])}`);
    if (lo < 0) throw builtinErr("hex.decode", `encoding/hex: invalid byte: ${goRuneName(b[i])}`);
    out[i >> 1] = (hi << 4) | lo;
  }
  if (b.length % 2 === 1) {
    if (HEXVAL(b[b.length - 1]) < 0)
      throw builtinErr("hex.decode", `encoding/hex: invalid byte: ${goRuneName(b[b.length - 1])}`);
    throw builtinErr("hex.decode", "encoding/hex: odd length hex string");
  }
  return out;
}

function encodeObject(args: Value[]): string {
  const name = "urlquery.encode_object";
  const o = obj(name, args, 0);
  const pairs: [string, string[]][] = [];
  const bad = () => typeErr(name, "operand 1 values must be string, array[string], or set[string]");
  for (const [key, v] of objEntries(o)) {
    // OPA writes a key that is not a string as its JSON text (`-1`, `true`, `[1,"a"]`)
    const k = typeof key === "string" ? key : toJSONText(key);
    let vals: Value[];
    if (typeof v === "string") vals = [v];
    else if (Array.isArray(v)) vals = v;
    else if (v instanceof RSet) vals = v.sorted();
    else throw bad();
    const strs: string[] = [];
    for (const x of vals) {
      if (typeof x !== "string") throw bad();
      strs.push(x);
    }
    pairs.push([k, strs]);
  }
  // url.Values.Encode: keys sorted (bytewise), values in order.
  pairs.sort((a, b) => Buffer.compare(utf8(a[0]), utf8(b[0])));
  const parts: string[] = [];
  for (const [k, vs] of pairs) {
    const ek = queryEscape(k);
    for (const v of vs) parts.push(`${ek}=${queryEscape(v)}`);
  }
  return parts.join("&");
}

function decodeObject(args: Value[]): Value {
  const { values, err } = parseQuery(str("urlquery.decode_object", args, 0));
  if (err !== undefined) throw builtinErr("urlquery.decode_object", err);
  const out: PlainObject = {};
  for (const [k, v] of values) setOwn(out, k, v);
  return out;
}

export const builtins: BuiltinDef[] = [
  {
    name: "base64.encode",
    arity: 1,
    impl: (a) => base64Encode(utf8(str("base64.encode", a, 0)), { url: false, padded: true }),
  },
  {
    name: "base64.decode",
    arity: 1,
    impl: (a) => decodeOrThrow("base64.decode", str("base64.decode", a, 0), false),
  },
  {
    name: "base64.is_valid",
    arity: 1,
    impl: (a) => {
      // OPA answers false for a non-string operand (not a type error)
      if (typeof a[0] !== "string") return false;
      try {
        goBase64Decode(a[0], { url: false, padded: true });
        return true;
      } catch (e) {
        if (e instanceof Base64Error) return false;
        throw e;
      }
    },
  },
  {
    name: "base64url.encode",
    arity: 1,
    impl: (a) => base64Encode(utf8(str("base64url.encode", a, 0)), { url: true, padded: true }),
  },
  {
    name: "base64url.encode_no_pad",
    arity: 1,
    impl: (a) => base64Encode(utf8(str("base64url.encode_no_pad", a, 0)), { url: true, padded: false }),
  },
  {
    name: "base64url.decode",
    arity: 1,
    impl: (a) => {
      let s = str("base64url.decode", a, 0);
      // RFC 7515 appendix C: restore omitted padding.
      if (!s.endsWith("=")) {
        const r = utf8(s).length % 4;
        if (r === 2) s += "==";
        else if (r === 3) s += "=";
        else if (r === 1) throw builtinErr("base64url.decode", `illegal base64url string: ${s}`);
      }
      return decodeOrThrow("base64url.decode", s, true);
    },
  },
  { name: "hex.encode", arity: 1, impl: (a) => utf8(str("hex.encode", a, 0)).toString("hex") },
  { name: "hex.decode", arity: 1, impl: (a) => bytesToString(hexDecode(str("hex.decode", a, 0))) },
  { name: "urlquery.encode", arity: 1, impl: (a) => queryEscape(str("urlquery.encode", a, 0)) },
  {
    name: "urlquery.decode",
    arity: 1,
    impl: (a) => {
      try {
        return queryUnescape(str("urlquery.decode", a, 0));
      } catch (e) {
        if (e instanceof Error && e.message.startsWith("invalid URL escape"))
          throw builtinErr("urlquery.decode", e.message);
        throw e;
      }
    },
  },
  { name: "urlquery.encode_object", arity: 1, impl: encodeObject },
  {
    name: "urlquery.decode_object",
    arity: 1,
    impl: decodeObject,
  },
];
