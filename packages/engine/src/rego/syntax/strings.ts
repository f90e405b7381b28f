/** String literal decoding (JSON escape rules, as OPA uses json.Unmarshal). */

/** JSON's one-character escapes (after the backslash) and what they stand for. */
export const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** Decode the inside of a double-quoted literal; undefined when an escape is invalid. */
export function unescapeString(inner: string): string | undefined {
  if (!inner.includes("\\")) return inner;
  let out = "";
  let i = 0;
  while (i < inner.length) {
    const j = inner.indexOf("\\", i);
    if (j < 0) {
      out += inner.slice(i);
      break;
    }
    out += inner.slice(i, j);
    const e = inner[j + 1];
    if (e === undefined) return undefined;
    if (e === "u") {
      const hex = inner.slice(j + 2, j + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined;
      // Surrogate pairs arrive as two \u escapes; JS strings are UTF-16, so
      // appending both code units reassembles the pair. A lone surrogate is
      // replaced like Go's decoder does.
      const code = Number.parseInt(hex, 16);
      out += String.fromCharCode(code);
      i = j + 6;
      continue;
    }
    const s = SIMPLE_ESCAPES[e];
    if (s === undefined) return undefined;
    out += s;
    i = j + 2;
  }
  return fixLoneSurrogates(out);
}

function fixLoneSurrogates(s: string): string {
  return s.isWellFormed() ? s : s.toWellFormed();
}
