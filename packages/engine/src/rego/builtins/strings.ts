/** String builtins, with Go's strings-package semantics (code points, simple case mapping). */
import { compare, isObject, objEntries, RSet, typeName, type Value } from "../value.ts";
import type { BuiltinContext, BuiltinDef } from "./builtin.ts";
import { goSprintf, type TermTexts } from "./go/fmt.ts";
import { renderTemplate } from "./go/template.ts";
import { builtinErr, num, obj, operandErr, str, typeErr } from "./support/operands.ts";

const ASCII = /^[\x00-\x7f]*$/;

/** Strings of an array or set operand ("must be array of strings" on a bad member). */
function stringMembers(name: string, v: Value, pos: number): string[] {
  const xs = Array.isArray(v) ? v : v instanceof RSet ? v.sorted() : undefined;
  if (!xs) throw operandErr(name, pos, v, "set", "array");
  for (const x of xs)
    if (typeof x !== "string")
      throw typeErr(
        name,
        `operand ${pos} must be ${typeName(v)} of strings but got ${typeName(v)} containing ${typeName(x)}`,
      );
  return xs as string[];
}

function intArg(name: string, args: Value[], i: number): number {
  const n = num(name, args, i);
  // OPA reads an integer operand as an int64: beyond that it is "floating-point"
  if (typeof n === "bigint" ? n < -(2n ** 63n) || n >= 2n ** 63n : Math.abs(n) >= 2 ** 63)
    throw typeErr(name, `operand ${i + 1} must be integer number but got floating-point number`);
  if (typeof n === "bigint") return n < 0n ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(n))
    throw typeErr(name, `operand ${i + 1} must be integer number but got floating-point number`);
  return n;
}

/** Go's unicode.ToUpper/ToLower map one rune to one rune; JS may expand (ß -> SS). */
function mapCase(s: string, upper: boolean): string {
  if (ASCII.test(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = "";
  for (const ch of s) {
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    if (m.length === ch.length || [...m].length === 1) out += m;
    else if (ch === "\u0130") out += "i";
    else out += ch;
  }
  return out;
}

// Go's unicode.IsSpace.
const SPACE =
  "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

function trimSet(s: string, cutset: string, left: boolean, right: boolean): string {
  if (s === "" || cutset === "") return s;
  let start = 0;
  let end = s.length;
  if (left) {
    while (start < end) {
      const cp = s.codePointAt(start)!;
      const ch = String.fromCodePoint(cp);
      if (!cutset.includes(ch)) break;
      start += ch.length;
    }
  }
  if (right) {
    while (end > start) {
      let i = end - 1;
      const c = s.charCodeAt(i);
      if (c >= 0xdc00 && c <= 0xdfff && i > start) {
        const h = s.charCodeAt(i - 1);
        if (h >= 0xd800 && h <= 0xdbff) i--;
      }
      if (!cutset.includes(s.slice(i, end))) break;
      end = i;
    }
  }
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Go's strings.Split: "" separator splits into code points. */
function goSplit(s: string, sep: string): string[] {
  if (sep === "") return [...s];
  return s.split(sep);
}

function countCodePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(i + 1);
      n++;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/** Code-point index of the UTF-16 index i. */
function cpIndex(s: string, i: number): number {
  return ASCII.test(s) ? i : countCodePoints(s.slice(0, i));
}

/** Go's strings.Replacer over (old, new) pairs: leftmost match, earlier pairs win at a position. */
function replaceMany(s: string, pairs: [string, string][]): string {
  let out = "";
  let last = 0;
  let prevEmpty = false;
  let i = 0;
  while (i <= s.length) {
    let hit: [string, string] | undefined;
    for (const p of pairs) {
      if (p[0] === "" ? !prevEmpty : s.startsWith(p[0], i)) {
        hit = p;
        break;
      }
    }
    prevEmpty = hit !== undefined && hit[0] === "";
    if (hit) {
      // After an empty match the same position is retried with the empty key ignored.
      out += s.slice(last, i) + hit[1];
      i += hit[0].length;
      last = i;
      continue;
    }
    if (i >= s.length) break;
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
  }
  return out + s.slice(last);
}

/**
 * Go steps an empty pattern byte by byte, splitting multi-byte characters
 * (each stray byte then reads as U+FFFD). Run the replacer on bytes to match.
 */
function replaceBytes(s: string, pairs: [string, string][]): string {
  if (ASCII.test(s)) return replaceMany(s, pairs);
  const bytes = (x: string) => Buffer.from(x, "utf8").toString("latin1");
  const out = replaceMany(
    bytes(s),
    pairs.map(([o, n]) => [bytes(o), bytes(n)]),
  );
  return Buffer.from(out, "latin1").toString("utf8");
}

function prefixList(name: string, v: Value, pos: number): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) || v instanceof RSet) return stringMembers(name, v, pos);
  throw operandErr(name, pos, v, "string", "set", "array");
}

function hasComposite(xs: Value[]): boolean {
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (Array.isArray(x) || x instanceof RSet || isObject(x)) return true;
  }
  return false;
}

const TERM_TEXTS = "sprintf.termTexts";

/** This evaluation's texts of composite sprintf arguments (see TermTexts). */
function termTexts(ctx: BuiltinContext): TermTexts {
  let m = ctx.cache.get(TERM_TEXTS) as TermTexts | undefined;
  if (m === undefined) ctx.cache.set(TERM_TEXTS, (m = new WeakMap()));
  return m;
}

function reverse(s: string): string {
  if (ASCII.test(s)) {
    let out = "";
    for (let i = s.length - 1; i >= 0; i--) out += s[i];
    return out;
  }
  return [...s].reverse().join("");
}

export const builtins: BuiltinDef[] = [
  {
    name: "concat",
    arity: 2,
    impl: (args) => {
      const sep = str("concat", args, 0);
      return stringMembers("concat", args[1], 2).join(sep);
    },
  },
  {
    name: "contains",
    arity: 2,
    impl: (a) => str("contains", a, 0).includes(str("contains", a, 1)),
  },
  {
    name: "startswith",
    arity: 2,
    impl: (a) => str("startswith", a, 0).startsWith(str("startswith", a, 1)),
  },
  {
    name: "endswith",
    arity: 2,
    impl: (a) => str("endswith", a, 0).endsWith(str("endswith", a, 1)),
  },
  {
    name: "indexof",
    arity: 2,
    impl: (a) => {
      const s = str("indexof", a, 0);
      const t = str("indexof", a, 1);
      if (t === "") throw builtinErr("indexof", "empty search character");
      const i = s.indexOf(t);
      return i < 0 ? -1 : cpIndex(s, i);
    },
  },
  {
    name: "indexof_n",
    arity: 2,
    impl: (a) => {
      const s = str("indexof_n", a, 0);
      const t = str("indexof_n", a, 1);
      if (t === "") throw builtinErr("indexof_n", "empty search character");
      const out: Value[] = [];
      // Overlapping matches, reported as code-point offsets.
      for (let i = s.indexOf(t); i >= 0; i = s.indexOf(t, i + 1)) out.push(cpIndex(s, i));
      return out;
    },
  },
  { name: "lower", arity: 1, impl: (a) => mapCase(str("lower", a, 0), false) },
  { name: "upper", arity: 1, impl: (a) => mapCase(str("upper", a, 0), true) },
  {
    name: "replace",
    arity: 3,
    impl: (a) => {
      const s = str("replace", a, 0);
      const old = str("replace", a, 1);
      const nw = str("replace", a, 2);
      if (old === "") return replaceBytes(s, [["", nw]]);
      return s.replaceAll(old, nw);
    },
  },
  {
    name: "strings.replace_n",
    arity: 2,
    impl: (a) => {
      const patterns = obj("strings.replace_n", a, 0);
      const s = str("strings.replace_n", a, 1);
      const entries = [...objEntries(patterns)].sort((x, y) => compare(x[0], y[0]));
      const pairs: [string, string][] = [];
      for (const [k, v] of entries) {
        if (typeof k !== "string")
          throw typeErr("strings.replace_n", "operand 1 non-string key found in pattern object");
        if (typeof v !== "string")
          throw typeErr("strings.replace_n", "operand 1 non-string value found in pattern object");
        pairs.push([k, v]);
      }
      if (pairs.length === 0) return s;
      return pairs.some((p) => p[0] === "") ? replaceBytes(s, pairs) : replaceMany(s, pairs);
    },
  },
  {
    name: "split",
    arity: 2,
    impl: (a) => {
      const s = str("split", a, 0);
      const d = str("split", a, 1);
      if (!s.includes(d)) return [s];
      return goSplit(s, d);
    },
  },
  {
    name: "strings.split_n",
    arity: 3,
    impl: (a) => {
      const s = str("strings.split_n", a, 0);
      const d = str("strings.split_n", a, 1);
      const n = intArg("strings.split_n", a, 2);
      const parts = s.includes(d) ? goSplit(s, d) : [s];
      if (n === 0) return [];
      return n > 0 ? parts.slice(0, n) : parts.slice(Math.max(parts.length + n, 0));
    },
  },
  {
    name: "sprintf",
    arity: 2,
    impl: (a, ctx) => {
      const f = str("sprintf", a, 0);
      const xs = a[1];
      if (!Array.isArray(xs)) throw operandErr("sprintf", 2, xs, "array");
      // The common to-string case.
      if (f === "%d" && xs.length === 1 && typeof xs[0] === "number" && Number.isSafeInteger(xs[0]))
        return String(xs[0]);
      return goSprintf(f, xs, hasComposite(xs) ? termTexts(ctx) : undefined);
    },
  },
  {
    name: "substring",
    arity: 3,
    impl: (a) => {
      const s = str("substring", a, 0);
      const start = intArg("substring", a, 1);
      const len = intArg("substring", a, 2);
      if (start < 0) throw builtinErr("substring", "negative offset");
      if (ASCII.test(s)) {
        if (start >= s.length) return "";
        return len < 0 ? s.slice(start) : s.slice(start, start + len);
      }
      const cps = [...s];
      if (start >= cps.length) return "";
      return (len < 0 ? cps.slice(start) : cps.slice(start, start + len)).join("");
    },
  },
  { name: "trim", arity: 2, impl: (a) => trimSet(str("trim", a, 0), str("trim", a, 1), true, true) },
  {
    name: "trim_left",
    arity: 2,
    impl: (a) => trimSet(str("trim_left", a, 0), str("trim_left", a, 1), true, false),
  },
  {
    name: "trim_right",
    arity: 2,
    impl: (a) => trimSet(str("trim_right", a, 0), str("trim_right", a, 1), false, true),
  },
  {
    name: "trim_prefix",
    arity: 2,
    impl: (a) => {
      const s = str("trim_prefix", a, 0);
      const p = str("trim_prefix", a, 1);
      return p !== "" && s.startsWith(p) ? s.slice(p.length) : s;
    },
  },
  {
    name: "trim_suffix",
    arity: 2,
    impl: (a) => {
      const s = str("trim_suffix", a, 0);
      const p = str("trim_suffix", a, 1);
      return p !== "" && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
    },
  },
  { name: "trim_space", arity: 1, impl: (a) => trimSet(str("trim_space", a, 0), SPACE, true, true) },
  {
    name: "strings.any_prefix_match",
    arity: 2,
    impl: (a) => {
      const xs = prefixList("strings.any_prefix_match", a[0], 1);
      const ps = prefixList("strings.any_prefix_match", a[1], 2);
      return xs.some((x) => ps.some((p) => x.startsWith(p)));
    },
  },
  {
    name: "strings.any_suffix_match",
    arity: 2,
    impl: (a) => {
      const xs = prefixList("strings.any_suffix_match", a[0], 1);
      const ps = prefixList("strings.any_suffix_match", a[1], 2);
      return xs.some((x) => ps.some((p) => x.endsWith(p)));
    },
  },
  {
    name: "strings.count",
    arity: 2,
    impl: (a) => {
      const s = str("strings.count", a, 0);
      const t = str("strings.count", a, 1);
      if (t === "") return countCodePoints(s) + 1;
      let n = 0;
      for (let i = s.indexOf(t); i >= 0; i = s.indexOf(t, i + t.length)) n++;
      return n;
    },
  },
  { name: "strings.reverse", arity: 1, impl: (a) => reverse(str("strings.reverse", a, 0)) },
  {
    name: "strings.render_template",
    arity: 2,
    impl: (a) => {
      const t = str("strings.render_template", a, 0);
      const vars = a[1];
      if (!isObject(vars)) throw operandErr("strings.render_template", 2, vars, "object");
      // OPA reads the variables back from their Rego text as JSON: a set or a non-string key fails there
      const notJSON = findNonJSON(vars);
      if (notJSON) throw builtinErr("strings.render_template", `invalid character in ${notJSON}: not JSON`);
      return renderTemplate("strings.render_template", t, vars);
    },
  },
];

/** The first part of `v` with no JSON form (a set, an object with a non-string key), described. */
function findNonJSON(v: Value): string | undefined {
  if (v instanceof RSet) return "a set";
  if (Array.isArray(v)) {
    for (const x of v) {
      const bad = findNonJSON(x);
      if (bad) return bad;
    }
    return undefined;
  }
  if (isObject(v))
    for (const [k, x] of objEntries(v)) {
      if (typeof k !== "string") return "an object key";
      const bad = findNonJSON(x);
      if (bad) return bad;
    }
  return undefined;
}
