import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/net.ts";
import { RSet } from "../../src/rego/value.ts";
import { caller, expectErr } from "./ext-harness.ts";

const call = caller(builtins);
const set = (...xs: unknown[]) => new RSet(xs as never[]);

describe("net.cidr_contains / intersects", () => {
  it("matches Go's net semantics", () => {
    expect(call("net.cidr_contains", "10.0.0.0/8", "10.1.2.3")).toBe(true);
    expect(call("net.cidr_contains", "10.0.0.0/8", "10.1.0.0/16")).toBe(true);
    expect(call("net.cidr_contains", "10.0.0.0/16", "10.0.0.0/8")).toBe(false);
    expect(call("net.cidr_contains", "2001:db8::/32", "2001:db8:1::/48")).toBe(true);
    expect(call("net.cidr_contains", "2001:db8::/32", "2001:db9::1")).toBe(false);
    expect(call("net.cidr_contains", "10.0.0.0/8", "::ffff:10.1.2.3")).toBe(true);
    expect(call("net.cidr_contains", "::ffff:0:0/96", "10.1.2.3")).toBe(true);
    expect(call("net.cidr_overlap", "10.0.0.0/8", "10.1.2.3")).toBe(true);
    expect(call("net.cidr_intersects", "10.0.0.0/8", "10.1.0.0/16")).toBe(true);
    expect(call("net.cidr_intersects", "10.0.0.0/16", "10.1.0.0/16")).toBe(false);
  });
  it("reports errors", () => {
    expectErr(
      () => call("net.cidr_contains", "10.0.0.0/8", "x"),
      "eval_builtin_error",
      "net.cidr_contains: not a valid textual representation of an IP address or CIDR: x",
    );
    expectErr(
      () => call("net.cidr_contains", "10.0.0.0/8x", "1.1.1.1"),
      "eval_builtin_error",
      "net.cidr_contains: invalid CIDR address: 10.0.0.0/8x",
    );
    expectErr(
      () => call("net.cidr_intersects", "10.0.0.0/8", 1),
      "eval_type_error",
      "operand 1 must be string but got number",
    );
  });
});

describe("net.cidr_contains_matches (conformance netcidrcontainsmatches)", () => {
  it("pairs matching indices", () => {
    expect(call("net.cidr_contains_matches", "1.1.1.0/24", "1.1.1.1")).toEqual(
      set(["1.1.1.0/24", "1.1.1.1"]),
    );
    expect(call("net.cidr_contains_matches", ["1.1.2.0/24", "1.1.1.0/24"], ["1.1.1.1", "1.1.2.1"])).toEqual(
      set([0, 1], [1, 0]),
    );
    expect(
      call("net.cidr_contains_matches", ["1.1.1.0/24", ["2.2.2.0/24", "x"]], {
        a: "1.1.1.5",
        b: ["2.2.2.2"],
      }),
    ).toEqual(set([0, "a"], [1, "b"]));
    expect(
      call(
        "net.cidr_contains_matches",
        set(["1.1.1.0/24", "bar"]),
        set(["1.1.1.1", "baz"], ["1.1.2.1", "qux"]),
      ),
    ).toEqual(
      set([
        ["1.1.1.0/24", "bar"],
        ["1.1.1.1", "baz"],
      ]),
    );
    expectErr(
      () => call("net.cidr_contains_matches", ["1.1.2.0/24"], ["1.1.1.1", 1]),
      "eval_builtin_error",
      "net.cidr_contains_matches: operand 2: element must be string or non-empty array",
    );
  });
});

describe("net.cidr_expand / is_valid / merge", () => {
  it("expands", () => {
    expect(call("net.cidr_expand", "192.168.1.1/30")).toEqual(
      set("192.168.1.0", "192.168.1.1", "192.168.1.2", "192.168.1.3"),
    );
    expect(call("net.cidr_expand", "2001:db8::/126")).toEqual(
      set("2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"),
    );
    expect(call("net.cidr_expand", "::ffff:1.2.3.4/127")).toEqual(set("1.2.3.4", "1.2.3.5"));
  });
  it("validates like net.ParseCIDR", () => {
    expect(call("net.cidr_is_valid", "192.168.1.0/24")).toBe(true);
    expect(call("net.cidr_is_valid", "192.168.1.2")).toBe(false);
    expect(call("net.cidr_is_valid", "010.0.0.0/8")).toBe(false);
    expect(call("net.cidr_is_valid", "10.0.0.0/08")).toBe(true);
    expect(call("net.cidr_is_valid", "::ffff:1.2.3.4/120")).toBe(true);
    expect(call("net.cidr_is_valid", 1)).toBe(false);
  });
  it("merges (conformance netcidrmerge)", () => {
    expect(call("net.cidr_merge", ["192.0.128.0/24", "192.0.129.0/24"])).toEqual(set("192.0.128.0/23"));
    expect(call("net.cidr_merge", ["192.0.2.112/31", "192.0.2.116/31", "192.0.2.118/31"])).toEqual(
      set("192.0.2.112/31", "192.0.2.116/30"),
    );
    expect(
      call("net.cidr_merge", ["2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64", "2601:600:8a80:207e::1/128"]),
    ).toEqual(set("2601:600:8a80:207e::/64"));
    expect(call("net.cidr_merge", ["2001:db8::/33", "2001:db8:8000::/33"])).toEqual(set("2001:db8::/32"));
    expect(call("net.cidr_merge", ["10.0.0.1", "192.168.0.1", "::/0"])).toEqual(set("::/0"));
    // a bare address merged with nothing keeps its text, with the classful mask (opa eval)
    expect(call("net.cidr_merge", ["10.0.0.1"])).toEqual(set("10.0.0.1/8"));
    expectErr(
      () => call("net.cidr_merge", ["2601:600::1"]),
      "eval_builtin_error",
      "net.cidr_merge: IPv6 invalid: needs prefix length",
    );
    expectErr(
      () => call("net.cidr_merge", ["10.0.0.0/8", "x"]),
      "eval_builtin_error",
      "net.cidr_merge: invalid CIDR address: x",
    );
  });
  it("keeps DNS lookups disabled", () => {
    let err: unknown;
    try {
      call("net.lookup_ip_addr", "example.com");
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ halt: true, code: "eval_builtin_error" });
  });
});
