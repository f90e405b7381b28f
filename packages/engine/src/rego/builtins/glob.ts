/**
 * glob.match / glob.quote_meta with gobwas/glob semantics: `*` (no
 * separators), `**` (anything), `?`, `[abc]`, `[a-z]`, `[!...]`, `{a,b}`
 * (nestable), `\` escapes. Patterns compile to anchored JS RegExps, cached.
 */
import { typeName, type Value } from "../value.ts";
import "./regex/linear-regexp.ts";
import { type BuiltinDef, BuiltinError } from "./builtin.ts";
import { builtinErr, operandErr, str, typeErr } from "./support/operands.ts";

function esc(ch: string): string {
  return /[\\^$.|?*+()[\]{}/]/.test(ch) ? `\\${ch}` : ch;
}

/** Inside a class '-' must be escaped too. */
function escIn(ch: string): string {
  return ch === "-" ? "\\-" : esc(ch);
}

function syntaxErr(pos: number, msg: string): Error {
  return builtinErr("glob.match", `glob: syntax error at ${pos}: ${msg}`);
}

/** Translate a glob to a RegExp source; positions are in code points as gobwas reports them. */
function translate(pattern: string, seps: string[]): string {
  const cps = Array.from(pattern);
  const notSep = seps.length ? `[^${seps.map(escIn).join("")}]` : "[\\s\\S]";
  let i = 0;
  let depth = 0;
  let out = "";
  while (i < cps.length) {
    const c = cps[i];
    switch (c) {
      case "\\":
        if (i + 1 >= cps.length) throw syntaxErr(i + 1, "unexpected end of input");
        out += esc(cps[i + 1]);
        i += 2;
        continue;
      case "*":
        if (cps[i + 1] === "*") {
          out += "[\\s\\S]*";
          i += 2;
        } else {
          out += `${notSep}*`;
          i++;
        }
        continue;
      case "?":
        out += notSep;
        i++;
        continue;
      case "[": {
        let j = i + 1;
        let neg = false;
        if (cps[j] === "!") {
          neg = true;
          j++;
        }
        let body = "";
        let items = 0;
        while (j < cps.length && cps[j] !== "]") {
          let lo = cps[j];
          if (lo === "\\" && j + 1 < cps.length) lo = cps[++j];
          if (cps[j + 1] === "-") {
            if (j + 2 >= cps.length) throw syntaxErr(j + 2, "unexpected end of input");
            let hi = cps[j + 2];
            if (hi === "\\" && j + 3 < cps.length) {
              hi = cps[j + 3];
              j++;
            }
            if (hi === "]") throw syntaxErr(j + 2, "could not parse range");
            if (hi.codePointAt(0)! < lo.codePointAt(0)!) throw syntaxErr(j + 2, "could not parse range");
            body += `${escIn(lo)}-${escIn(hi)}`;
            j += 3;
          } else {
            body += escIn(lo);
            j++;
          }
          items++;
        }
        if (j >= cps.length) throw syntaxErr(j, "unexpected end of input");
        if (items === 0) throw syntaxErr(j, "could not parse range");
        out += neg ? `[^${body}]` : `[${body}]`;
        i = j + 1;
        continue;
      }
      case "{":
        depth++;
        out += "(?:";
        i++;
        continue;
      case "}":
        if (depth > 0) {
          depth--;
          out += ")";
        } else out += "\\}";
        i++;
        continue;
      case ",":
        out += depth > 0 ? "|" : ",";
        i++;
        continue;
    }
    out += esc(c);
    i++;
  }
  if (depth > 0) throw syntaxErr(cps.length, "unclosed `{`");
  return `^(?:${out})$`;
}

/** A compiled glob: the u-mode RegExp, plus a non-u twin for surrogate-free input (see re2.ts: linear-time fallback). */
interface Compiled {
  re: RegExp;
  bmp?: RegExp;
}

const cache = new Map<string, Compiled | Error>();
const CACHE_MAX = 500;
const SURROGATE = /[\ud800-\udfff]/;

function compile(pattern: string, seps: string[]): Compiled {
  const key = `${seps.join("")}\u0000${pattern}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    try {
      const src = translate(pattern, seps);
      hit = { re: new RegExp(src, "u"), bmp: SURROGATE.test(src) ? undefined : new RegExp(src, "") };
    } catch (e) {
      hit = e instanceof BuiltinError ? e : builtinErr("glob.match", `glob: ${(e as Error).message}`);
    }
    cache.set(key, hit);
    if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
  }
  if (hit instanceof Error) throw hit;
  return hit;
}

function matches(c: Compiled, s: string): boolean {
  return (c.bmp && !SURROGATE.test(s) ? c.bmp : c.re).test(s);
}

const DEFAULT_SEPS = ["."];

function delimiters(v: Value): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw operandErr("glob.match", 2, v, "array", "null");
  if (v.length === 0) return DEFAULT_SEPS;
  const out: string[] = [];
  for (const d of v) {
    if (typeof d !== "string")
      throw typeErr(
        "glob.match",
        `operand 2 must be array of strings but got array containing ${typeName(d)}`,
      );
    if (Array.from(d).length !== 1)
      throw typeErr("glob.match", "operand 2 must be array of runes but got array containing string");
    out.push(d);
  }
  return out;
}

export const builtins: BuiltinDef[] = [
  {
    name: "glob.match",
    arity: 3,
    impl: (a) => {
      const pattern = str("glob.match", a, 0);
      const seps = delimiters(a[1]);
      const s = str("glob.match", a, 2);
      return matches(compile(pattern, seps), s);
    },
  },
  {
    name: "glob.quote_meta",
    arity: 1,
    impl: (a) => str("glob.quote_meta", a, 0).replace(/[*?\\[\]{}]/g, "\\$&"),
  },
];
