/** Go's strconv quoting of strings and runes. */

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

function quoteRuneBody(r: number, quote: number): string {
  if (r === quote || r === 0x5c) return `\\${String.fromCodePoint(r)}`;
  switch (r) {
    case 7:
      return "\\a";
    case 8:
      return "\\b";
    case 12:
      return "\\f";
    case 10:
      return "\\n";
    case 13:
      return "\\r";
    case 9:
      return "\\t";
    case 11:
      return "\\v";
  }
  if (r < 0x80) return r < 0x20 || r === 0x7f ? `\\x${hex(r, 2)}` : String.fromCharCode(r);
  // Lone surrogates cannot come from valid UTF-8; Go would see U+FFFD.
  if (r >= 0xd800 && r <= 0xdfff) return "\\ufffd";
  const ch = String.fromCodePoint(r);
  if (PRINTABLE.test(ch)) return ch;
  return r < 0x10000 ? `\\u${hex(r, 4)}` : `\\U${hex(r, 8)}`;
}

/** strconv.Quote (Go's %q): printable Unicode kept, the rest escaped. The one Go string quoting, for builtins' messages and the CLI's gator-style output. */
export function goQuote(s: string): string {
  let out = '"';
  let plain = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(plain, i);
    const r = s.codePointAt(i)!;
    if (r > 0xffff) i++;
    out += quoteRuneBody(r, 0x22);
    plain = i + 1;
  }
  return `${out + s.slice(plain)}"`;
}

/** strconv.QuoteRune (Go's %q of a rune). */
export function quoteRune(r: number): string {
  return `'${quoteRuneBody(r, 0x27)}'`;
}
