import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/encoding.ts";
import { RSet } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("base64", () => {
  it("encodes and decodes (conformance base64builtins)", () => {
    expect(call("base64.encode", "hello")).toBe("aGVsbG8=");
    expect(call("base64.encode", "subjects?_d")).toBe("c3ViamVjdHM/X2Q=");
    expect(call("base64.decode", "dGhlcmU=")).toBe("there");
    expect(call("base64.is_valid", "aGVsbG8=")).toBe(true);
    expect(call("base64.is_valid", "{'not':'base64'}")).toBe(false);
    expect(call("base64.is_valid", "aGVsbG8")).toBe(false);
  });
  it("follows Go's decoder leniency and error offsets", () => {
    expect(call("base64.decode", "aGVsbG9=")).toBe("hello");
    expect(call("base64.decode", "aGVs\nbG8=")).toBe("hello");
    expect(call("base64.decode", "/w==")).toBe("\ufffd");
    expectErr(
      () => call("base64.decode", "aGVsbG8"),
      "eval_builtin_error",
      "illegal base64 data at input byte 4",
    );
    expectErr(() => call("base64.decode", "aGVs!G8="), "eval_builtin_error", "input byte 4");
    expectErr(
      () => call("base64.decode", 1),
      "eval_type_error",
      "base64.decode: operand 1 must be string but got number",
    );
  });
  it("base64url", () => {
    expect(call("base64url.encode", "hello")).toBe("aGVsbG8=");
    expect(call("base64url.encode_no_pad", "there")).toBe("dGhlcmU");
    expect(call("base64url.decode", "aGVsbG8=")).toBe("hello");
    expect(call("base64url.decode", "aGVsbG8")).toBe("hello");
    expect(call("base64url.encode", "\u00ff\u00fe")).toBe("w7_Dvg==");
    expectErr(
      () => call("base64url.decode", "a"),
      "eval_builtin_error",
      "base64url.decode: illegal base64url string: a",
    );
    expectErr(
      () => call("base64url.decode", "aGVsbG8+"),
      "eval_builtin_error",
      "illegal base64 data at input byte 7",
    );
  });
});

describe("hex", () => {
  it("encodes and decodes", () => {
    expect(call("hex.encode", "lorem ipsum")).toBe("6c6f72656d20697073756d");
    expect(call("hex.decode", "6c6f72656d20697073756d")).toBe("lorem ipsum");
    expect(call("hex.encode", "\u00e9")).toBe("c3a9");
  });
  it("reports Go's errors", () => {
    expectErr(() => call("hex.decode", "fghijkl"), "eval_builtin_error", "invalid byte: U+0067 'g'");
    expectErr(
      () => call("hex.decode", "abc"),
      "eval_builtin_error",
      "hex.decode: encoding/hex: odd length hex string",
    );
    expectErr(() => call("hex.decode", "\u00e9"), "eval_builtin_error", "invalid byte: U+00C3 'Ã'");
    expectErr(() => call("hex.decode", "ab\u0001"), "eval_builtin_error", "invalid byte: U+0001");
  });
});

describe("urlquery", () => {
  it("escapes like url.QueryEscape", () => {
    expect(call("urlquery.encode", "a b&c=d/é~*")).toBe("a+b%26c%3Dd%2F%C3%A9~%2A");
    expect(call("urlquery.decode", "a+b%20c%C3%A9")).toBe("a b cé");
    expectErr(
      () => call("urlquery.decode", "%zz"),
      "eval_builtin_error",
      'urlquery.decode: invalid URL escape "%zz"',
    );
    expectErr(() => call("urlquery.decode", "a%"), "eval_builtin_error", 'invalid URL escape "%"');
  });
  it("encodes objects with sorted keys", () => {
    expect(call("urlquery.encode_object", { b: ["x", "y"], a: new RSet(["z", "w"]), c: "1 2" })).toBe(
      "a=w&a=z&b=x&b=y&c=1+2",
    );
    expectErr(
      () => call("urlquery.encode_object", { a: 1 }),
      "eval_type_error",
      "urlquery.encode_object: operand 1 values must be string, array[string], or set[string]",
    );
    expectErr(
      () => call("urlquery.encode_object", [1]),
      "eval_type_error",
      "operand 1 must be object but got array",
    );
  });
  it("decodes objects like url.ParseQuery", () => {
    expect(call("urlquery.decode_object", "a=1&b=2&a=3&c")).toEqual({ a: ["1", "3"], b: ["2"], c: [""] });
    expect(call("urlquery.decode_object", "=1&&b")).toEqual({ "": ["1"], b: [""] });
    expectErr(
      () => call("urlquery.decode_object", "a=1;b=2"),
      "eval_builtin_error",
      "invalid semicolon separator in query",
    );
    expectErr(
      () => call("urlquery.decode_object", "a=%zz"),
      "eval_builtin_error",
      'invalid URL escape "%zz"',
    );
  });
});
