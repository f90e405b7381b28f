/** gqlparser's lexer: tokens, string and block-string values, and its error messages. */

export const K = {
  Invalid: "<Invalid>",
  EOF: "<EOF>",
  Bang: "!",
  Dollar: "$",
  Amp: "&",
  ParenL: "(",
  ParenR: ")",
  Spread: "...",
  Colon: ":",
  Equals: "=",
  At: "@",
  BracketL: "[",
  BracketR: "]",
  BraceL: "{",
  BraceR: "}",
  Pipe: "|",
  Name: "Name",
  Int: "Int",
  Float: "Float",
  String: "String",
  BlockString: "BlockString",
  Comment: "Comment",
} as const;
export type Kind = (typeof K)[keyof typeof K];

export interface Token {
  kind: Kind;
  value: string;
  line: number;
  column: number;
  /** For Invalid tokens: the lexer's error, raised if the parser consumes the token. */
  error?: string;
}

class LexError extends Error {}

export const tokenString = (t: Token) => (t.value !== "" ? `${t.kind} ${JSON.stringify(t.value)}` : t.kind);

/** Positions of AST nodes (line, column), kept out of the rendered AST. */
export const positions = new WeakMap<object, [number, number]>();

export class Lexer {
  readonly s: string;
  end = 0;
  line = 1;
  lineStart = 0;
  constructor(s: string) {
    this.s = s;
  }
  private tok(kind: Kind, value: string, start: number): Token {
    return { kind, value, line: this.line, column: start - this.lineStart + 1 };
  }
  private err(msg: string): never {
    throw new LexError(msg);
  }
  private ws(): void {
    const s = this.s;
    while (this.end < s.length) {
      const c = s[this.end];
      if (c === "\t" || c === " " || c === "," || c === "\ufeff") this.end++;
      else if (c === "\n") {
        this.end++;
        this.line++;
        this.lineStart = this.end;
      } else if (c === "\r") {
        this.end++;
        this.line++;
        if (s[this.end] === "\n") this.end++;
        this.lineStart = this.end;
      } else return;
    }
  }
  /** The next token; lexing errors become Invalid tokens positioned where the lexer stopped. */
  next(): Token {
    try {
      return this.read();
    } catch (e) {
      if (!(e instanceof LexError)) throw e;
      return {
        kind: K.Invalid,
        value: "",
        line: this.line,
        column: this.end - this.lineStart + 1,
        error: e.message,
      };
    }
  }
  private read(): Token {
    this.ws();
    const s = this.s;
    const start = this.end;
    if (start >= s.length) return this.tok(K.EOF, "", start);
    const c = s[start];
    this.end++;
    const simple: Record<string, Kind> = {
      "!": K.Bang,
      $: K.Dollar,
      "&": K.Amp,
      "(": K.ParenL,
      ")": K.ParenR,
      ":": K.Colon,
      "=": K.Equals,
      "@": K.At,
      "[": K.BracketL,
      "]": K.BracketR,
      "{": K.BraceL,
      "}": K.BraceR,
      "|": K.Pipe,
    };
    if (simple[c]) return this.tok(simple[c], "", start);
    if (c === "." && s.startsWith("...", start)) {
      this.end += 2;
      return this.tok(K.Spread, "", start);
    }
    if (c === "#") {
      while (this.end < s.length && (s.charCodeAt(this.end) > 0x1f || s[this.end] === "\t")) this.end++;
      return this.tok(K.Comment, s.slice(start, this.end), start);
    }
    if (/[_A-Za-z]/.test(c)) {
      while (this.end < s.length && /[_A-Za-z0-9]/.test(s[this.end])) this.end++;
      return this.tok(K.Name, s.slice(start, this.end), start);
    }
    if (c === "-" || (c >= "0" && c <= "9")) return this.number(start);
    if (c === '"') return s.startsWith('"""', start) ? this.blockString(start) : this.string(start);
    this.end--;
    const code = c.charCodeAt(0);
    if (code < 0x20 && c !== "\t" && c !== "\n" && c !== "\r")
      this.err(`Cannot contain the invalid character "\\u${code.toString(16).padStart(4, "0")}"`);
    if (c === "'") this.err(`Unexpected single quote character ('), did you mean to use a double quote (")?`);
    return this.err(
      `Cannot parse the unexpected character "${String.fromCodePoint(s.codePointAt(start)!)}".`,
    );
  }
  private digits(): number {
    const from = this.end;
    while (this.end < this.s.length && this.s[this.end] >= "0" && this.s[this.end] <= "9") this.end++;
    return this.end - from;
  }
  private describeNext(): string {
    return this.end < this.s.length ? `"${this.s[this.end]}"` : "<EOF>";
  }
  private number(start: number): Token {
    this.end = start;
    let float = false;
    if (this.s[this.end] === "-") this.end++;
    if (this.s[this.end] === "0") {
      this.end++;
      const n = this.digits();
      if (n) {
        this.end -= n;
        this.err(`Invalid number, unexpected digit after 0: ${this.describeNext()}.`);
      }
    } else if (this.digits() === 0)
      this.err(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    if (this.s[this.end] === ".") {
      float = true;
      this.end++;
      if (this.digits() === 0) this.err(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    if (this.s[this.end] === "e" || this.s[this.end] === "E") {
      float = true;
      this.end++;
      if (this.s[this.end] === "-" || this.s[this.end] === "+") this.end++;
      if (this.digits() === 0) this.err(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    return this.tok(float ? K.Float : K.Int, this.s.slice(start, this.end), start);
  }
  private string(start: number): Token {
    const s = this.s;
    let out = "";
    while (this.end < s.length) {
      const c = s[this.end];
      if (c === "\n" || c === "\r") break;
      if (c.charCodeAt(0) < 0x20 && c !== "\t")
        this.err(`Invalid character within String: "\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}".`);
      if (c === '"') {
        this.end++;
        return { kind: K.String, value: out, line: this.line, column: start - this.lineStart + 2 };
      }
      if (c !== "\\") {
        out += c;
        this.end++;
        continue;
      }
      if (this.end + 1 >= s.length) {
        this.end++;
        this.err("Invalid character escape sequence.");
      }
      const esc = s[this.end + 1];
      if (esc === "u") {
        if (this.end + 6 >= s.length) {
          this.end++;
          this.err(`Invalid character escape sequence: \\${s.slice(this.end)}.`);
        }
        const hex = s.slice(this.end + 2, this.end + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.end++;
          this.err(`Invalid character escape sequence: \\${s.slice(this.end, this.end + 5)}.`);
        }
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.end += 6;
        continue;
      }
      const map: Record<string, string> = {
        '"': '"',
        "/": "/",
        "\\": "\\",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
      };
      if (!(esc in map)) {
        this.end++;
        this.err(`Invalid character escape sequence: \\${esc}.`);
      }
      out += map[esc];
      this.end += 2;
    }
    return this.err("Unterminated string.");
  }
  private blockString(start: number): Token {
    const s = this.s;
    const line = this.line;
    const col = start - this.lineStart + 4;
    this.end = start + 3;
    let buf = "";
    while (this.end < s.length) {
      const c = s[this.end];
      if (c === '"') {
        let q = 1;
        while (s[this.end + q] === '"') q++;
        if (q >= 3) {
          buf += '"'.repeat(q - 3);
          this.end += q;
          return { kind: K.BlockString, value: blockStringValue(buf), line, column: col };
        }
      }
      if (c.charCodeAt(0) < 0x20 && c !== "\t" && c !== "\n" && c !== "\r")
        this.err(`Invalid character within String: "\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}".`);
      if (c === "\\" && s.startsWith('\\"""', this.end)) {
        buf += '"""';
        this.end += 4;
      } else if (c === "\r") {
        if (s[this.end + 1] === "\n") this.end++;
        buf += "\n";
        this.end++;
        this.line++;
        this.lineStart = this.end;
      } else {
        buf += c;
        this.end++;
        if (c === "\n") {
          this.line++;
          this.lineStart = this.end;
        }
      }
    }
    return this.err("Unterminated string.");
  }
}

function leadingWS(line: string): number {
  for (let i = 0; i < line.length; i++) if (line[i] !== " " && line[i] !== "\t") return i;
  return Number.MAX_SAFE_INTEGER;
}

function blockStringValue(raw: string): string {
  const lines = raw.split("\n");
  let common = Number.MAX_SAFE_INTEGER;
  for (const l of lines) {
    const ind = leadingWS(l);
    if (ind < l.length && ind < common) {
      common = ind;
      if (common === 0) break;
    }
  }
  if (common !== Number.MAX_SAFE_INTEGER)
    for (let i = 1; i < lines.length; i++) lines[i] = lines[i].length < common ? "" : lines[i].slice(common);
  let a = 0;
  let b = lines.length;
  while (a < b && leadingWS(lines[a]) === Number.MAX_SAFE_INTEGER) a++;
  while (a < b && leadingWS(lines[b - 1]) === Number.MAX_SAFE_INTEGER) b--;
  return lines.slice(a, b).join("\n");
}
