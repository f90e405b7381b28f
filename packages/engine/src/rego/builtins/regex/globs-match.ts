/**
 * regex.globs_match: do two "globs" (the regex subset of OPA's
 * glob-intersection library: literal runes, `.`, `[...]` sets with ranges,
 * `\` escapes, and `*` / `+` on the preceding token) match a common string?
 * Parsing and error texts follow the library; the intersection is decided on
 * the product of the two token automata.
 */
import { builtinErr } from "../support/operands.ts";

interface Tok {
  /** undefined = any rune (dot) */
  set: Set<number> | undefined;
  flag: "" | "*" | "+";
}

function invalid(input: string, pos: number, msg: string): Error {
  return builtinErr("regex.globs_match", `input:${input}, pos:${pos}, ${msg}: the input provided is invalid`);
}

function tokenize(input: string): Tok[] {
  const rs = Array.from(input, (c) => c.codePointAt(0)!);
  const toks: Tok[] = [];
  let i = 0;
  // Returns [rune, escaped] and advances i.
  const next = (): [number, boolean] => {
    if (rs[i] === 0x5c) {
      if (i === rs.length - 1) throw invalid(input, i, "input ends with a \\ (escape) character");
      i += 2;
      return [rs[i - 1], true];
    }
    i++;
    return [rs[i - 1], false];
  };
  while (i < rs.length) {
    const [r, esc] = next();
    if (!esc && (r === 0x2a || r === 0x2b)) {
      const prev = toks[toks.length - 1];
      if (prev?.flag !== "")
        throw invalid(input, i, `flag '${String.fromCodePoint(r)}' must be preceded by a non-flag`);
      prev.flag = r === 0x2a ? "*" : "+";
      continue;
    }
    if (esc) toks.push({ set: new Set([r]), flag: "" });
    else if (r === 0x2e) toks.push({ set: undefined, flag: "" });
    else if (r === 0x5d) throw invalid(input, i, "set-close ']' with no preceding '['");
    else if (r === 0x5b) toks.push({ set: parseSet(), flag: "" });
    else toks.push({ set: new Set([r]), flag: "" });
  }
  return toks;

  function parseSet(): Set<number> {
    const out = new Set<number>();
    let prev = -1;
    while (i < rs.length) {
      const [r, esc] = next();
      if (!esc && r === 0x2d) {
        if (prev < 0) throw invalid(input, i, "range character '-' must be preceded by a Unicode character");
        if (i >= rs.length - 1)
          throw invalid(input, i, "range character '-' must be followed by a Unicode character");
        const [hi, hesc] = next();
        if (!hesc && (hi === 0x5d || hi === 0x2d))
          throw invalid(input, i, "range character '-' cannot be followed by a special symbol");
        if (hi < prev)
          throw invalid(
            input,
            i,
            `range is out of order: '${String.fromCodePoint(hi)}' comes before '${String.fromCodePoint(prev)}' in Unicode`,
          );
        for (let x = prev; x <= hi; x++) out.add(x);
        prev = -1;
        continue;
      }
      if (!esc && r === 0x5d) return out;
      out.add(r);
      prev = r;
    }
    throw invalid(input, i, "found [ without matching ]");
  }
}

function overlap(a: Tok, b: Tok): boolean {
  if (!a.set || !b.set) return (a.set ?? b.set ?? new Set([0])).size > 0;
  const [small, big] = a.set.size <= b.set.size ? [a.set, b.set] : [b.set, a.set];
  for (const x of small) if (big.has(x)) return true;
  return false;
}

/** Expand `+` into a plain token followed by a starred copy. */
function expand(g: Tok[]): Tok[] {
  const out: Tok[] = [];
  for (const t of g) {
    if (t.flag === "+") out.push({ set: t.set, flag: "" }, { set: t.set, flag: "*" });
    else out.push(t);
  }
  return out;
}

export function globsMatch(a: string, b: string): boolean {
  const ga = tokenize(a);
  const gb = tokenize(b);
  // The library answers false whenever exactly one side is empty.
  if (ga.length === 0 || gb.length === 0) return ga.length === gb.length;
  const x = expand(ga);
  const y = expand(gb);
  const seen = new Set<number>();
  const stack: [number, number][] = [[0, 0]];
  const w = y.length + 1;
  while (stack.length) {
    const [i, j] = stack.pop()!;
    const k = i * w + j;
    if (seen.has(k)) continue;
    seen.add(k);
    if (i === x.length && j === y.length) return true;
    // Skip a starred token on either side.
    if (i < x.length && x[i].flag === "*") stack.push([i + 1, j]);
    if (j < y.length && y[j].flag === "*") stack.push([i, j + 1]);
    if (i < x.length && j < y.length && overlap(x[i], y[j])) {
      const ni = x[i].flag === "*" ? i : i + 1;
      const nj = y[j].flag === "*" ? j : j + 1;
      // Staying on a starred token; leaving it is the epsilon skip above.
      stack.push([ni, nj]);
    }
  }
  return false;
}
