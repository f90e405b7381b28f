/**
 * Output conventions of the Go tools we stand in for, so that scripts that
 * parse gator/opa output keep working: Go's %q string quoting, encoding/json
 * (map keys sorted, <, >, & escaped) and time.Duration's String form.
 */

/** Go's strconv.Quote: printable Unicode kept, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (!isPrintable(c))
      out += c > 0xffff ? `\\U${c.toString(16).padStart(8, "0")}` : `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Approximates unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
function isPrintable(c: number): boolean {
  if (c < 0x80) return c >= 0x20 && c !== 0x7f;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(c));
}

const JSON_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => JSON_ESCAPES[c]);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * encoding/json's MarshalIndent(v, "", indent) for plain JSON data. Objects are
 * treated as Go maps (keys sorted by bytes) unless listed in `fixedOrder`,
 * mirroring Go structs whose fields keep declaration order.
 */
export function goJSON(
  v: unknown,
  indent = "    ",
  fixedOrder: (o: object) => boolean = () => false,
): string {
  const enc = (x: unknown, pad: string): string => {
    if (x === null || x === undefined) return "null";
    if (typeof x === "string") return goString(x);
    if (typeof x === "number" || typeof x === "boolean") return JSON.stringify(x);
    if (typeof x === "bigint") return x.toString();
    const inner = pad + indent;
    if (Array.isArray(x)) {
      if (x.length === 0) return "[]";
      return `[\n${x.map((e) => inner + enc(e, inner)).join(",\n")}\n${pad}]`;
    }
    const o = x as Record<string, unknown>;
    let keys = Object.keys(o).filter((k) => o[k] !== undefined);
    if (!fixedOrder(o)) keys = keys.sort(compareBytes);
    if (keys.length === 0) return "{}";
    return `{\n${keys.map((k) => `${inner}${goString(k)}: ${enc(o[k], inner)}`).join(",\n")}\n${pad}}`;
  };
  return enc(v, "");
}

/** time.Duration.String() for a duration in nanoseconds: "850ns", "1.234567ms", "2.5s". */
export function goDuration(ns: bigint | number): string {
  const n = typeof ns === "bigint" ? Number(ns) : ns;
  if (n === 0) return "0s";
  if (n < 1e3) return `${n}ns`;
  const trim = (s: string) => s.replace(/\.?0+$/, "");
  if (n < 1e6) return `${trim((n / 1e3).toFixed(3))}µs`;
  if (n < 1e9) return `${trim((n / 1e6).toFixed(6))}ms`;
  const h = Math.floor(n / 3.6e12);
  const m = Math.floor((n % 3.6e12) / 6e10);
  const s = `${trim(((n % 6e10) / 1e9).toFixed(9)) || "0"}s`;
  return h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
}
