import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/regex.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("regex.match", () => {
  it("matches (conformance regexmatch)", () => {
    expect(call("regex.match", "^[a-z]+\\[[0-9]+\\]$", "foo[1]")).toBe(true);
    expect(call("regex.match", "^$", "")).toBe(true);
    expect(call("regex.match", "", "x")).toBe(true);
    expect(call("regex.match", "^$", "something")).toBe(false);
    expect(call("re_match", "[[:alpha:]]+", "abc")).toBe(true);
  });
  it("follows RE2 syntax where JS differs", () => {
    expect(call("regex.match", "(?i)ABC", "abc")).toBe(true);
    expect(call("regex.match", "a(?i)b|c", "C")).toBe(true);
    expect(call("regex.match", "a(?i:b)c", "aBC")).toBe(false);
    expect(call("regex.match", "a.c", "a\nc")).toBe(false);
    expect(call("regex.match", "a.c", "a\rc")).toBe(true);
    expect(call("regex.match", "(?s)a.c", "a\nc")).toBe(true);
    expect(call("regex.match", "(?m)^b$", "a\nb\nc")).toBe(true);
    expect(call("regex.match", "^b$", "a\nb\nc")).toBe(false);
    expect(call("regex.match", "\\Aab\\z", "ab")).toBe(true);
    expect(call("regex.match", "\\Qa.b\\E", "a.b")).toBe(true);
    expect(call("regex.match", "\\Qa.b\\E", "axb")).toBe(false);
    expect(call("regex.match", "x{", "x{")).toBe(true);
    expect(call("regex.match", "\\pL", "é")).toBe(true);
    expect(call("regex.match", "\\p{Greek}", "α")).toBe(true);
    expect(call("regex.match", "\\x{41}\\101", "AA")).toBe(true);
    expect(call("regex.match", "[^\\s]+", " ")).toBe(false);
    expect(call("regex.match", "^\\s$", "\u00a0")).toBe(false);
    expect(call("regex.match", "(?P<n>a)(?P<n>b)", "ab")).toBe(true);
    expect(call("regex.match", "[\\]a-]", "-")).toBe(true);
    expect(call("regex.match", "\\-\\!", "-!")).toBe(true);
    expect(call("regex.match", "(?U)a+", "aa")).toBe(true);
    expect(call("regex.match", "x|^*y", "y")).toBe(true);
    expect(call("regex.is_valid", "((a{10}){10}){10}")).toBe(true);
    // A quantifier after \Q..\E binds to the last literal character.
    expect(call("regex.match", "^a\\Q.*\\E??$", "a.")).toBe(true);
    expect(call("regex.match", "^a\\Q.*\\E??$", "a")).toBe(false);
  });
  it("reports Go's parse errors", () => {
    const bad: [string, string][] = [
      ["(", "missing closing ): `(`"],
      ["a{2000}", "invalid repeat count: `{2000}`"],
      ["(?=a)", "invalid or unsupported Perl syntax: `(?=`"],
      ["\\1", "invalid escape sequence: `\\1`"],
      ["[z-a]", "invalid character class range: `z-a`"],
      ["a**", "invalid nested repetition operator: `**`"],
      ["*", "missing argument to repetition operator: `*`"],
      [")", "unexpected ): `)`"],
      ["[a", "missing closing ]: `[a`"],
      ["\\", "trailing backslash at end of expression: ``"],
      ["\\q", "invalid escape sequence: `\\q`"],
      ["((a{10}){10}){11}", "invalid repeat count: `{11}`"],
      ["(a{2}|b{3}){400}", "invalid repeat count: `{400}`"],
      ["[a-\\d]", "invalid escape sequence: `\\d`"],
    ];
    for (const [p, msg] of bad)
      expectErr(
        () => call("regex.match", p, "a"),
        "eval_builtin_error",
        `regex.match: error parsing regexp: ${msg}`,
      );
    expectErr(
      () => call("regex.match", 1, "a"),
      "eval_type_error",
      "regex.match: operand 1 must be string but got number",
    );
  });
  it("survives patterns that backtrack catastrophically in JS (RE2 is linear)", () => {
    const t = Date.now();
    expect(call("regex.match", "(a+)+$", `${"a".repeat(40)}!`)).toBe(false);
    expect(call("regex.match", "^(a|aa)+$", `${"a".repeat(60)}!`)).toBe(false);
    expect(Date.now() - t).toBeLessThan(3000);
  });
  it("is_valid", () => {
    expect(call("regex.is_valid", ".+")).toBe(true);
    expect(call("regex.is_valid", "++")).toBe(false);
    expect(call("regex.is_valid", 1)).toBe(false);
  });
});

describe("find/split/replace", () => {
  it("find_n and submatches follow Go's empty-match rules", () => {
    expect(call("regex.find_n", "a.", "paranormal", -1)).toEqual(["ar", "an", "al"]);
    expect(call("regex.find_n", "a", "aaa", 2)).toEqual(["a", "a"]);
    expect(call("regex.find_n", "a", "aaa", 0)).toEqual([]);
    expect(call("regex.find_n", "x*", "abc", -1)).toEqual(["", "", "", ""]);
    expect(call("regex.find_n", "x*", "xab", -1)).toEqual(["x", "", ""]);
    expect(call("regex.find_n", "$", "😀x😀", -1)).toEqual([""]);
    expect(call("regex.split", "^", "😀x😀")).toEqual(["😀x😀"]);
    expect(call("regex.find_n", "(?m)^.", "😀\n😀", -1)).toEqual(["😀", "😀"]);
    expect(call("regex.find_all_string_submatch_n", "a(x)?", "aax", -1)).toEqual([
      ["a", ""],
      ["ax", "x"],
    ]);
  });
  it("split (conformance regexsplit)", () => {
    expect(call("regex.split", "^[a-z]+\\[[0-9]+\\]$", "")).toEqual([""]);
    expect(call("regex.split", "^[a-z]+", "foobar baz")).toEqual(["", " baz"]);
    expect(call("regex.split", "[a-z]+$", "foobar baz")).toEqual(["foobar ", ""]);
    expect(call("regex.split", "^[a-z]+$", "foobar baz")).toEqual(["foobar baz"]);
    expect(call("regex.split", "^[a-z ]+$", "foobar baz")).toEqual(["", ""]);
    expect(call("regex.split", "z+", "pizza")).toEqual(["pi", "a"]);
    expect(call("regex.split", "", "abc")).toEqual(["a", "b", "c"]);
  });
  it("replace expands $ templates like Go", () => {
    expect(call("regex.replace", "abc", "(b)", "[$1]")).toBe("a[b]c");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Go replacement template
    expect(call("regex.replace", "abc", "(?P<x>b)", "[${x}$1x]")).toBe("a[b]c");
    expect(call("regex.replace", "abc", "b", "$$")).toBe("a$c");
    expect(call("regex.replace", "abc", "x*", "-")).toBe("-a-b-c-");
  });
  it("template_match", () => {
    expect(call("regex.template_match", "urn:foo:{.*}", "urn:foo:bar:baz", "{", "}")).toBe(true);
    expect(call("regex.template_match", "urn:foo.bar.com:{.*}", "urn:foo.bar.com:bar:baz", "{", "}")).toBe(
      true,
    );
    expect(call("regex.template_match", "urn:foo.bar.com:{.*}", "urn:fooxbar.com:bar:baz", "{", "}")).toBe(
      false,
    );
    expectErr(
      () => call("regex.template_match", "urn:foo:{.*", "urn:foo:bar:baz", "{", "}"),
      "eval_builtin_error",
      'regex.template_match: unbalanced braces in "urn:foo:{.*"',
    );
    expectErr(
      () => call("regex.template_match", "a", "a", "é", "}"),
      "eval_builtin_error",
      "start delimiter has to be exactly one character long but is 2 long",
    );
    expectErr(
      () => call("regex.template_match", "a", "a", "{", ""),
      "eval_builtin_error",
      "end delimiter has to be exactly one character long but is 1 long",
    );
  });
});

describe("regex.globs_match", () => {
  it("decides intersection (conformance globsmatch)", () => {
    expect(call("regex.globs_match", "a.a.[0-9]+z", ".b.b2359825792*594823z")).toBe(true);
    expect(call("regex.globs_match", "[a-z]+", "[0-9]*")).toBe(false);
    expect(call("regex.globs_match", "[a-z]+\\[[0-9]+\\]", "foo\\[1\\]")).toBe(true);
    expect(call("regex.globs_match", "a.*", "ab+")).toBe(true);
    expect(call("regex.globs_match", "a[0-9]+", "a[a-z]+")).toBe(false);
    expect(call("regex.globs_match", "a*b*", "")).toBe(false);
  });
  it("reports the library's parse errors", () => {
    expectErr(
      () => call("regex.globs_match", "pqrs]", "[a-b]+"),
      "eval_builtin_error",
      "input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is invalid",
    );
    expectErr(
      () => call("regex.globs_match", "*a", "a"),
      "eval_builtin_error",
      "input:*a, pos:1, flag '*' must be preceded by a non-flag",
    );
    expectErr(
      () => call("regex.globs_match", "[ab", "a"),
      "eval_builtin_error",
      "input:[ab, pos:3, found [ without matching ]",
    );
  });
});
