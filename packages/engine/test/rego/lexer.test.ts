/**
 * The lexer's token fields the parser relies on: positions after blanks,
 * tabs, comments and newlines; identifiers and numbers; and the `kw` mark on
 * identifiers spelled like a keyword, which is all the parser looks up.
 */
import { describe, expect, test } from "vitest";
import { compile } from "../../src/rego/index.ts";
import {
  BASE_KEYWORDS,
  EXPERIMENTAL_KEYWORDS,
  FUTURE_KEYWORDS,
  KEYWORD_SPELLINGS,
} from "../../src/rego/syntax/keywords.ts";
import { lex } from "../../src/rego/syntax/lexer.ts";

describe("lexer", () => {
  test("positions, identifiers and numbers", () => {
    const { tokens, comments } = lex("package p\n\t# note\r\n  x_1 := 12.5e3  # end\ny:=0", "f.rego");
    expect(tokens.map((t) => [t.kind, t.text, t.row, t.col, t.ws, t.nl])).toEqual([
      ["ident", "package", 1, 1, false, false],
      ["ident", "p", 1, 9, true, false],
      ["ident", "x_1", 3, 3, true, true],
      [":=", ":=", 3, 7, true, false],
      ["number", "12.5e3", 3, 10, true, false],
      ["ident", "y", 4, 1, true, true],
      [":=", ":=", 4, 2, false, false],
      ["number", "0", 4, 4, false, false],
      ["eof", "", 4, 5, false, false],
    ]);
    expect(comments.map((c) => [c.text, c.loc.row, c.loc.col])).toEqual([
      [" note", 2, 2],
      [" end", 3, 18],
    ]);
  });

  test("identifiers spelled like a keyword are marked, and only those", () => {
    const words = [...BASE_KEYWORDS, ...FUTURE_KEYWORDS, ...EXPERIMENTAL_KEYWORDS];
    for (const w of words) expect(KEYWORD_SPELLINGS.has(w)).toBe(true);
    const { tokens } = lex(`${words.join(" ")} notx in_ If "if" x1 _`, "f.rego");
    const marked = tokens.filter((t) => t.kw).map((t) => t.text);
    expect(marked).toEqual(words);
  });

  test("keywords still depend on imports and position", () => {
    // v0 without the import: `in` and `if` are plain names
    const v0 = compile([{ file: "a.rego", source: "package a\nin := 1\nif := 2\nx := in + if" }], {
      regoVersion: 0,
    });
    expect(v0.prepare("x = data.a.x").eval()).toEqual([{ x: 3 }]);
    // with the import, `in` is membership
    const v0in = compile(
      [{ file: "a.rego", source: "package a\nimport future.keywords.in\nx { 1 in [1] }" }],
      { regoVersion: 0 },
    );
    expect(v0in.prepare("x = data.a.x").eval()).toEqual([{ x: true }]);
    // a keyword followed by `.` is a ref head
    const ref = compile([{ file: "a.rego", source: "package a\nx := input.not.some" }], { regoVersion: 1 });
    expect(ref.prepare("x = data.a.x").eval({ input: { not: { some: 7 } } })).toEqual([{ x: 7 }]);
  });
});
