/**
 * Pretty-printing JSON text without re-parsing it, so that exact numbers
 * produced by the engine (big integers, "1.50") survive; strings get Go's
 * HTML-safe escaping like OPA's and gator's output.
 */
export function indentJSON(compact: string, indent = "  "): string {
  let out = "";
  let depth = 0;
  let i = 0;
  const nl = () => `\n${indent.repeat(depth)}`;
  while (i < compact.length) {
    const c = compact[i];
    if (c === '"') {
      let j = i + 1;
      while (j < compact.length && compact[j] !== '"') j += compact[j] === "\\" ? 2 : 1;
      out += htmlEscape(compact.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      if (compact[i + 1] === close) {
        out += c + close;
        i += 2;
        continue;
      }
      depth++;
      out += c + nl();
    } else if (c === "}" || c === "]") {
      depth--;
      out += nl() + c;
    } else if (c === ",") out += `,${nl()}`;
    else if (c === ":") out += ": ";
    else if (c !== " " && c !== "\n" && c !== "\t" && c !== "\r") out += c;
    i++;
  }
  return out;
}

function htmlEscape(s: string): string {
  return s.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
