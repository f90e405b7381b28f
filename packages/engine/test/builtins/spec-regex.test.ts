/**
 * regex builtins against RE2 syntax (Go regexp), not JavaScript's.
 *
 * Flags (?i)(?s)(?m)(?U), \A \z, POSIX and Unicode classes, \Q…\E, named
 * groups, ASCII-only \d \w \b, UTF-8 code points; what RE2 rejects and
 * JavaScript accepts (backreferences, lookaround, possessive quantifiers,
 * repeat limits); leftmost-first matching, empty matches, replace templates.
 * Each expectation is what `.cache/bin/opa eval` (v1.22) gives: OPA is the
 * reference where it follows the specification, and where it departs from it
 * Portcullis matches OPA (Gatekeeper compatibility) and a comment says so.
 */
import { describe, expect, test } from "vitest";
import { evalExpr, UNDEFINED } from "./spec-harness.ts";

const CASES: [string, unknown][] = [
  // RE2 syntax accepted where JavaScript differs
  ['regex.match(`(?i)abc`, "ABC")', true],
  ['regex.match(`(?i:a)bc`, "Abc")', true],
  ['regex.match(`(?s)a.b`, "a\\nb")', true],
  ['regex.match(`a.b`, "a\\nb")', false],
  ['regex.match(`(?m)^b$`, "a\\nb\\nc")', true],
  ['regex.match(`^b$`, "a\\nb\\nc")', false],
  ['regex.match(`(?U)a+`, "aaa")', true],
  ['regex.find_n(`(?U)a+`, "aaa", -1)', ["a", "a", "a"]],
  ['regex.find_n(`a+?`, "aaa", -1)', ["a", "a", "a"]],
  ['regex.match(`\\Aabc\\z`, "abc")', true],
  ['regex.match(`\\Aabc\\z`, "abc\\n")', false],
  ['regex.match(`abc$`, "abc\\n")', false],
  ['regex.match(`[[:alpha:]]+`, "abc")', true],
  ['regex.match(`^[[:digit:][:space:]]+$`, "1 2")', true],
  ['regex.match(`^[[:^digit:]]+$`, "abc")', true],
  ['regex.match(`\\pL`, "é")', true],
  ['regex.match(`\\p{Greek}`, "α")', true],
  ['regex.match(`\\PL`, "1")', true],
  ['regex.match(`\\p{Lu}`, "a")', false],
  ['regex.match(`(?P<year>\\d{4})`, "2024")', true],
  ['regex.match(`(?<year>\\d{4})`, "2024")', true],
  ['regex.match(`\\Qa.b\\E`, "a.b")', true],
  ['regex.match(`\\Qa.b\\E`, "axb")', false],
  ['regex.match(`^\\x{41}$`, "A")', true],
  ['regex.match(`^\\101$`, "A")', true],
  ['regex.match(`\\d`, "٣")', false],
  ['regex.match(`\\w`, "é")', false],
  ['regex.match(`\\bé`, "é")', false],
  ['regex.match(`^.$`, "😀")', true],
  ['regex.match(`^..$`, "😀")', false],
  ['regex.match(`^[^a]$`, "😀")', true],
  // RE2 rejects what JavaScript accepts (backreferences, lookaround, possessive)
  ["regex.is_valid(`(a)\\1`)", false],
  ["regex.is_valid(`a(?=b)`)", false],
  ["regex.is_valid(`a(?!b)`)", false],
  ["regex.is_valid(`(?<=a)b`)", false],
  ["regex.is_valid(`(?<!a)b`)", false],
  ["regex.is_valid(`a++`)", false],
  ["regex.is_valid(`a{2,1}`)", false],
  ["regex.is_valid(`a{1001}`)", false],
  ["regex.is_valid(`a{1000}`)", true],
  ["regex.is_valid(`[z-a]`)", false],
  ["regex.is_valid(`(?P<n>a)(?P<n>b)`)", true],
  ["regex.is_valid(`\\8`)", false],
  ["regex.is_valid(`\\cA`)", false],
  ["regex.is_valid(`\\u0041`)", false],
  ["regex.is_valid(`(?x) a b`)", false],
  ["regex.is_valid(`[[:foo:]]`)", false],
  ["regex.is_valid(`x**`)", false],
  ["regex.is_valid(`(`)", false],
  ["regex.is_valid(`\\p{Foo}`)", false],
  ['regex.match(`(a)\\1`, "aa")', UNDEFINED],
  // leftmost-first alternation and submatches
  ['regex.find_n(`a|ab`, "ab", -1)', ["a"]],
  [
    'regex.find_all_string_submatch_n(`(a)(b)?`, "a ab", -1)',
    [
      ["a", "a", ""],
      ["ab", "a", "b"],
    ],
  ],
  [
    'regex.find_all_string_submatch_n(`(?P<x>a)|b`, "ab", -1)',
    [
      ["a", "a"],
      ["b", ""],
    ],
  ],
  ['regex.find_all_string_submatch_n(``, "abc", -1)', [[""], [""], [""], [""]]],
  ['regex.find_n(``, "abc", -1)', ["", "", "", ""]],
  ['regex.find_n(`a*`, "baaab", -1)', ["", "aaa", ""]],
  ['regex.find_n(`a*`, "baaab", 2)', ["", "aaa"]],
  ['regex.find_n(`a`, "aaa", 0)', []],
  ['regex.split(`a*`, "baaac")', ["b", "c"]],
  ['regex.split(``, "abc")', ["a", "b", "c"]],
  ['regex.split(`,`, "a,b,,c,")', ["a", "b", "", "c", ""]],
  ['regex.replace("aaa", `a*`, "x")', "x"],
  ['regex.replace("abc", `(b)`, "[$1]")', "a[b]c"],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Go replace template inside Rego, not JavaScript
  ['regex.replace("abc", `(?P<n>b)`, "[${n}]")', "a[b]c"],
  ['regex.replace("abc", `(b)`, "[$1x]")', "a[]c"],
  ['regex.replace("abc", `(b)`, "$$")', "a$c"],
  ['regex.replace("abc", `b`, "$0")', "abc"],
  ['regex.template_match(`urn:foo:{.*}`, "urn:foo:bar:baz", "{", "}")', true],
  ['regex.template_match(`urn:foo:<[0-9]+>`, "urn:foo:123", "<", ">")', true],
  ["regex.globs_match(`a.*`, `a.b`)", true],
  ["regex.globs_match(`[a-c]+`, `[b-d]+`)", true],
  ["regex.globs_match(`[a-c]+`, `[d-f]+`)", false],
];

describe("regex builtins against RE2 syntax (Go regexp), not JavaScript's", () => {
  test.each(CASES)("%s", (expr, want) => {
    expect(evalExpr(expr)).toEqual(want);
  });
});
