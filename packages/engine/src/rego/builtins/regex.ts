/** Regex builtins with Go regexp semantics (RE2 syntax, Go's FindAll / ReplaceAll / Split rules). */
import type { Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { goQuote } from "./go/quote.ts";
import { globsMatch } from "./regex/globs-match.ts";
import {
  type Compiled,
  compileRE2,
  globalMatcher,
  matcher,
  quoteMeta,
  RegexSyntaxError,
} from "./regex/re2.ts";
import { builtinErr, num, str, typeErr } from "./support/operands.ts";

function compile(name: string, pattern: string): Compiled {
  try {
    return compileRE2(pattern);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw builtinErr(name, e.message);
    throw e;
  }
}

/** Go's FindAll: up to n matches (n < 0: all), no empty match right after a previous match. */
function findAll(c: Compiled, s: string, n: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  if (n === 0) return out;
  const re = globalMatcher(c, s);
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length && (n < 0 || out.length < n)) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === pos) {
      // An empty match at pos: skip it when it abuts the previous match, and step one code point.
      if (start === prevEnd) accept = false;
      pos += stepAt(s, pos);
    } else pos = end;
    prevEnd = end;
    if (accept) out.push(m);
  }
  return out;
}

function stepAt(s: string, i: number): number {
  if (i >= s.length) return 1;
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
}

function intArg(name: string, args: Value[], i: number): number {
  const n = num(name, args, i);
  // OPA reads an integer operand as an int64: beyond that it is "floating-point"
  if (typeof n === "bigint" ? n < -(2n ** 63n) || n >= 2n ** 63n : Math.abs(n) >= 2 ** 63)
    throw typeErr(name, `operand ${i + 1} must be integer number but got floating-point number`);
  if (typeof n === "bigint") return n < 0n ? -1 : Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(n))
    throw typeErr(name, `operand ${i + 1} must be integer number but got floating-point number`);
  return n;
}

/** Go's Regexp.Expand of a ReplaceAllString template. */
function expand(tpl: string, m: RegExpExecArray, c: Compiled): string {
  if (!tpl.includes("$")) return tpl;
  let out = "";
  let i = 0;
  while (i < tpl.length) {
    const d = tpl.indexOf("$", i);
    if (d < 0) {
      out += tpl.slice(i);
      break;
    }
    out += tpl.slice(i, d);
    i = d + 1;
    if (tpl[i] === "$") {
      out += "$";
      i++;
      continue;
    }
    let name: string | undefined;
    if (tpl[i] === "{") {
      const end = tpl.indexOf("}", i);
      const cand = end < 0 ? "" : tpl.slice(i + 1, end);
      if (cand && /^\w+$/.test(cand)) {
        name = cand;
        i = end + 1;
      }
    } else {
      const mm = /^\w+/.exec(tpl.slice(i));
      if (mm) {
        name = mm[0];
        i += name.length;
      }
    }
    if (name === undefined) {
      out += "$";
      continue;
    }
    if (/^\d+$/.test(name)) {
      const k = Number(name);
      if (k <= c.ncap) out += m[k] ?? "";
    } else {
      const k = c.names.indexOf(name);
      if (k > 0) out += m[k] ?? "";
    }
  }
  return out;
}

function replaceAll(c: Compiled, s: string, tpl: string): string {
  const re = globalMatcher(c, s);
  let out = "";
  let lastEnd = 0;
  let pos = 0;
  while (pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    out += s.slice(lastEnd, start);
    // No replacement for an empty match right after another match.
    if (end > lastEnd || start === 0) out += expand(tpl, m, c);
    lastEnd = end;
    const w = stepAt(s, pos);
    pos = Math.max(pos + w, end);
  }
  return out + s.slice(lastEnd);
}

function split(c: Compiled, pattern: string, s: string): string[] {
  if (pattern.length > 0 && s.length === 0) return [""];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(c, s, -1)) {
    end = m.index;
    const mEnd = m.index + m[0].length;
    if (mEnd !== 0) out.push(s.slice(beg, end));
    beg = mEnd;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Template with delimited regex parts, as in gorilla/mux. */
function templateRegex(tpl: string, open: string, close: string): string {
  const ds = open.charCodeAt(0);
  const de = close.charCodeAt(0);
  const idxs: number[] = [];
  let level = 0;
  let idx = 0;
  for (let i = 0; i < tpl.length; i++) {
    const ch = tpl.charCodeAt(i);
    if (ch === ds) {
      if (++level === 1) idx = i;
    } else if (ch === de) {
      if (--level === 0) idxs.push(idx, i + 1);
      else if (level < 0) throw builtinErr("regex.template_match", `unbalanced braces in ${goQuote(tpl)}`);
    }
  }
  if (level !== 0) throw builtinErr("regex.template_match", `unbalanced braces in ${goQuote(tpl)}`);
  let pattern = "^";
  let end = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    pattern += `${quoteMeta(tpl.slice(end, idxs[i]))}(${tpl.slice(idxs[i] + 1, idxs[i + 1] - 1)})`;
    end = idxs[i + 1];
  }
  return `${pattern}${quoteMeta(tpl.slice(end))}$`;
}

function matchImpl(name: string): BuiltinDef {
  return {
    name,
    arity: 2,
    impl: (a) => {
      const p = str(name, a, 0);
      const s = str(name, a, 1);
      const c = compile(name, p);
      return matcher(c, s).test(s);
    },
  };
}

export const builtins: BuiltinDef[] = [
  matchImpl("regex.match"),
  matchImpl("re_match"),
  {
    name: "regex.is_valid",
    arity: 1,
    impl: ([p]) => {
      if (typeof p !== "string") return false;
      try {
        compileRE2(p);
        return true;
      } catch {
        return false;
      }
    },
  },
  {
    name: "regex.split",
    arity: 2,
    impl: (a) => {
      const p = str("regex.split", a, 0);
      const s = str("regex.split", a, 1);
      return split(compile("regex.split", p), p, s);
    },
  },
  {
    name: "regex.find_n",
    arity: 3,
    impl: (a) => {
      const p = str("regex.find_n", a, 0);
      const s = str("regex.find_n", a, 1);
      const n = intArg("regex.find_n", a, 2);
      return findAll(compile("regex.find_n", p), s, n).map((m) => m[0]);
    },
  },
  {
    name: "regex.find_all_string_submatch_n",
    arity: 3,
    impl: (a) => {
      const name = "regex.find_all_string_submatch_n";
      const p = str(name, a, 0);
      const s = str(name, a, 1);
      const n = intArg(name, a, 2);
      return findAll(compile(name, p), s, n).map((m) => Array.from(m, (g) => g ?? ""));
    },
  },
  {
    name: "regex.replace",
    arity: 3,
    impl: (a) => {
      const s = str("regex.replace", a, 0);
      const p = str("regex.replace", a, 1);
      const v = str("regex.replace", a, 2);
      return replaceAll(compile("regex.replace", p), s, v);
    },
  },
  {
    name: "regex.template_match",
    arity: 4,
    impl: (a) => {
      const name = "regex.template_match";
      const tpl = str(name, a, 0);
      const s = str(name, a, 1);
      const open = str(name, a, 2);
      const close = str(name, a, 3);
      const ol = Buffer.byteLength(open);
      // OPA reports the start delimiter's length in both messages.
      if (ol !== 1)
        throw builtinErr(name, `start delimiter has to be exactly one character long but is ${ol} long`);
      if (Buffer.byteLength(close) !== 1)
        throw builtinErr(name, `end delimiter has to be exactly one character long but is ${ol} long`);
      const c = compile(name, templateRegex(tpl, open, close));
      return matcher(c, s).test(s);
    },
  },
  {
    name: "regex.globs_match",
    arity: 2,
    impl: (a) => globsMatch(str("regex.globs_match", a, 0), str("regex.globs_match", a, 1)),
  },
];
