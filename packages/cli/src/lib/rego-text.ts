/**
 * Lexical helpers over Rego query text: splitting a query into its
 * expressions (with their source text and position) and finding a
 * top-level `with` clause. Only strings, raw strings, comments and bracket
 * depth matter here; the engine's parser does the real parsing.
 */
export interface Segment {
  text: string;
  row: number;
  col: number;
}

function scan(src: string, onTopLevel: (i: number, c: string) => boolean | undefined): void {
  let depth = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === "\\" ? 2 : 1;
      continue;
    }
    if (c === "`") {
      i++;
      while (i < src.length && src[i] !== "`") i++;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      i--;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (depth === 0 && onTopLevel(i, c) === false) return;
  }
}

/** Expressions of a query separated by `;` or newlines at bracket depth 0. */
export function splitQuery(src: string): Segment[] {
  const cuts: number[] = [];
  scan(src, (i, c) => {
    if (c === ";" || c === "\n") cuts.push(i);
    return undefined;
  });
  const out: Segment[] = [];
  let start = 0;
  for (const end of [...cuts, src.length]) {
    const raw = src.slice(start, end);
    const text = stripComment(raw).trim();
    if (text !== "") {
      const lead = start + raw.length - raw.trimStart().length;
      const before = src.slice(0, lead);
      const row = before.split("\n").length;
      const col = lead - (before.lastIndexOf("\n") + 1) + 1;
      out.push({ text, row, col });
    }
    start = end + 1;
  }
  return out;
}

/** Drops a trailing `# comment` (a `#` outside strings). */
function stripComment(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === "\\" ? 2 : 1;
    } else if (c === "`") {
      i++;
      while (i < s.length && s[i] !== "`") i++;
    } else if (c === "#") return s.slice(0, i);
  }
  return s;
}

/** Splits `term with a as b` into the expression proper and its ` with ...` clauses. */
export function splitWith(text: string): { core: string; withs: string } {
  let at = -1;
  scan(text, (i) => {
    if (text.startsWith("with", i) && /\s/.test(text[i - 1] ?? "") && /\s/.test(text[i + 4] ?? "")) {
      at = i;
      return false;
    }
    return undefined;
  });
  return at < 0 ? { core: text, withs: "" } : { core: text.slice(0, at).trimEnd(), withs: text.slice(at) };
}
