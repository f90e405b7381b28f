/**
 * CIDR builtins against RFC 4632 (IPv4 CIDR) and RFC 4291 (IPv6 addressing).
 *
 * Prefix lengths, host bits, invalid forms, IPv6 text forms (section 2.2:
 * zero compression, mixed IPv4 tail, case), IPv4-mapped addresses, merging.
 * Each expectation is what `.cache/bin/opa eval` (v1.22) gives: OPA is the
 * reference where it follows the specification, and where it departs from it
 * Portcullis matches OPA (Gatekeeper compatibility) and a comment says so.
 */
import { describe, expect, test } from "vitest";
import { evalExpr, UNDEFINED } from "./spec-harness.ts";

const CASES: [string, unknown][] = [
  // RFC 4632: prefix lengths and host bits
  [`net.cidr_contains("10.0.0.0/8", "10.255.255.255")`, true],
  [`net.cidr_contains("10.0.0.0/8", "11.0.0.0")`, false],
  [`net.cidr_contains("10.1.2.3/8", "10.200.0.1")`, true],
  [`net.cidr_contains("0.0.0.0/0", "255.255.255.255")`, true],
  [`net.cidr_contains("192.168.1.1/32", "192.168.1.1")`, true],
  [`net.cidr_contains("192.168.1.1/32", "192.168.1.2")`, false],
  [`net.cidr_contains("10.0.0.0/8", "10.0.0.0/16")`, true],
  [`net.cidr_contains("10.0.0.0/16", "10.0.0.0/8")`, false],
  [`net.cidr_contains("10.0.0.0/33", "10.0.0.1")`, UNDEFINED],
  [`net.cidr_contains("10.0.0.0/-1", "10.0.0.1")`, UNDEFINED],
  [`net.cidr_contains("10.0.0/8", "10.0.0.1")`, UNDEFINED],
  [`net.cidr_contains("010.0.0.0/8", "10.0.0.1")`, UNDEFINED],
  // OPA (Go's net.ParseCIDR) accepts a zero-padded prefix length
  [`net.cidr_contains("10.0.0.0/08", "10.0.0.1")`, true],
  [`net.cidr_contains("256.0.0.0/8", "10.0.0.1")`, UNDEFINED],
  [`net.cidr_contains("10.0.0.0", "10.0.0.1")`, UNDEFINED],
  [`net.cidr_intersects("10.0.0.0/8", "10.128.0.0/9")`, true],
  [`net.cidr_intersects("10.0.0.0/9", "10.128.0.0/9")`, false],
  [`net.cidr_intersects("0.0.0.0/0", "::/0")`, false],
  [`net.cidr_is_valid("10.0.0.0/8")`, true],
  [`net.cidr_is_valid("10.0.0.1/8")`, true],
  [`net.cidr_is_valid("10.0.0.0/33")`, false],
  [`net.cidr_is_valid("10.0.0.0")`, false],
  [`net.cidr_is_valid("::/0")`, true],
  [`net.cidr_is_valid("::/129")`, false],
  [`net.cidr_is_valid("1.2.3.4/24 ")`, false],
  [`net.cidr_is_valid("")`, false],
  [`net.cidr_expand("192.168.0.0/30")`, ["192.168.0.0", "192.168.0.1", "192.168.0.2", "192.168.0.3"]],
  [`net.cidr_expand("192.168.0.1/31")`, ["192.168.0.0", "192.168.0.1"]],
  [`net.cidr_expand("10.0.0.7/32")`, ["10.0.0.7"]],
  [`net.cidr_expand("fd00::/127")`, ["fd00::", "fd00::1"]],
  [`net.cidr_merge(["192.168.0.0/25", "192.168.0.128/25"])`, ["192.168.0.0/24"]],
  [`net.cidr_merge(["192.168.0.0/24", "192.168.0.0/25"])`, ["192.168.0.0/24"]],
  [`net.cidr_merge(["192.168.1.0/24", "192.168.0.0/24", "192.168.2.0/23"])`, ["192.168.0.0/22"]],
  // OPA departs from RFC 4632 (classless): a bare IPv4 address gets its classful default mask (10.x → /8)
  [`net.cidr_merge(["10.0.0.1", "10.0.0.0"])`, ["10.0.0.0/8"]],
  [`net.cidr_merge(["10.0.0.1/24"])`, ["10.0.0.0/24"]],
  [`net.cidr_merge(["192.168.0.0/25", "fd00::/8", "fd00::/9"])`, ["192.168.0.0/25", "fd00::/8"]],
  [`net.cidr_merge({"10.0.0.0/9", "10.128.0.0/9"})`, ["10.0.0.0/8"]],
  [`net.cidr_merge(["0.0.0.0/1", "128.0.0.0/1"])`, ["0.0.0.0/0"]],
  // RFC 4291 section 2.2: IPv6 text forms
  [`net.cidr_contains("2001:db8::/32", "2001:db8:ffff:ffff::1")`, true],
  [`net.cidr_contains("2001:db8::/32", "2001:db9::")`, false],
  [`net.cidr_contains("2001:DB8::/32", "2001:db8::1")`, true],
  [`net.cidr_contains("2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8::1")`, true],
  [`net.cidr_contains("::/0", "::1")`, true],
  [`net.cidr_contains("::1/128", "0:0:0:0:0:0:0:1")`, true],
  [`net.cidr_contains("::ffff:0:0/96", "::ffff:10.1.2.3")`, true],
  [`net.cidr_contains("::ffff:10.0.0.0/104", "10.1.2.3")`, true],
  // RFC 4291 2.5.5.2: an IPv4-mapped IPv6 address is the IPv4 address
  [`net.cidr_contains("10.0.0.0/8", "::ffff:10.1.2.3")`, true],
  // RFC 4007 zone ids are not accepted (Go's net.ParseIP)
  [`net.cidr_contains("fe80::/10", "fe80::1%eth0")`, UNDEFINED],
  [`net.cidr_contains("2001:db8::/32", "2001:db8:::1")`, UNDEFINED],
  [`net.cidr_contains("2001:db8::/32", "2001:db8::1::2")`, UNDEFINED],
  [`net.cidr_contains("2001:db8::/32", "2001:db8:0:0:0:0:0:0:1")`, UNDEFINED],
  [`net.cidr_contains("2001:db8::/32", "12001:db8::1")`, UNDEFINED],
  [`net.cidr_contains("1:2:3:4:5:6:1.2.3.4/128", "1:2:3:4:5:6:102:304")`, true],
  [
    `net.cidr_contains_matches(["10.0.0.0/8", "2001:db8::/32"], ["10.1.1.1", "2001:db8::5", "192.168.0.1"])`,
    [
      [0, 0],
      [1, 1],
    ],
  ],
  [`net.cidr_contains_matches({"a": "10.0.0.0/8"}, {"x": "10.9.9.9"})`, [["a", "x"]]],
  [`net.cidr_expand("2001:db8::/126")`, ["2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"]],
  [`net.cidr_intersects("2001:db8::/32", "2001:db8:8000::/33")`, true],
  [`net.cidr_is_valid("2001:db8::/32")`, true],
  [`net.cidr_is_valid("2001:db8::1/64")`, true],
  [`net.cidr_is_valid("::ffff:1.2.3.4/120")`, true],
  [`net.cidr_is_valid("fe80::1%eth0/64")`, false],
];

describe("CIDR builtins against RFC 4632 (IPv4 CIDR) and RFC 4291 (IPv6 addressing)", () => {
  test.each(CASES)("%s", (expr, want) => {
    expect(evalExpr(expr)).toEqual(want);
  });
});
