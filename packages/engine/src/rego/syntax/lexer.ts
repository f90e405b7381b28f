/**
 * Rego lexer: turns source text into a flat token array up front, so the
 * parser can backtrack by resetting an index (OPA's grammar needs a few
 * speculative parses, e.g. comprehension vs. set literal).
 *
 * Whitespace is not a token; instead every token records whether whitespace
 * (or a comment) precedes it and whether that included a newline, which is
 * all the grammar needs (refs must be contiguous, `\n` separates literals).
 * Keywords are plain idents: which words are keywords depends on imports.
 */
import type { Location } from "../ast.ts";
import { RegoError } from "../errors.ts";
import { KEYWORD_SPELLINGS } from "./keywords.ts";
import { unescapeString } from "./strings.ts";

export type TokenKind =
  | "ident"
  | "number"
  | "string"
  | "template"
  | "eof"
  | "("
  | ")"
  | "["
  | "]"
  | "{"
  | "}"
  | ","
  | ";"
  | "."
  | ":"
  | ":="
  | "="
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "&"
  | "|";

/** A template string's pieces: literal text, or the tokens of one `{expr}` (ending with eof). */
export type TemplatePart = string | Token[];

export interface Token {
  kind: TokenKind;
  /** Source text (ident name, number text, operator); decoded value for strings. */
  text: string;
  /** offsets into the source (UTF-16 code units) */
  start: number;
  end: number;
  row: number;
  col: number;
  /** an identifier spelled like a keyword of some Rego version or import (KEYWORD_SPELLINGS) */
  kw: boolean;
  /** whitespace or a comment precedes this token */
  ws: boolean;
  /** a newline precedes this token */
  nl: boolean;
  /** template strings only */
  parts?: TemplatePart[];
  /** raw string (backticks) or multi-line template */
  raw?: boolean;
}

export interface Comment {
  text: string;
  loc: Location;
}

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
}

/** Two-character operators by their first character's code (each ends in `=`): no slice per token. */
const PUNCT2: (TokenKind | undefined)[] = [];
for (const op of [":=", "==", "!=", "<=", ">="] as const) PUNCT2[op.charCodeAt(0)] = op;
const PUNCT1 = new Set("()[]{},;.:=<>+-*/%&|");

/**
 * Character classes of ASCII codes (1: starts an identifier, 2: digit): the
 * lexer runs once per character, mostly before V8 optimises it, where a table
 * read is cheaper than a call per character.
 */
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++)
  CHAR_CLASS[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 ? 1 : c >= 48 && c <= 57 ? 2 : 0;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export class Lexer {
  readonly src: string;
  readonly file: string;
  pos = 0;
  row = 1;
  /** offset of the first character of the current row */
  rowStart = 0;
  readonly comments: Comment[] = [];

  constructor(src: string, file: string) {
    this.src = src;
    this.file = file;
  }

  error(message: string, row = this.row, col = this.pos - this.rowStart + 1): never {
    throw new RegoError([{ code: "rego_parse_error", message, location: { file: this.file, row, col } }]);
  }

  /**
   * Lex tokens; when `untilBrace`, stop at the `}` that closes a template
   * expression (consuming it) and end the list with an eof token there.
   */
  lexTokens(untilBrace: boolean): Token[] {
    const out: Token[] = [];
    const src = this.src;
    const len = src.length;
    let depth = 0;
    for (;;) {
      let ws = false;
      let nl = false;
      // position and row in locals while skipping blanks: a property write per character costs more
      let pos = this.pos;
      let row = this.row;
      let rowStart = this.rowStart;
      for (;;) {
        const c = src.charCodeAt(pos);
        if (c === 32) {
          ws = true;
          pos++;
        } else if (c === 10) {
          ws = true;
          nl = true;
          pos++;
          row++;
          rowStart = pos;
        } else if (c === 9 || c === 13) {
          ws = true;
          pos++;
        } else if (c === 35) {
          // `#` comment to end of line
          const start = pos;
          let e = src.indexOf("\n", start);
          if (e < 0) e = len;
          let text = src.slice(start + 1, e);
          if (text.endsWith("\r")) text = text.slice(0, -1);
          this.comments.push({
            text,
            loc: { file: this.file, row, col: start - rowStart + 1 },
          });
          pos = e;
          ws = true;
        } else break;
      }
      this.pos = pos;
      this.row = row;
      this.rowStart = rowStart;
      const start = pos;
      const col = start - rowStart + 1;
      if (pos >= len) {
        if (untilBrace) this.error("unterminated template-string expression", row, col);
        out.push(token("eof", "", start, this.pos, row, col, ws, nl));
        return out;
      }
      const c = src.charCodeAt(pos);
      const cls = c < 128 ? CHAR_CLASS[c] : 0;
      if (cls === 1) {
        let e = pos + 1;
        for (; e < len; e++) {
          const d = src.charCodeAt(e);
          if (d >= 128 || CHAR_CLASS[d] === 0) break;
        }
        const text = src.slice(start, e);
        const t = token("ident", text, start, e, row, col, ws, nl);
        if (KEYWORD_SPELLINGS.has(text)) t.kw = true;
        out.push(t);
        this.pos = e;
        continue;
      }
      if (cls === 2) {
        const e = this.scanNumber(start);
        out.push(token("number", src.slice(start, e), start, e, row, col, ws, nl));
        this.pos = e;
        continue;
      }
      if (c === 34) {
        const e = this.scanQuoted(start + 1);
        const lit = src.slice(start, e + 1);
        const text = unescapeString(lit.slice(1, -1));
        if (text === undefined) this.error("illegal escape sequence", row, col);
        out.push(token("string", text, start, e + 1, row, col, ws, nl));
        this.pos = e + 1;
        continue;
      }
      if (c === 96) {
        const e = src.indexOf("`", start + 1);
        if (e < 0) this.error("non-terminated raw string", row, col);
        const t = token("string", src.slice(start + 1, e), start, e + 1, row, col, ws, nl);
        t.raw = true;
        out.push(t);
        this.advanceTo(e + 1);
        continue;
      }
      if (c === 36 && (src.charCodeAt(start + 1) === 34 || src.charCodeAt(start + 1) === 96)) {
        const raw = src.charCodeAt(start + 1) === 96;
        this.pos = start + 2;
        const parts = this.scanTemplate(raw, row, col);
        const t = token("template", src.slice(start, this.pos), start, this.pos, row, col, ws, nl);
        t.parts = parts;
        t.raw = raw;
        out.push(t);
        continue;
      }
      const two = src.charCodeAt(start + 1) === 61 ? PUNCT2[c] : undefined;
      if (two !== undefined) {
        out.push(token(two, two, start, start + 2, row, col, ws, nl));
        this.pos = start + 2;
        continue;
      }
      const one = src[start];
      if (PUNCT1.has(one)) {
        if (untilBrace) {
          if (one === "{") depth++;
          else if (one === "}") {
            if (depth === 0) {
              this.pos = start + 1;
              out.push(token("eof", "}", start, start, row, col, ws, nl));
              return out;
            }
            depth--;
          }
        }
        out.push(token(one as TokenKind, one, start, start + 1, row, col, ws, nl));
        this.pos = start + 1;
        continue;
      }
      this.error("illegal token", row, col);
    }
  }

  private advanceTo(end: number): void {
    const src = this.src;
    for (let i = this.pos; i < end; i++) {
      if (src.charCodeAt(i) === 10) {
        this.row++;
        this.rowStart = i + 1;
      }
    }
    this.pos = end;
  }

  private scanNumber(start: number): number {
    const src = this.src;
    let e = start;
    while (isDigit(src.charCodeAt(e))) e++;
    if (src.charCodeAt(e) === 46 && isDigit(src.charCodeAt(e + 1))) {
      e++;
      while (isDigit(src.charCodeAt(e))) e++;
    }
    const x = src.charCodeAt(e);
    if (x === 101 || x === 69) {
      let f = e + 1;
      const s = src.charCodeAt(f);
      if (s === 43 || s === 45) f++;
      if (isDigit(src.charCodeAt(f))) {
        while (isDigit(src.charCodeAt(f))) f++;
        e = f;
      }
    }
    return e;
  }

  /** Index of the closing quote; strings cannot span lines. */
  private scanQuoted(from: number): number {
    const src = this.src;
    let i = from;
    for (;;) {
      if (i >= src.length) this.error("non-terminated string");
      const c = src.charCodeAt(i);
      if (c === 10) this.error("non-terminated string");
      if (c === 92) {
        i += 2;
        continue;
      }
      if (c === 34) return i;
      i++;
    }
  }

  /** After `$"` / `$\``: literal parts and lexed `{expr}` token lists up to the closing quote. */
  private scanTemplate(raw: boolean, row: number, col: number): TemplatePart[] {
    const src = this.src;
    const parts: TemplatePart[] = [];
    let buf = "";
    let litStart = this.pos;
    const flush = (): void => {
      if (!raw) {
        const s = unescapeString(buf);
        if (s === undefined) this.error(`illegal template-string part: ${buf}`, row, col);
        buf = s;
      }
      parts.push(buf);
      buf = "";
    };
    for (;;) {
      if (this.pos >= src.length) this.error("non-terminated template string", row, col);
      const c = src.charCodeAt(this.pos);
      if ((!raw && c === 34) || (raw && c === 96)) {
        buf += src.slice(litStart, this.pos);
        this.pos++;
        flush();
        return parts;
      }
      if (!raw && c === 10) this.error("non-terminated template string", row, col);
      if (c === 92) {
        const n = src.charCodeAt(this.pos + 1);
        if (n === 123) {
          // `\{` is a literal brace in both forms
          buf += `${src.slice(litStart, this.pos)}{`;
          this.pos += 2;
          litStart = this.pos;
          continue;
        }
        if (!raw) {
          this.pos += 2;
          continue;
        }
      }
      if (c === 123) {
        buf += src.slice(litStart, this.pos);
        flush();
        this.pos++;
        parts.push(this.lexTokens(true));
        litStart = this.pos;
        continue;
      }
      if (c === 10) {
        this.row++;
        this.rowStart = this.pos + 1;
      }
      this.pos++;
    }
  }
}

export function lex(src: string, file: string): LexResult {
  const l = new Lexer(src, file);
  const tokens = l.lexTokens(false);
  return { tokens, comments: l.comments };
}

/** A token (a plain function: a closure per token would be allocated on every one). */
function token(
  kind: TokenKind,
  text: string,
  start: number,
  end: number,
  row: number,
  col: number,
  ws: boolean,
  nl: boolean,
): Token {
  return { kind, text, start, end, row, col, kw: false, ws, nl };
}
