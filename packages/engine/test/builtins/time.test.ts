import { describe, expect, it } from "vitest";
import { builtins } from "../../src/rego/builtins/time.ts";
import { caller, expectErr, makeCtx } from "./ext-harness.ts";

const call = caller(builtins);
const T = 1670006453141828752n;

describe("time.now_ns", () => {
  it("returns the evaluation time", () => {
    const c = caller(builtins, makeCtx(1700000000123456789n));
    expect(c("time.now_ns")).toBe(1700000000123456789n);
    expect(c("time.now_ns")).toBe(c("time.now_ns"));
  });
});

describe("time.parse_ns / parse_rfc3339_ns (conformance time/parse_nanos)", () => {
  it("parses Go layouts", () => {
    const rfc = "2006-01-02T15:04:05Z07:00";
    expect(call("time.parse_ns", rfc, "2017-06-02T19:00:00-07:00")).toBe(1496455200000000000n);
    expect(call("time.parse_ns", rfc, "1677-09-21T00:12:43.145224192-00:00")).toBe(-9223372036854775808n);
    expect(call("time.parse_ns", rfc, "2262-04-11T23:47:16.854775807-00:00")).toBe(9223372036854775807n);
    expect(call("time.parse_ns", "01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700")).toBe(
      1496455200000000000n,
    );
    expect(call("time.parse_ns", "02 Jan 06 15:04 -0700", "02 Jun 17 19:00 -0700")).toBe(
      1496455200000000000n,
    );
    expect(call("time.parse_ns", "RFC822Z", "02 Jun 17 19:00 -0700")).toBe(1496455200000000000n);
    expect(call("time.parse_ns", "Jan _2 2006 3:04pm", "Feb  3 2020 4:05pm")).toBe(1580745900000000000n);
    expect(call("time.parse_ns", "2006-002", "2020-060")).toBe(1582934400000000000n);
    expect(call("time.parse_ns", rfc, "2020-01-01T00:00:00.123456789123+01:00")).toBe(1577833200123456789n);
    expect(call("time.parse_ns", "Monday 2006", "Tuesday 2020")).toBe(1577836800000000000n);
    expect(call("time.parse_ns", "2006-01-02 MST", "2020-02-03 PST")).toBe(1580688000000000000n);
    expect(call("time.parse_rfc3339_ns", "1970-01-01T00:00:00-00:00")).toBe(0);
  });
  it("reports Go's errors", () => {
    const e = (layout: string, value: string, msg: string) =>
      expectErr(() => call("time.parse_ns", layout, value), "eval_builtin_error", `time.parse_ns: ${msg}`);
    e("2006-01-02", "2020-02-3x", 'parsing time "2020-02-3x" as "2006-01-02": cannot parse "3x" as "02"');
    e("2006-01-02", "2020-02-03 extra", 'parsing time "2020-02-03 extra": extra text: " extra"');
    e("2006-01-02", "2020-13-01", 'parsing time "2020-13-01": month out of range');
    e("2006-01-02", "2020-02-30", 'parsing time "2020-02-30": day out of range');
    e("15:04", "25:00", 'parsing time "25:00": hour out of range');
    e(
      "2006-01-02T15:04:05.000Z",
      "2020-01-01T00:00:00.12Z",
      'parsing time "2020-01-01T00:00:00.12Z" as "2006-01-02T15:04:05.000Z": cannot parse ".12Z" as ".000"',
    );
    e("2006-01-02T15:04:05Z07:00", "1677-09-21T00:12:43.145224191-00:00", "time outside of valid range");
    e("2006-01-02T15:04:05Z07:00", "2262-04-11T23:47:16.854775808-00:00", "time outside of valid range");
    expectErr(
      () => call("time.parse_rfc3339_ns", "2020-01-01T00:00:00"),
      "eval_builtin_error",
      'parsing time "2020-01-01T00:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"',
    );
  });
});

describe("time.parse_duration_ns", () => {
  it("parses Go durations and OPA's d/w/y units", () => {
    expect(call("time.parse_duration_ns", "1h30m1.5s")).toBe(5401500000000);
    expect(call("time.parse_duration_ns", "-1.5us")).toBe(-1500);
    expect(call("time.parse_duration_ns", "1w2d")).toBe(777600000000000);
    expect(call("time.parse_duration_ns", "0.5y")).toBe(15768000000000000n);
    expect(call("time.parse_duration_ns", "1.5d")).toBe(129600000000000);
    expect(call("time.parse_duration_ns", "0")).toBe(0);
  });
  it("rejects bad durations", () => {
    const e = (s: string, msg: string) =>
      expectErr(
        () => call("time.parse_duration_ns", s),
        "eval_builtin_error",
        `time.parse_duration_ns: ${msg}`,
      );
    e("1", 'time: missing unit in duration "1"');
    e("1x2d", 'time: unknown unit "x" in duration "1x2d"');
    e("1..5d", 'time: invalid duration "1..5d"');
    e("9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"');
    e("", 'time: invalid duration ""');
    e(".s", 'time: invalid duration ".s"');
    e("1dd", 'time: invalid duration "1dd"');
  });
});

describe("time.date / clock / weekday (conformance time/*)", () => {
  it("computes calendar fields in zones", () => {
    expect(call("time.date", 1517814000000000000n)).toEqual([2018, 2, 5]);
    expect(call("time.date", [1517814000000000000n, "America/Los_Angeles"])).toEqual([2018, 2, 4]);
    expect(call("time.date", [1517832000000000000n, ""])).toEqual([2018, 2, 5]);
    expect(call("time.date", 1582977600000000000n)).toEqual([2020, 2, 29]);
    expect(call("time.clock", 1517832000000000000n)).toEqual([12, 0, 0]);
    expect(call("time.clock", [1517832000000000000n, "America/New_York"])).toEqual([7, 0, 0]);
    expect(call("time.weekday", 1517832000000000000n)).toBe("Monday");
    expect(call("time.weekday", 1518177600000000000n)).toBe("Friday");
    expect(call("time.weekday", [T, "Asia/Kolkata"])).toBe("Saturday");
    expect(call("time.date", -1)).toEqual([1969, 12, 31]);
  });
  it("checks operands", () => {
    expectErr(() => call("time.clock", 1582977600000000000000n), "eval_builtin_error", "timestamp too big");
    expectErr(() => call("time.date", 1.5), "eval_builtin_error", "time.date: timestamp too big");
    expectErr(
      () => call("time.date", []),
      "eval_type_error",
      "time.date: operand 1 must be either number (ns) or [number (ns), string (tz)] but got array",
    );
    expectErr(
      () => call("time.date", ["1"]),
      "eval_type_error",
      "time.date: operand 1 must be number but got string",
    );
    expectErr(
      () => call("time.date", [1, 2]),
      "eval_type_error",
      "time.date: operand 1 must be string but got number",
    );
    expectErr(
      () => call("time.date", [1, "Foo/Bar"]),
      "eval_builtin_error",
      "time.date: unknown time zone Foo/Bar",
    );
    expectErr(
      () => call("time.date", [1, "america/new_york"]),
      "eval_builtin_error",
      "unknown time zone america/new_york",
    );
  });
});

describe("time.add_date / diff", () => {
  it("adds with Go normalisation", () => {
    expect(call("time.add_date", 1585852421593912000n, 3, 9, 12)).toBe(1705257221593912000n);
    expect(call("time.add_date", 1585852421593912000n, -1, -1, -1)).toBe(1551465221593912000n);
    expect(call("time.add_date", 1585852421593912000n, 0, 1, 0)).toBe(1588444421593912000n);
    expectErr(
      () => call("time.add_date", 0, 2262, 1, 1),
      "eval_builtin_error",
      "time outside of valid range",
    );
    expectErr(
      () => call("time.add_date", -9223372036854775808n, 0, 0, -1),
      "eval_builtin_error",
      "time outside of valid range",
    );
    expectErr(
      () => call("time.add_date", 0, 1.5, 0, 0),
      "eval_type_error",
      "time.add_date: operand 2 must be integer number but got floating-point number",
    );
  });
  it("diffs", () => {
    expect(call("time.diff", T, 1580688000000000000n)).toEqual([2, 9, 28, 18, 40, 53]);
    expect(call("time.diff", [T, "America/New_York"], 0)).toEqual([52, 11, 1, 18, 40, 53]);
  });
});

describe("time.format (conformance time/format)", () => {
  it("formats layouts and zones", () => {
    expect(call("time.format", T)).toBe("2022-12-02T18:40:53.141828752Z");
    expect(call("time.format", [T, "Asia/Kolkata"])).toBe("2022-12-03T00:10:53.141828752+05:30");
    expect(call("time.format", [T, "Asia/Kolkata", "Mon Jan 02 15:04:05 -0700 2006"])).toBe(
      "Sat Dec 03 00:10:53 +0530 2022",
    );
    expect(call("time.format", [T, "Asia/Kolkata", "RFC1123Z"])).toBe("Sat, 03 Dec 2022 00:10:53 +0530");
    expect(
      call("time.format", [
        T,
        "Asia/Kolkata",
        "Z07 -07 Jan January Mon Monday _2 __2 002 3PM pm .000 .999999 ,9",
      ]),
    ).toBe("+05 +05 Dec December Sat Saturday  3 337 337 12AM am .141 .141828 ,1");
    expect(
      call("time.format", [T, "America/New_York", "2006-01-02T15:04:05.000000Z07:00:00 Z0700 -07:00 PM"]),
    ).toBe("2022-12-02T13:40:53.141828-05:00:00 -0500 -05:00 PM");
    expect(call("time.format", [-T, "UTC", "RFC850 06 2006 ANSIC"])).toBe("RFC860 17 1917 ANSIC");
    expect(call("time.format", [T, "America/New_York", "MST"])).toBe("EST");
    expect(call("time.format", [1660006453141828752n, "Europe/London", "MST"])).toBe("BST");
    expect(call("time.format", [T, "Asia/Dubai", "MST"])).toBe("+04");
    expect(call("time.format", [T, "UTC", "MST"])).toBe("UTC");
    expectErr(() => call("time.format", 15829776000000000000000n), "eval_builtin_error", "timestamp too big");
  });
});
