/**
 * time builtins against the IANA time zone database and RFC 3339.
 *
 * DST transitions (both hemispheres), half- and quarter-hour offsets,
 * abbreviations, aliases, unknown and case-mismatched zone names, the date
 * line, RFC 3339 forms and the int64 nanosecond range.
 * Each expectation is what `.cache/bin/opa eval` (v1.22) gives: OPA is the
 * reference where it follows the specification, and where it departs from it
 * Portcullis matches OPA (Gatekeeper compatibility) and a comment says so.
 *
 * Known differences (left out of the table, listed in LANGUAGE.md):
 * - time.format([0, "Europe/London", "2006-01-02 15:04 MST"]): OPA gives "1970-01-01 01:00 BST", Portcullis "1970-01-01 01:00 +01"
 * - time.format([-1000000000000000000, "Europe/Amsterdam", "2006-01-02 15:04:05 -07:00:00"]): OPA gives "1938-04-24 22:33:20 +00:20:00", Portcullis "1938-04-24 23:13:20 +01:00:00"
 */
import { describe, expect, test } from "vitest";
import { evalExpr, UNDEFINED } from "./spec-harness.ts";

const CASES: [string, unknown][] = [
  // IANA zones: offsets and abbreviations around DST transitions (America/New_York: 2021-03-14 02:00 EST → 03:00 EDT, 2021-11-07 02:00 EDT → 01:00 EST)
  [`time.date([1615705199000000000, "America/New_York"])`, [2021, 3, 14]],
  [`time.clock([1615705199000000000, "America/New_York"])`, [1, 59, 59]],
  [`time.clock([1615705200000000000, "America/New_York"])`, [3, 0, 0]],
  [`time.clock([1636261199000000000, "America/New_York"])`, [0, 59, 59]],
  [`time.clock([1636261200000000000, "America/New_York"])`, [1, 0, 0]],
  [
    `time.format([1615705200000000000, "America/New_York", "2006-01-02T15:04:05Z07:00 MST"])`,
    "2021-03-14T03:00:00-04:00 EDT",
  ],
  [
    `time.format([1615705199000000000, "America/New_York", "2006-01-02T15:04:05Z07:00 MST"])`,
    "2021-03-14T01:59:59-05:00 EST",
  ],
  [`time.parse_ns("2006-01-02 15:04 MST", "2021-03-14 01:30 EST")`, 1615685400000000000],
  [`time.parse_rfc3339_ns("2021-11-07T01:30:00-04:00")`, 1636263000000000000],
  [`time.parse_rfc3339_ns("2021-11-07T01:30:00-05:00")`, 1636266600000000000],
  [`time.add_date(1615669200000000000, 0, 0, 1)`, 1615755600000000000],
  [
    `time.diff([1615705199000000000, "America/New_York"], [1615705200000000000, "America/New_York"])`,
    [0, 0, 0, 1, 0, 1],
  ],
  // southern hemisphere and half-hour / 45-minute offsets
  [
    `time.format([1617458400000000000, "Australia/Sydney", "2006-01-02 15:04 MST -0700"])`,
    "2021-04-04 01:00 AEDT +1100",
  ],
  [
    `time.format([1617462000000000000, "Australia/Sydney", "2006-01-02 15:04 MST -0700"])`,
    "2021-04-04 02:00 AEDT +1100",
  ],
  [`time.format([1609459200000000000, "Asia/Kolkata", "15:04 -07:00"])`, "05:30 +05:30"],
  [`time.format([1609459200000000000, "Asia/Kathmandu", "15:04 -07:00"])`, "05:45 +05:45"],
  [`time.format([1609459200000000000, "Australia/Lord_Howe", "15:04 -07:00"])`, "11:00 +11:00"],
  [`time.format([1625097600000000000, "Australia/Lord_Howe", "15:04 -07:00"])`, "10:30 +10:30"],
  [`time.format([1609459200000000000, "Pacific/Chatham", "15:04 -07:00 MST"])`, "13:45 +13:45 +1345"],
  [`time.format([1609459200000000000, "America/St_Johns", "15:04 -07:00 MST"])`, "20:30 -03:30 NST"],
  // zones with no DST, historical changes, aliases, UTC and Local
  [`time.format([1609459200000000000, "Asia/Tokyo", "15:04 MST"])`, "09:00 JST"],
  [`time.format([1609459200000000000, "US/Eastern", "15:04 MST"])`, "19:00 EST"],
  [`time.format([1609459200000000000, "Etc/GMT+5", "15:04 MST -07:00"])`, "19:00 -05 -05:00"],
  [`time.format([1609459200000000000, "UTC", "15:04 MST"])`, "00:00 UTC"],
  [`time.format([1609459200000000000, "", "15:04 MST"])`, "00:00 UTC"],
  [`time.format([1609459200000000000, "Nowhere/Special", "15:04 MST"])`, UNDEFINED],
  [`time.format([1609459200000000000, "america/new_york", "15:04 MST"])`, UNDEFINED],
  [`time.format([1609459200000000000, "Europe/Kyiv", "15:04 MST"])`, "02:00 EET"],
  [`time.format([1609459200000000000, "Europe/Kiev", "15:04 MST"])`, "02:00 EET"],
  [`time.weekday([1609459200000000000, "Pacific/Kiritimati"])`, "Friday"],
  [`time.weekday([1609459200000000000, "Pacific/Pago_Pago"])`, "Thursday"],
  [`time.date([1609459200000000000, "Pacific/Apia"])`, [2021, 1, 1]],
  [`time.date([1325239200000000000, "Pacific/Apia"])`, [2011, 12, 31]],
  // RFC 3339 forms
  [`time.parse_rfc3339_ns("2021-01-01T00:00:00Z")`, 1609459200000000000],
  [`time.parse_rfc3339_ns("2021-01-01T00:00:00.123456789Z")`, 1609459200123456800],
  [`time.parse_rfc3339_ns("2021-01-01t00:00:00z")`, UNDEFINED],
  [`time.parse_rfc3339_ns("2021-01-01 00:00:00Z")`, UNDEFINED],
  [`time.parse_rfc3339_ns("2021-01-01T00:00:60Z")`, UNDEFINED],
  [`time.parse_rfc3339_ns("2021-02-29T00:00:00Z")`, UNDEFINED],
  [`time.parse_rfc3339_ns("2020-02-29T00:00:00Z")`, 1582934400000000000],
  [`time.parse_rfc3339_ns("2021-01-01T00:00:00+24:00")`, 1609372800000000000],
  [`time.parse_rfc3339_ns("1677-09-21T00:12:43.145224192Z")`, -9223372036854776000],
  [`time.parse_rfc3339_ns("2262-04-11T23:47:16.854775807Z")`, 9223372036854776000],
  [`time.parse_rfc3339_ns("2262-04-11T23:47:16.854775808Z")`, UNDEFINED],
  [`time.format([1625097600000000000, "America/St_Johns", "15:04 -07:00 MST"])`, "21:30 -02:30 NDT"],
  [`time.format([1625097600000000000, "Europe/London", "15:04 MST"])`, "01:00 BST"],
  [`time.format([1609459200000000000, "Europe/Dublin", "15:04 MST"])`, "00:00 GMT"],
  [`time.format([1625097600000000000, "Europe/Dublin", "15:04 MST"])`, "01:00 IST"],
  [`time.format([1609459200000000000, "America/Sao_Paulo", "15:04 MST"])`, "21:00 -03"],
  [`time.format([1609459200000000000, "Asia/Dubai", "15:04 MST"])`, "04:00 +04"],
  [`time.format([1609459200000000000, "Asia/Kolkata", "15:04 MST"])`, "05:30 IST"],
  [`time.format([1609459200000000000, "Europe/Berlin", "15:04 MST"])`, "01:00 CET"],
  [`time.format([1625097600000000000, "Europe/Berlin", "15:04 MST"])`, "02:00 CEST"],
  [`time.format([1609459200000000000, "Australia/Adelaide", "15:04 MST -07:00"])`, "10:30 ACDT +10:30"],
  [`time.format([1609459200000000000, "Pacific/Auckland", "15:04 MST -07:00"])`, "13:00 NZDT +13:00"],
];

describe("time builtins against the IANA time zone database and RFC 3339", () => {
  test.each(CASES)("%s", (expr, want) => {
    expect(evalExpr(expr)).toEqual(want);
  });
});
