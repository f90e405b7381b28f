/**
 * Go RE2 syntax -> JS RegExp. Validates the way Go's regexp/syntax does
 * (same error texts for the common mistakes) and translates what differs:
 * `.` excludes only \n, ^/$ under (?m) see only \n, \s is ASCII, \A/\z,
 * \Q..\E, \x{...}, octal escapes, POSIX classes, \pX / \p{Script},
 * (?P<name>), scoped flags (i via JS modifiers; s, m and U by rewriting),
 * literal { and ] where Go reads them as literals.
 * Named groups become plain groups (Go allows duplicate names); their
 * indexes are returned for replacement expansion.
 */

import "./linear-regexp.ts";

export class RegexSyntaxError extends Error {}

export interface Compiled {
  re: RegExp;
  /** Global (lastIndex-driven) twin, for iteration. */
  global: RegExp;
  /**
   * The same pattern without the u flag, when it means the same thing on
   * strings without surrogates: V8 can then fall back to its linear-time
   * engine on excessive backtracking (it has no u-mode), which keeps
   * RE2-safe patterns like (a+)+$ from stalling an evaluation.
   */
  bmp?: RegExp;
  bmpGlobal?: RegExp;
  /** Capture group names by index (1-based; undefined for unnamed). */
  names: (string | undefined)[];
  ncap: number;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const MAX_REPEAT = 1000;

function err(code: string, arg: string): RegexSyntaxError {
  return new RegexSyntaxError(`error parsing regexp: ${code}: \`${arg}\``);
}

const POSIX: Record<string, [number, number][]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0, 0x7f]],
  blank: [
    [9, 9],
    [0x20, 0x20],
  ],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [9, 13],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

const PERL_SPACE: [number, number][] = [
  [9, 10],
  [12, 13],
  [0x20, 0x20],
];

function complement(rs: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of [...rs].sort((a, b) => a[0] - b[0])) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function cls(c: number): string {
  // Escape everything that could be special inside a u-mode class.
  if (c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff)) return `\\u${c.toString(16).padStart(4, "0")}`;
  const ch = String.fromCodePoint(c);
  return /[\\\][\-^]/.test(ch) ? `\\${ch}` : ch;
}

function rangesToClass(rs: [number, number][]): string {
  let s = "";
  for (const [lo, hi] of rs) s += lo === hi ? cls(lo) : `${cls(lo)}-${cls(hi)}`;
  return s;
}

function lit(c: number): string {
  if (c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff)) return `\\u${c.toString(16).padStart(4, "0")}`;
  const ch = String.fromCodePoint(c);
  return /[\\^$.|?*+()[\]{}/]/.test(ch) ? `\\${ch}` : ch;
}

// General categories JS accepts as \p{X}; anything else is a script name.
const CATEGORIES = new Set(
  "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs".split(
    " ",
  ),
);

class Translator {
  private pos = 0;
  private ncap = 0;
  readonly names: (string | undefined)[] = [undefined];
  /** Largest nested-repeat product of the alternation parsed last. */
  private altWeight = 1;
  private readonly src: string;
  constructor(src: string) {
    this.src = src;
  }

  run(): { source: string; flags: string; ncap: number } {
    const flags: Flags = { i: false, m: false, s: false, U: false };
    // A leading (?i) is the common case: make it a whole-pattern flag.
    let globalI = false;
    const lead = /^\(\?([imsU]+)\)/.exec(this.src);
    if (lead?.[1].includes("i")) globalI = true;
    const body = this.alternation(flags, 0, globalI);
    if (this.pos < this.src.length) throw err("unexpected )", this.src);
    return { source: body, flags: globalI ? "iu" : "u", ncap: this.ncap };
  }

  /** Parses until ')' or end; `depth` > 0 means inside a group. */
  private alternation(flags: Flags, depth: number, globalI: boolean): string {
    let out = "";
    let pendingI = 0; // synthetic (?i:/(?-i: groups to close at group end or '|'
    const startFlags = { ...flags };
    let lastAtom = false; // something a repetition can apply to
    let lastRepeat = ""; // text of a repetition just applied
    let assertStart = -1; // where the last atom starts, if it was an empty-width assertion
    // Go caps the product of nested {n,m} counts along any path at 1000.
    let curWeight = 1;
    let maxWeight = 1;
    const src = this.src;
    const closePending = (): string => {
      const s = ")".repeat(pendingI);
      pendingI = 0;
      return s;
    };
    while (this.pos < src.length) {
      const c = src[this.pos];
      if (c === ")") {
        if (depth === 0) throw err("unexpected )", src);
        break;
      }
      if (c === "|") {
        this.pos++;
        out += `${closePending()}|`;
        // Flags set inline persist into the next alternative.
        if (flags.i !== startFlags.i) {
          out += flags.i ? "(?i:" : "(?-i:";
          pendingI++;
        }
        lastAtom = false;
        lastRepeat = "";
        assertStart = -1;
        continue;
      }
      if (c === "*" || c === "+" || c === "?" || (c === "{" && this.repeatAt(this.pos))) {
        const start = this.pos;
        let q: string;
        if (c === "{") {
          const r = this.repeatAt(this.pos)!;
          this.pos = r.end;
          q = r.text;
          const opText = src.slice(start, r.end);
          if (lastRepeat) throw err("invalid nested repetition operator", lastRepeat + opText);
          if (!lastAtom) throw err("missing argument to repetition operator", opText);
          if (r.min > MAX_REPEAT || (r.max !== undefined && (r.max > MAX_REPEAT || r.max < r.min)))
            throw err("invalid repeat count", opText);
          const m = r.max ?? r.min;
          const w = m === 0 ? 1 : m * curWeight;
          if ((r.min >= 2 || (r.max ?? -1) >= 2) && w > MAX_REPEAT) throw err("invalid repeat count", opText);
          curWeight = w;
          if (w > maxWeight) maxWeight = w;
        } else {
          this.pos++;
          q = c;
          if (lastRepeat) throw err("invalid nested repetition operator", lastRepeat + c);
          if (!lastAtom) throw err("missing argument to repetition operator", c);
        }
        let lazy = false;
        if (src[this.pos] === "?") {
          lazy = true;
          this.pos++;
        }
        if (flags.U) lazy = !lazy;
        // Go lets assertions repeat (^*); JS only allows quantifying a group.
        if (assertStart >= 0) {
          out = `${out.slice(0, assertStart)}(?:${out.slice(assertStart)})`;
          assertStart = -1;
        }
        out += q + (lazy ? "?" : "");
        lastRepeat = src.slice(start, this.pos);
        continue;
      }
      lastRepeat = "";
      if (c === "(") {
        const g = this.group(flags, globalI);
        if (g.flagsOnly) {
          // (?flags) changes flags for the rest of this group.
          const wantI = flags.i;
          Object.assign(flags, g.flags);
          if (g.flags.i !== wantI && !(globalI && depth === 0 && out === "" && g.flags.i)) {
            out += g.flags.i ? "(?i:" : "(?-i:";
            pendingI++;
          }
          lastAtom = false;
          continue;
        }
        out += g.text;
        lastAtom = true;
        assertStart = -1;
        curWeight = this.altWeight;
        if (curWeight > maxWeight) maxWeight = curWeight;
        continue;
      }
      const before = out.length;
      const assertion = c === "^" || c === "$" || (c === "\\" && "AzbB".includes(src[this.pos + 1] ?? ""));
      out += this.atom(flags);
      lastAtom = true;
      assertStart = assertion ? before : -1;
      curWeight = 1;
    }
    this.altWeight = maxWeight;
    return out + closePending();
  }

  /** A '{' starting a valid repetition? */
  private repeatAt(p: number): { end: number; text: string; min: number; max?: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(p, p + 24));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? undefined : Number(m[3]);
    return { end: p + m[0].length, text: m[0], min, max };
  }

  private group(flags: Flags, globalI: boolean): { text: string; flagsOnly: boolean; flags: Flags } {
    const src = this.src;
    const start = this.pos;
    this.pos++; // (
    let open = "(";
    const inner: Flags = { ...flags };
    if (src[this.pos] === "?") {
      const rest = src.slice(this.pos + 1);
      const named = /^P?<([^>]*)>/.exec(rest);
      if (rest.startsWith("P<") || rest.startsWith("<")) {
        if (!named) throw err("invalid named capture", src.slice(start));
        const name = named[1];
        if (!name || !/^\w+$/.test(name))
          throw err("invalid named capture", src.slice(start, this.pos + 1 + named[0].length));
        this.pos += 1 + named[0].length;
        this.ncap++;
        this.names.push(name);
        open = "(";
      } else {
        // Flags: (?flags) or (?flags:...)
        let i = this.pos + 1;
        let neg = false;
        let sawFlag = false;
        const f: Flags = { ...flags };
        for (; i < src.length; i++) {
          const ch = src[i];
          if (ch === "i" || ch === "m" || ch === "s" || ch === "U") {
            f[ch] = !neg;
            sawFlag = true;
          } else if (ch === "-") {
            if (neg) throw err("invalid or unsupported Perl syntax", src.slice(start, i + 1));
            neg = true;
            sawFlag = false;
          } else if (ch === ")" || ch === ":") {
            if (neg && !sawFlag) throw err("invalid or unsupported Perl syntax", src.slice(start, i + 1));
            break;
          } else throw err("invalid or unsupported Perl syntax", src.slice(start, i + 1));
        }
        if (i >= src.length) throw err("missing closing )", src);
        this.pos = i + 1;
        if (src[i] === ")") return { text: "", flagsOnly: true, flags: f };
        // (?flags:...) — non-capturing with its own flags.
        const body = this.alternation(f, 1, globalI);
        if (src[this.pos] !== ")") throw err("missing closing )", src);
        this.pos++;
        if (f.i !== flags.i) {
          return { text: `(?${f.i ? "i" : "-i"}:${body})`, flagsOnly: false, flags };
        }
        return { text: `(?:${body})`, flagsOnly: false, flags };
      }
    } else {
      this.ncap++;
      this.names.push(undefined);
    }
    const body = this.alternation(inner, 1, globalI);
    if (src[this.pos] !== ")") throw err("missing closing )", src);
    this.pos++;
    return { text: `${open}${body})`, flagsOnly: false, flags };
  }

  private atom(flags: Flags): string {
    const src = this.src;
    const c = src.codePointAt(this.pos)!;
    const ch = String.fromCodePoint(c);
    switch (ch) {
      case ".":
        this.pos++;
        return flags.s ? "[\\s\\S]" : "[^\\n]";
      // The JS m flag is never set, so ^/$ are input boundaries; (?m) needs \n lookarounds.
      // (Negated-class lookarounds misfire inside surrogate pairs in V8's u-mode.)
      case "^":
        this.pos++;
        return flags.m ? "(?<=^|\\n)" : "^";
      case "$":
        this.pos++;
        return flags.m ? "(?=$|\\n)" : "$";
      case "[":
        return this.charClass();
      case "\\":
        return this.escape(false);
      case "{":
      case "}":
      case "]":
        this.pos++;
        return `\\${ch}`;
    }
    this.pos += ch.length;
    return lit(c);
  }

  /** An escape outside (inClass=false) or inside a class; returns JS text. */
  private escape(inClass: boolean): string {
    const src = this.src;
    const start = this.pos;
    this.pos++;
    if (this.pos >= src.length) throw err("trailing backslash at end of expression", "");
    const c = src[this.pos];
    this.pos++;
    switch (c) {
      case "A":
        if (inClass) break;
        return "^";
      case "z":
        if (inClass) break;
        return "$";
      case "b":
      case "B":
        if (inClass) break;
        return `\\${c}`;
      case "d":
      case "D":
      case "w":
      case "W":
        return `\\${c}`;
      case "s":
        return inClass ? rangesToClass(PERL_SPACE) : `[${rangesToClass(PERL_SPACE)}]`;
      case "S":
        return inClass ? rangesToClass(complement(PERL_SPACE)) : `[^${rangesToClass(PERL_SPACE)}]`;
      case "p":
      case "P": {
        let name: string;
        if (src[this.pos] === "{") {
          const end = src.indexOf("}", this.pos);
          if (end < 0) throw err("invalid character class range", src.slice(start));
          name = src.slice(this.pos + 1, end);
          this.pos = end + 1;
        } else {
          name = src[this.pos] ?? "";
          this.pos++;
        }
        let neg = c === "P";
        if (name.startsWith("^")) {
          neg = !neg;
          name = name.slice(1);
        }
        const prop = name === "Any" ? "Any" : CATEGORIES.has(name) ? name : `Script=${name}`;
        const text = `\\${neg ? "P" : "p"}{${prop}}`;
        try {
          new RegExp(text, "u");
        } catch {
          throw err("invalid character class range", src.slice(start, this.pos));
        }
        return text;
      }
      case "Q": {
        if (inClass) break;
        const end = src.indexOf("\\E", this.pos);
        const text = end < 0 ? src.slice(this.pos) : src.slice(this.pos, end);
        this.pos = end < 0 ? src.length : end + 2;
        let out = "";
        for (const x of text) out += lit(x.codePointAt(0)!);
        // Plain literals: a following quantifier binds to the last one, as in Go.
        return out;
      }
      case "x": {
        let code: number;
        if (src[this.pos] === "{") {
          const end = src.indexOf("}", this.pos);
          const hex = end < 0 ? "" : src.slice(this.pos + 1, end);
          if (!/^[0-9a-fA-F]+$/.test(hex) || Number.parseInt(hex, 16) > 0x10ffff)
            throw err("invalid escape sequence", src.slice(start, end < 0 ? src.length : end + 1));
          code = Number.parseInt(hex, 16);
          this.pos = end + 1;
        } else {
          const hex = src.slice(this.pos, this.pos + 2);
          if (!/^[0-9a-fA-F]{2}$/.test(hex))
            throw err("invalid escape sequence", src.slice(start, this.pos + hex.length));
          code = Number.parseInt(hex, 16);
          this.pos += 2;
        }
        return inClass ? cls(code) : lit(code);
      }
      case "a":
        return inClass ? cls(7) : lit(7);
      case "f":
        return "\\f";
      case "t":
        return "\\t";
      case "n":
        return "\\n";
      case "r":
        return "\\r";
      case "v":
        return "\\v";
    }
    if (c >= "0" && c <= "7") {
      // Octal: \0, \0NN, or \NN (a lone \1..\7 would be a backreference).
      let digits = c;
      if (c !== "0" && !(src[this.pos] >= "0" && src[this.pos] <= "7"))
        throw err("invalid escape sequence", src.slice(start, this.pos));
      while (digits.length < 3 && src[this.pos] >= "0" && src[this.pos] <= "7") digits += src[this.pos++];
      const code = Number.parseInt(digits, 8);
      return inClass ? cls(code) : lit(code);
    }
    const code = c.codePointAt(0)!;
    if (code < 0x80 && !/[0-9A-Za-z]/.test(c)) return inClass ? cls(code) : lit(code);
    // Report the full (possibly astral) character.
    const full = String.fromCodePoint(src.codePointAt(this.pos - 1)!);
    throw err("invalid escape sequence", `\\${full}`);
  }

  /** One class item as code point ranges or JS class text. */
  private charClass(): string {
    const src = this.src;
    const start = this.pos;
    this.pos++; // [
    let neg = false;
    if (src[this.pos] === "^") {
      neg = true;
      this.pos++;
    }
    let body = "";
    let first = true;
    while (true) {
      if (this.pos >= src.length) throw err("missing closing ]", src.slice(start));
      const ch = src[this.pos];
      if (ch === "]" && !first) {
        this.pos++;
        break;
      }
      first = false;
      // POSIX class.
      if (ch === "[" && src[this.pos + 1] === ":") {
        const end = src.indexOf(":]", this.pos + 2);
        if (end >= 0) {
          let name = src.slice(this.pos + 2, end);
          let pneg = false;
          if (name.startsWith("^")) {
            pneg = true;
            name = name.slice(1);
          }
          const rs = POSIX[name];
          if (!rs) throw err("invalid character class range", src.slice(this.pos, end + 2));
          body += rangesToClass(pneg ? complement(rs) : rs);
          this.pos = end + 2;
          continue;
        }
      }
      // A single character or escape, possibly the start of a range.
      const lo = this.classChar();
      if (
        lo.code !== undefined &&
        src[this.pos] === "-" &&
        src[this.pos + 1] !== "]" &&
        this.pos + 1 < src.length
      ) {
        this.pos++;
        const hiStart = this.pos;
        const hi = this.classChar();
        // A class escape cannot end a range.
        if (hi.code === undefined) throw err("invalid escape sequence", src.slice(hiStart, this.pos));
        if (hi.code < lo.code) throw err("invalid character class range", src.slice(lo.start, this.pos));
        body += `${lo.text}-${hi.text}`;
        continue;
      }
      body += lo.text;
    }
    if (body === "") return neg ? "[\\s\\S]" : "[]";
    return `[${neg ? "^" : ""}${body}]`;
  }

  private classChar(): { text: string; code?: number; start: number } {
    const src = this.src;
    const start = this.pos;
    if (src[this.pos] === "\\") {
      const next = src[this.pos + 1];
      const text = this.escape(true);
      // Single-character escapes can be range ends.
      if (next !== undefined && !"dDwWsSpP".includes(next)) {
        const code = this.escapedCode(src.slice(start, this.pos));
        return { text, code, start };
      }
      return { text, start };
    }
    const code = src.codePointAt(this.pos)!;
    this.pos += code > 0xffff ? 2 : 1;
    return { text: cls(code), code, start };
  }

  private escapedCode(esc: string): number | undefined {
    const c = esc[1];
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (c in simple) return simple[c];
    if (c === "x") {
      const hex = esc.startsWith("\\x{") ? esc.slice(3, -1) : esc.slice(2);
      return Number.parseInt(hex, 16);
    }
    if (c >= "0" && c <= "7") return Number.parseInt(esc.slice(1), 8);
    return esc.codePointAt(1);
  }
}

const NEEDS_U = /[\ud800-\udfff]|\\[pP]\{/;
const SURROGATE = /[\ud800-\udfff]/;

/** The regexp to run on s (non-global). */
export function matcher(c: Compiled, s: string): RegExp {
  return c.bmp && !SURROGATE.test(s) ? c.bmp : c.re;
}

/** The lastIndex-driven regexp to iterate over s. */
export function globalMatcher(c: Compiled, s: string): RegExp {
  return c.bmpGlobal && !SURROGATE.test(s) ? c.bmpGlobal : c.global;
}

const cache = new Map<string, Compiled | RegexSyntaxError>();
const CACHE_MAX = 500;

/** Compile a Go regexp (cached). Throws RegexSyntaxError. */
export function compileRE2(pattern: string): Compiled {
  const hit = cache.get(pattern);
  if (hit !== undefined) {
    // LRU: refresh recency, once eviction is near (re-inserting on every hit costs more than the lookup)
    if (cache.size >= CACHE_MAX - 50) {
      cache.delete(pattern);
      cache.set(pattern, hit);
    }
    if (hit instanceof RegexSyntaxError) throw hit;
    return hit;
  }
  let result: Compiled | RegexSyntaxError;
  try {
    const t = new Translator(pattern);
    const { source, flags, ncap } = t.run();
    let re: RegExp;
    let global: RegExp;
    try {
      re = new RegExp(source, flags);
      global = new RegExp(source, `${flags}g`);
    } catch (e) {
      throw new RegexSyntaxError(`error parsing regexp: ${(e as Error).message}`);
    }
    result = { re, global, names: t.names, ncap };
    // Without u, \p{} and astral characters change meaning, and case folding differs.
    try {
      if (flags === "u" && !NEEDS_U.test(source) && !source.includes("(?i:")) {
        result.bmp = new RegExp(source, "");
        result.bmpGlobal = new RegExp(source, "g");
      }
    } catch {
      // keep the u-mode regexps only
    }
  } catch (e) {
    if (!(e instanceof RegexSyntaxError)) throw e;
    result = e;
  }
  cache.set(pattern, result);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
  if (result instanceof RegexSyntaxError) throw result;
  return result;
}

/** Go's regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}
