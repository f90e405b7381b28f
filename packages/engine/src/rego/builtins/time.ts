/** time.* builtins with Go's time semantics (see time/: calendar, zones, wall, layouts, durations). */
import { type Num, NumText, normInt, numOf, plainNum, type Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { builtinErr, num, operandErr, operandMsg, str } from "./support/operands.ts";
import { LONG_DAYS, MAX_NS, MIN_NS } from "./time/calendar.ts";
import { parseExtendedDuration } from "./time/durations.ts";
import { GoTimeError } from "./time/errors.ts";
import { formatTime, NAMED_LAYOUTS, parseTime } from "./time/layouts.ts";
import { dateToNs, wallOf } from "./time/wall.ts";
import { loadZone, UTC, type Zone } from "./time/zones.ts";

const SHAPE = "either number (ns) or [number (ns), string (tz)]";

/** OPA's tzTime: ns, [ns, tz] or [ns, tz, layout]. */
function tzTime(name: string, v: Value): { ns: bigint; zone: Zone; layout: string } {
  let nVal: Value;
  let zone = UTC;
  let layout = "";
  if (Array.isArray(v)) {
    if (v.length === 0) throw operandErr(name, 1, v, SHAPE);
    nVal = plainNum(v[0]);
    if (typeof nVal !== "number" && typeof nVal !== "bigint") throw operandErr(name, 1, nVal, "number");
    if (v.length > 1) {
      if (typeof v[1] !== "string") throw operandErr(name, 1, v[1], "string");
      try {
        zone = loadZone(v[1]);
      } catch (e) {
        if (e instanceof GoTimeError) throw builtinErr(name, e.message);
        throw e;
      }
    }
    if (v.length > 2) {
      if (typeof v[2] !== "string") throw operandErr(name, 1, v[2], "string");
      layout = v[2];
    }
  } else if (typeof v === "number" || typeof v === "bigint") nVal = v;
  else if (v instanceof NumText) nVal = numOf(v);
  else throw operandErr(name, 1, v, SHAPE);
  return { ns: exactInt64(name, nVal as Num), zone, layout };
}

function exactInt64(name: string, n: Num): bigint {
  if (typeof n === "number" && !Number.isInteger(n)) throw builtinErr(name, "timestamp too big");
  const b = BigInt(n);
  if (b < MIN_NS || b > MAX_NS) throw builtinErr(name, "timestamp too big");
  return b;
}

function safeNs(name: string, ns: bigint): Num {
  if (ns < MIN_NS || ns > MAX_NS) throw builtinErr(name, "time outside of valid range");
  return normInt(ns);
}

/** builtins.IntOperand: a number that is an integer. */
function intOperand(name: string, args: Value[], i: number): number {
  const n = num(name, args, i);
  // OPA reads it as an int64: beyond that it is "floating-point" too
  const outside = typeof n === "bigint" ? n < -(2n ** 63n) || n >= 2n ** 63n : Math.abs(n) >= 2 ** 63;
  if (outside || (typeof n === "number" && !Number.isInteger(n)))
    throw operandMsg(name, i + 1, "must be integer number but got floating-point number");
  return Number(n);
}

function goCall<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GoTimeError) throw builtinErr(name, e.message);
    throw e;
  }
}

function diff(args: Value[]): Value {
  const a = tzTime("time.diff", args[0]);
  const b = tzTime("time.diff", args[1]);
  // Both in the first argument's zone; order so that t1 <= t2.
  let [t1, t2] = [a.ns, b.ns];
  if (t1 > t2) [t1, t2] = [t2, t1];
  const w1 = wallOf(t1, a.zone);
  const w2 = wallOf(t2, a.zone);
  let year = w2.year - w1.year;
  let month = w2.month - w1.month;
  let day = w2.day - w1.day;
  let hour = w2.hour - w1.hour;
  let min = w2.min - w1.min;
  let sec = w2.sec - w1.sec;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    // Days in w1's month, via Go's Date(y1, M1, 32) trick.
    const overflow = wallOf(dateToNs(w1.year, w1.month, 32, 0, 0, 0, 0, UTC), UTC).day;
    day += 32 - overflow;
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

export const builtins: BuiltinDef[] = [
  { name: "time.now_ns", arity: 0, nondeterministic: true, impl: (_a, ctx) => normInt(ctx.nowNs) },
  {
    name: "time.parse_ns",
    arity: 2,
    impl: (a) => {
      const layout = str("time.parse_ns", a, 0);
      const value = str("time.parse_ns", a, 1);
      return safeNs(
        "time.parse_ns",
        goCall("time.parse_ns", () => parseTime(NAMED_LAYOUTS[layout] ?? layout, value)),
      );
    },
  },
  {
    name: "time.parse_rfc3339_ns",
    arity: 1,
    impl: (a) => {
      const value = str("time.parse_rfc3339_ns", a, 0);
      return safeNs(
        "time.parse_rfc3339_ns",
        goCall("time.parse_rfc3339_ns", () => parseTime(NAMED_LAYOUTS.RFC3339, value)),
      );
    },
  },
  {
    name: "time.parse_duration_ns",
    arity: 1,
    impl: (a) => {
      const s = str("time.parse_duration_ns", a, 0);
      return normInt(goCall("time.parse_duration_ns", () => parseExtendedDuration(s)));
    },
  },
  {
    name: "time.date",
    arity: 1,
    impl: (a) => {
      const t = tzTime("time.date", a[0]);
      const w = wallOf(t.ns, t.zone);
      return [w.year, w.month, w.day];
    },
  },
  {
    name: "time.clock",
    arity: 1,
    impl: (a) => {
      const t = tzTime("time.clock", a[0]);
      const w = wallOf(t.ns, t.zone);
      return [w.hour, w.min, w.sec];
    },
  },
  {
    name: "time.weekday",
    arity: 1,
    impl: (a) => {
      const t = tzTime("time.weekday", a[0]);
      return LONG_DAYS[wallOf(t.ns, t.zone).weekday];
    },
  },
  {
    name: "time.add_date",
    arity: 4,
    impl: (a) => {
      const t = tzTime("time.add_date", a[0]);
      const years = intOperand("time.add_date", a, 1);
      const months = intOperand("time.add_date", a, 2);
      const days = intOperand("time.add_date", a, 3);
      const w = wallOf(t.ns, t.zone);
      const ns = dateToNs(
        w.year + years,
        w.month + months,
        w.day + days,
        w.hour,
        w.min,
        w.sec,
        w.nsec,
        t.zone,
      );
      return safeNs("time.add_date", ns);
    },
  },
  { name: "time.diff", arity: 2, impl: diff },
  {
    name: "time.format",
    arity: 1,
    impl: (a) => {
      const t = tzTime("time.format", a[0]);
      const layout = t.layout === "" ? NAMED_LAYOUTS.RFC3339Nano : (NAMED_LAYOUTS[t.layout] ?? t.layout);
      return formatTime(t.ns, t.zone, layout);
    },
  },
];
