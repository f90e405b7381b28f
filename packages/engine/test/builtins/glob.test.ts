import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/glob.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("glob.match (conformance globmatch)", () => {
  it("delimiters", () => {
    expect(call("glob.match", "*.github.com", ["."], "api.github.com")).toBe(true);
    expect(call("glob.match", "*.github.com", ["."], "api.cdn.github.com")).toBe(false);
    expect(call("glob.match", "api.**.com", ["."], "api.cdn.github.com")).toBe(true);
    expect(call("glob.match", "*:github:com", [":"], "api:github:com")).toBe(true);
    expect(call("glob.match", "*", [], "foo.bar")).toBe(false);
    expect(call("glob.match", "*", null, "foo.bar")).toBe(true);
    expect(call("glob.match", "?at", ["f"], "fat")).toBe(false);
    expect(call("glob.match", "?at", ["f"], "bat")).toBe(true);
  });
  it("classes, alternatives, escapes", () => {
    expect(call("glob.match", "[abc]at", [], "cat")).toBe(true);
    expect(call("glob.match", "[!abc]at", [], "cat")).toBe(false);
    expect(call("glob.match", "[a-c]at", [], "bat")).toBe(true);
    expect(call("glob.match", "[!a-c]at", [], "fat")).toBe(true);
    expect(call("glob.match", "{cat,bat,[fr]at}", [], "rat")).toBe(true);
    expect(call("glob.match", "{cat,bat,[fr]at}", [], "at")).toBe(false);
    expect(call("glob.match", "{a,{b,c}}", [], "c")).toBe(true);
    expect(call("glob.match", "\\*", [], "*")).toBe(true);
    expect(call("glob.match", "a-b", [], "a-b")).toBe(true);
    expect(call("glob.match", "[^a]", [], "b")).toBe(false);
  });
  it("errors", () => {
    expectErr(
      () => call("glob.match", "{a,b", [], "a"),
      "eval_builtin_error",
      "glob.match: glob: syntax error at 4: unclosed `{`",
    );
    expectErr(() => call("glob.match", "[a-", [], "a"), "eval_builtin_error", "unexpected end of input");
    expectErr(
      () => call("glob.match", "*", 1, "a"),
      "eval_type_error",
      "glob.match: operand 2 must be one of {array, null} but got number",
    );
    expectErr(
      () => call("glob.match", "*", ["ab"], "a"),
      "eval_type_error",
      "operand 2 must be array of runes but got array containing string",
    );
  });
  it("does not backtrack catastrophically", () => {
    const t = Date.now();
    expect(call("glob.match", "*a*a*a*a*a*a*b", null, "a".repeat(200))).toBe(false);
    expect(Date.now() - t).toBeLessThan(3000);
  });
  it("quote_meta", () => {
    expect(call("glob.quote_meta", "*.github.com")).toBe("\\*.github.com");
    expect(call("glob.quote_meta", "*.{a}[b]?\\!")).toBe("\\*.\\{a\\}\\[b\\]\\?\\\\!");
  });
});
