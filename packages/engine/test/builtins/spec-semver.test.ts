/**
 * semver builtins against Semantic Versioning 2.0.0 (semver.org).
 *
 * Items 2, 9, 10 (version, pre-release and build syntax) and 11 (precedence,
 * including the item 11 example chain and build metadata being ignored).
 * Each expectation is what `.cache/bin/opa eval` (v1.22) gives: OPA is the
 * reference where it follows the specification, and where it departs from it
 * Portcullis matches OPA (Gatekeeper compatibility) and a comment says so.
 */
import { describe, expect, test } from "vitest";
import { evalExpr, UNDEFINED } from "./spec-harness.ts";

const CASES: [string, unknown][] = [
  // semver.org 2.0.0 item 2: MAJOR.MINOR.PATCH, non-negative integers, no leading zeros
  [`semver.is_valid("1.0.0")`, true],
  [`semver.is_valid("0.0.0")`, true],
  [`semver.is_valid("1.0")`, false],
  [`semver.is_valid("1")`, false],
  [`semver.is_valid("v1.0.0")`, true],
  [`semver.is_valid("01.0.0")`, false],
  [`semver.is_valid("1.00.0")`, false],
  [`semver.is_valid("1.0.00")`, false],
  [`semver.is_valid("-1.0.0")`, false],
  [`semver.is_valid("1.0.0.0")`, false],
  [`semver.is_valid(" 1.0.0")`, false],
  [`semver.is_valid("1.0.0 ")`, false],
  // OPA departs from semver.org (numbers are unbounded): a component must fit in an int64
  [`semver.is_valid("99999999999999999999.0.0")`, false],
  [`semver.is_valid(1)`, false],
  // item 9: pre-release identifiers [0-9A-Za-z-], non-empty, numeric ones without leading zeros
  [`semver.is_valid("1.0.0-alpha")`, true],
  [`semver.is_valid("1.0.0-alpha.1")`, true],
  [`semver.is_valid("1.0.0-0.3.7")`, true],
  [`semver.is_valid("1.0.0-x.7.z.92")`, true],
  [`semver.is_valid("1.0.0-x-y-z.--")`, true],
  [`semver.is_valid("1.0.0-01")`, false],
  [`semver.is_valid("1.0.0-alpha.01")`, false],
  // item 9: a leading zero is allowed in an alphanumeric identifier
  [`semver.is_valid("1.0.0-0alpha")`, true],
  [`semver.is_valid("1.0.0-")`, false],
  [`semver.is_valid("1.0.0-alpha..1")`, false],
  [`semver.is_valid("1.0.0-alpha_1")`, false],
  [`semver.is_valid("1.0.0-α")`, false],
  // item 10: build metadata
  [`semver.is_valid("1.0.0+20130313144700")`, true],
  [`semver.is_valid("1.0.0-beta+exp.sha.5114f85")`, true],
  [`semver.is_valid("1.0.0+21AF26D3----117B344092BD")`, true],
  // item 10: build identifiers may have leading zeros
  [`semver.is_valid("1.0.0+001")`, true],
  [`semver.is_valid("1.0.0+")`, false],
  [`semver.is_valid("1.0.0+a..b")`, false],
  [`semver.is_valid("1.0.0+a+b")`, false],
  // item 11: precedence
  [`semver.compare("1.0.0", "2.0.0")`, -1],
  [`semver.compare("2.0.0", "2.1.0")`, -1],
  [`semver.compare("2.1.0", "2.1.1")`, -1],
  [`semver.compare("2.1.1", "2.1.1")`, 0],
  [`semver.compare("10.0.0", "9.0.0")`, 1],
  [`semver.compare("1.10.0", "1.9.0")`, 1],
  [`semver.compare("1.0.0-alpha", "1.0.0")`, -1],
  [`semver.compare("1.0.0", "1.0.0-alpha")`, 1],
  [`semver.compare("1.0.0-alpha", "1.0.0-alpha.1")`, -1],
  [`semver.compare("1.0.0-alpha.1", "1.0.0-alpha.beta")`, -1],
  [`semver.compare("1.0.0-alpha.beta", "1.0.0-beta")`, -1],
  [`semver.compare("1.0.0-beta", "1.0.0-beta.2")`, -1],
  [`semver.compare("1.0.0-beta.2", "1.0.0-beta.11")`, -1],
  [`semver.compare("1.0.0-beta.11", "1.0.0-rc.1")`, -1],
  [`semver.compare("1.0.0-rc.1", "1.0.0")`, -1],
  [`semver.compare("1.0.0-2", "1.0.0-10")`, -1],
  [`semver.compare("1.0.0-10", "1.0.0-a")`, -1],
  [`semver.compare("1.0.0-A", "1.0.0-a")`, -1],
  [`semver.compare("1.0.0-a-b", "1.0.0-a")`, 1],
  [`semver.compare("1.0.0-1.2.3", "1.0.0-1.2")`, 1],
  // item 10: build metadata is ignored in precedence
  [`semver.compare("1.0.0+a", "1.0.0+b")`, 0],
  [`semver.compare("1.0.0-alpha+001", "1.0.0-alpha+002")`, 0],
  [`semver.compare("1.0.0+build", "1.0.0")`, 0],
  [`semver.compare("1.0.0-rc.1+build.1", "1.0.0")`, -1],
  // invalid inputs
  [`semver.compare("1.0", "1.0.0")`, UNDEFINED],
  [`semver.compare("v1.0.0", "1.0.0")`, 0],
  [`semver.compare("1.0.0-01", "1.0.0")`, UNDEFINED],
  // as above: not a version for OPA, so the comparison is undefined
  [`semver.compare("99999999999999999999.0.0", "1.0.0")`, UNDEFINED],
];

describe("semver builtins against Semantic Versioning 2.0.0 (semver.org)", () => {
  test.each(CASES)("%s", (expr, want) => {
    expect(evalExpr(expr)).toEqual(want);
  });
});
