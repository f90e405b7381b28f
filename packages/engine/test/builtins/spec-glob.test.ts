/**
 * glob builtins: delimiters, classes, alternatives and escapes.
 *
 * The reference is gobwas/glob as OPA uses it: default and custom delimiters,
 * ! classes, {a,b} alternatives, backslash escapes, quote_meta round trips,
 * malformed patterns and non-ASCII characters.
 * Each expectation is what `.cache/bin/opa eval` (v1.22) gives: OPA is the
 * reference where it follows the specification, and where it departs from it
 * Portcullis matches OPA (Gatekeeper compatibility) and a comment says so.
 */
import { describe, expect, test } from "vitest";
import { evalExpr, UNDEFINED } from "./spec-harness.ts";

const CASES: [string, unknown][] = [
  // default delimiter "." (null or [] delimiters)
  [`glob.match("*.github.com", null, "api.github.com")`, true],
  // null delimiters: none at all, so * crosses dots
  [`glob.match("*.github.com", null, "api.cdn.github.com")`, true],
  // [] delimiters: the default "."
  [`glob.match("*.github.com", [], "api.cdn.github.com")`, false],
  [`glob.match("**.github.com", null, "api.cdn.github.com")`, true],
  [`glob.match("**.github.com", null, ".github.com")`, true],
  [`glob.match("*", null, "")`, true],
  [`glob.match("*", null, "a.b")`, true],
  [`glob.match("**", null, "a.b")`, true],
  [`glob.match("?", null, ".")`, true],
  [`glob.match("?", [], "a")`, true],
  // custom delimiters
  [`glob.match("*/b", ["/"], "a/b")`, true],
  [`glob.match("*/b", ["/"], "a/c/b")`, false],
  [`glob.match("**/b", ["/"], "a/c/b")`, true],
  [`glob.match("*:b", [":", "/"], "a/x:b")`, false],
  [`glob.match("*", ["a"], "bab")`, false],
  // an empty delimiter is an error (undefined)
  [`glob.match("*.*", [""], "a.b.c")`, UNDEFINED],
  [`glob.match("*", ["/", "."], "a.b")`, false],
  // character classes and alternatives
  [`glob.match("[abc]at", null, "bat")`, true],
  [`glob.match("[!abc]at", null, "bat")`, false],
  [`glob.match("[!abc]at", null, "rat")`, true],
  [`glob.match("[a-c]at", null, "cat")`, true],
  [`glob.match("[!a-c]at", null, "dat")`, true],
  // only ! negates a class (gobwas/glob); ^ is a literal member
  [`glob.match("[^a-c]at", null, "dat")`, false],
  [`glob.match("{cat,bat,[fr]at}", null, "rat")`, true],
  [`glob.match("{cat,bat}", null, "mat")`, false],
  [`glob.match("{a,b{c,d}}", null, "bd")`, true],
  [`glob.match("{}", null, "")`, true],
  [`glob.match("a{,b}", null, "a")`, true],
  [`glob.match("[a.b]", null, ".")`, true],
  [`glob.match("[.]", [], ".")`, true],
  // escapes
  [`glob.match("\\\\*", null, "*")`, true],
  [`glob.match("\\\\*", null, "a")`, false],
  [`glob.match("a\\\\?", null, "a?")`, true],
  [`glob.match("\\\\[a]", null, "[a]")`, true],
  [`glob.match("\\\\{a}", null, "{a}")`, true],
  [`glob.match("a\\\\", null, "a\\\\")`, UNDEFINED],
  [`glob.quote_meta("*.github.com")`, "\\*.github.com"],
  [`glob.quote_meta("[a]{b}?\\\\")`, "\\[a\\]\\{b\\}\\?\\\\"],
  [`glob.match(glob.quote_meta("{a,b}.[c]?"), null, "{a,b}.[c]?")`, true],
  // malformed patterns
  [`glob.match("[a", null, "a")`, UNDEFINED],
  [`glob.match("{a", null, "a")`, UNDEFINED],
  [`glob.match("a]", null, "a]")`, true],
  [`glob.match("a}", null, "a}")`, true],
  [`glob.match("[]a]", null, "]")`, UNDEFINED],
  [`glob.match("[z-a]", null, "b")`, UNDEFINED],
  // non-ASCII
  [`glob.match("?", null, "é")`, true],
  [`glob.match("[é]", null, "é")`, true],
  [`glob.match("*ß", ["ß"], "aß")`, true],
];

describe("glob builtins: delimiters, classes, alternatives and escapes", () => {
  test.each(CASES)("%s", (expr, want) => {
    expect(evalExpr(expr)).toEqual(want);
  });
});
