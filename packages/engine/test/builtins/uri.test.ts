import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/uri.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);

describe("uri.parse / uri.is_valid (Go net/url)", () => {
  it("parses the parts OPA returns", () => {
    expect(call("uri.parse", "https://user:pw@example.com:8443/a%20b/c?x=1&y=2#frag%20x")).toEqual({
      scheme: "https",
      hostname: "example.com",
      port: "8443",
      path: "/a b/c",
      raw_path: "/a b/c",
      raw_query: "x=1&y=2",
      fragment: "frag x",
    });
    expect(call("uri.parse", "https://example.com/a%2Fb")).toEqual({
      scheme: "https",
      hostname: "example.com",
      path: "/a/b",
      raw_path: "/a%2Fb",
    });
    expect(call("uri.parse", "https://example.com/a%21b")).toMatchObject({ path: "/a!b", raw_path: "/a!b" });
    expect(call("uri.parse", "http://[fe80::1%25en0]/")).toMatchObject({ hostname: "fe80::1%en0" });
    expect(call("uri.parse", "foo://host:1:2/")).toMatchObject({ hostname: "host:1", port: "2" });
    expect(call("uri.parse", "mailto:joe@example.com")).toEqual({ scheme: "mailto" });
    expect(call("uri.parse", "http://foo]bar/")).toEqual({
      scheme: "http",
      hostname: "foo]bar",
      path: "/",
      raw_path: "/",
    });
  });
  it("rejects what Go rejects", () => {
    const bad: [string, string][] = [
      ["http://exa%6dple.com/", 'invalid URL escape "%6d"'],
      ["http://a<b@example.com/", "net/url: invalid userinfo"],
      ["http://example.com:٣٤/", 'invalid port ":٣٤" after host'],
      ["http://host:1:2/", 'invalid port ":1:2" after host'],
      ["1:b", "first path segment in URL cannot contain colon"],
      ["http://[1.2.3.4]/", "invalid IP-literal"],
      ["http://ex ample.com/", 'invalid character " " in host name'],
    ];
    for (const [s, msg] of bad) {
      expect(call("uri.is_valid", s)).toBe(false);
      expectErr(
        () => call("uri.parse", s),
        "eval_builtin_error",
        `uri.parse: parse ${JSON.stringify(s)}: ${msg}`,
      );
    }
    expect(call("uri.is_valid", "")).toBe(false);
    expect(call("uri.is_valid", 1)).toBe(false);
    expect(call("uri.is_valid", "/relative")).toBe(true);
  });
});
