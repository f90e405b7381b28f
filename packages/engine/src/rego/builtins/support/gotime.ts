/**
 * Go's time package, as far as OPA's time builtins expose it: layouts for
 * parsing and formatting (time.Parse / Time.Format), durations
 * (time.ParseDuration plus OPA's d/w/y extension), calendar arithmetic, and
 * IANA zones through Intl. Instants are bigint nanoseconds since the epoch.
 */

export class GoTimeError extends Error {}

// ---- calendar ----------------------------------------------------------------

/** Days since 1970-01-01 for a proleptic Gregorian date (month may be any integer, day any integer). */
export function daysFromCivil(y: number, m: number, d: number): number {
  // Normalise the month first, as Go's Date does.
  const m0 = m - 1;
  y += Math.floor(m0 / 12);
  m = (((m0 % 12) + 12) % 12) + 1;
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [m <= 2 ? y + 1 : y, m, d];
}

const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
export function daysIn(m: number, y: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

export const LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const SHORT_DAYS = LONG_DAYS.map((d) => d.slice(0, 3));
const LONG_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));

export const NS = 1_000_000_000n;
export const MIN_NS = -(2n ** 63n);
export const MAX_NS = 2n ** 63n - 1n;

// ---- zones -----------------------------------------------------------------------

export interface Zone {
  name: string;
  /** Offset east of UTC in seconds at an instant (unix seconds). */
  offsetAt(unixSec: number): number;
  /** Abbreviation at an instant, as Go prints for "MST". */
  abbrevAt(unixSec: number): string;
}

export const UTC: Zone = { name: "UTC", offsetAt: () => 0, abbrevAt: () => "UTC" };

const zoneCache = new Map<string, Zone>();

/** tzdata abbreviations that no English Intl locale reports. */
const FIXED_ABBREV: Record<string, string> = {
  "Asia/Tokyo": "JST",
  "Asia/Shanghai": "CST",
  "Asia/Hong_Kong": "HKT",
  "Asia/Seoul": "KST",
  "Asia/Manila": "PST",
  "Asia/Karachi": "PKT",
  "Asia/Jakarta": "WIB",
  "Europe/Moscow": "MSK",
  "Africa/Lagos": "WAT",
  "Africa/Nairobi": "EAT",
};

/** Intl names zones only in some locales (BST in en-GB, AEST in en-AU, IST in en-IN, NST in en-CA...). */
function abbrevFormatters(name: string): Intl.DateTimeFormat[] {
  const locales = ["en-US"];
  if (name === "Europe/Dublin") locales.push("en-IE"); // IST (Irish Standard Time) in summer
  if (name.startsWith("Europe/") || name.startsWith("Atlantic/")) locales.push("en-GB");
  if (name.startsWith("Australia/") || name.startsWith("Pacific/")) locales.push("en-AU");
  if (name === "Asia/Kolkata" || name === "Asia/Calcutta") locales.push("en-IN");
  if (name.startsWith("Africa/")) locales.push("en-ZA");
  if (name.startsWith("America/")) locales.push("en-CA"); // NST/NDT (St. John's)
  return locales.map((l) => new Intl.DateTimeFormat(l, { timeZone: name, timeZoneName: "short" }));
}

/** time.LoadLocation through Intl; "" and "UTC" are UTC, "Local" is UTC too (servers run in UTC). */
export function loadZone(name: string): Zone {
  if (name === "" || name === "UTC" || name === "Local") return UTC;
  const hit = zoneCache.get(name);
  if (hit) return hit;
  let parts: Intl.DateTimeFormat;
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
  } catch {
    throw new GoTimeError(`unknown time zone ${name}`);
  }
  // Go's zone database lookup is case-sensitive; Intl's is not.
  const resolved = parts.resolvedOptions().timeZone;
  if (resolved.toLowerCase() === name.toLowerCase() && resolved !== name)
    throw new GoTimeError(`unknown time zone ${name}`);
  const offsetAt = (unixSec: number): number => {
    const ms = unixSec * 1000;
    const p: Record<string, string> = {};
    for (const part of parts.formatToParts(new Date(ms))) p[part.type] = part.value;
    let year = Number(p.year);
    if (p.era === "BC" || p.era === "B") year = 1 - year;
    const wall =
      daysFromCivil(year, Number(p.month), Number(p.day)) * 86400 +
      Number(p.hour) * 3600 +
      Number(p.minute) * 60 +
      Number(p.second);
    return wall - Math.floor(unixSec);
  };
  const named = abbrevFormatters(name);
  const abbrevAt = (unixSec: number): string => {
    const fixed = FIXED_ABBREV[name];
    if (fixed) return fixed;
    let gmt = "";
    for (const f of named) {
      const part =
        f.formatToParts(new Date(unixSec * 1000)).find((x) => x.type === "timeZoneName")?.value ?? "";
      if (!part.startsWith("GMT") || part === "GMT") return part;
      gmt = part;
    }
    // tzdata names unnamed offsets "+04" / "+0530".
    const m = /^GMT([+-])(\d{1,2})(?::(\d{2}))?$/.exec(gmt);
    return m ? `${m[1]}${m[2].padStart(2, "0")}${m[3] ?? ""}` : gmt;
  };
  const z: Zone = { name, offsetAt, abbrevAt };
  zoneCache.set(name, z);
  return z;
}

// ---- broken-down time -----------------------------------------------------------

export interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  weekday: number;
  yday: number;
  offset: number;
  abbrev: string;
}

export function splitNs(ns: bigint): [number, number] {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    nsec += NS;
    sec -= 1n;
  }
  return [Number(sec), Number(nsec)];
}

export function wallOf(ns: bigint, zone: Zone): Wall {
  const [unix, nsec] = splitNs(ns);
  const offset = zone.offsetAt(unix);
  const local = unix + offset;
  const days = Math.floor(local / 86400);
  const secOfDay = local - days * 86400;
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(secOfDay / 3600),
    min: Math.floor((secOfDay % 3600) / 60),
    sec: secOfDay % 60,
    nsec,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
    abbrev: zone === UTC ? "UTC" : zone.abbrevAt(unix),
  };
}

/** time.Date in a zone: normalises every field, resolves the offset the way Go does. */
export function dateToNs(
  year: number,
  month: number,
  day: number,
  hour: number,
  min: number,
  sec: number,
  nsec: number,
  zone: Zone,
): bigint {
  const wall = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
  let unix = wall;
  const off = zone.offsetAt(wall);
  if (off !== 0) {
    const utc = wall - off;
    const off2 = zone.offsetAt(utc);
    unix = wall - (off2 !== off ? off2 : off);
  }
  return BigInt(unix) * NS + BigInt(nsec);
}

// ---- layouts ------------------------------------------------------------------------

const STD = {
  none: 0,
  longMonth: 1,
  month: 2,
  numMonth: 3,
  zeroMonth: 4,
  longWeekDay: 5,
  weekDay: 6,
  day: 7,
  underDay: 8,
  zeroDay: 9,
  underYearDay: 10,
  zeroYearDay: 11,
  hour: 12,
  hour12: 13,
  zeroHour12: 14,
  minute: 15,
  zeroMinute: 16,
  second: 17,
  zeroSecond: 18,
  longYear: 19,
  year: 20,
  PM: 21,
  pm: 22,
  tz: 23,
  iso8601TZ: 24,
  iso8601SecondsTZ: 25,
  iso8601ShortTZ: 26,
  iso8601ColonTZ: 27,
  iso8601ColonSecondsTZ: 28,
  numTZ: 29,
  numSecondsTz: 30,
  numShortTZ: 31,
  numColonTZ: 32,
  numColonSecondsTZ: 33,
  fracSecond0: 34,
  fracSecond9: 35,
} as const;

interface Chunk {
  prefix: string;
  std: number;
  /** Digits for fractional seconds, and the separator ('.' or ','). */
  digits?: number;
  sep?: string;
  suffix: string;
}

const std0x = [STD.zeroMonth, STD.zeroDay, STD.zeroHour12, STD.zeroMinute, STD.zeroSecond, STD.year];
const startsWithLower = (s: string) => s.length > 0 && s[0] >= "a" && s[0] <= "z";
const isDigitAt = (s: string, i: number) => i < s.length && s[i] >= "0" && s[i] <= "9";

/** Go's nextStdChunk. */
function nextChunk(layout: string): Chunk {
  const at = (i: number, s: string) => layout.startsWith(s, i);
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    const res = (std: number, len: number, extra: Partial<Chunk> = {}): Chunk => ({
      prefix: layout.slice(0, i),
      std,
      suffix: layout.slice(i + len),
      ...extra,
    });
    switch (c) {
      case "J":
        if (at(i, "Jan")) {
          if (at(i, "January")) return res(STD.longMonth, 7);
          if (!startsWithLower(layout.slice(i + 3))) return res(STD.month, 3);
        }
        break;
      case "M":
        if (at(i, "Mon")) {
          if (at(i, "Monday")) return res(STD.longWeekDay, 6);
          if (!startsWithLower(layout.slice(i + 3))) return res(STD.weekDay, 3);
        }
        if (at(i, "MST")) return res(STD.tz, 3);
        break;
      case "0":
        if (i + 1 < layout.length && layout[i + 1] >= "1" && layout[i + 1] <= "6")
          return res(std0x[layout.charCodeAt(i + 1) - 49], 2);
        if (at(i, "002")) return res(STD.zeroYearDay, 3);
        break;
      case "1":
        if (at(i, "15")) return res(STD.hour, 2);
        return res(STD.numMonth, 1);
      case "2":
        if (at(i, "2006")) return res(STD.longYear, 4);
        return res(STD.day, 1);
      case "_":
        if (at(i, "_2")) {
          if (at(i + 1, "2006"))
            return { prefix: layout.slice(0, i + 1), std: STD.longYear, suffix: layout.slice(i + 5) };
          return res(STD.underDay, 2);
        }
        if (at(i, "__2")) return res(STD.underYearDay, 3);
        break;
      case "3":
        return res(STD.hour12, 1);
      case "4":
        return res(STD.minute, 1);
      case "5":
        return res(STD.second, 1);
      case "P":
        if (at(i, "PM")) return res(STD.PM, 2);
        break;
      case "p":
        if (at(i, "pm")) return res(STD.pm, 2);
        break;
      case "-":
        if (at(i, "-070000")) return res(STD.numSecondsTz, 7);
        if (at(i, "-07:00:00")) return res(STD.numColonSecondsTZ, 9);
        if (at(i, "-0700")) return res(STD.numTZ, 5);
        if (at(i, "-07:00")) return res(STD.numColonTZ, 6);
        if (at(i, "-07")) return res(STD.numShortTZ, 3);
        break;
      case "Z":
        if (at(i, "Z070000")) return res(STD.iso8601SecondsTZ, 7);
        if (at(i, "Z07:00:00")) return res(STD.iso8601ColonSecondsTZ, 9);
        if (at(i, "Z0700")) return res(STD.iso8601TZ, 5);
        if (at(i, "Z07:00")) return res(STD.iso8601ColonTZ, 6);
        if (at(i, "Z07")) return res(STD.iso8601ShortTZ, 3);
        break;
      case ".":
      case ",":
        if (i + 1 < layout.length && (layout[i + 1] === "0" || layout[i + 1] === "9")) {
          const ch = layout[i + 1];
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j))
            return res(ch === "0" ? STD.fracSecond0 : STD.fracSecond9, j - i, {
              digits: j - (i + 1),
              sep: c,
            });
        }
        break;
    }
  }
  return { prefix: layout, std: STD.none, suffix: "" };
}

export const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: "Mon Jan _2 15:04:05 2006",
  UnixDate: "Mon Jan _2 15:04:05 MST 2006",
  RubyDate: "Mon Jan 02 15:04:05 -0700 2006",
  RFC822: "02 Jan 06 15:04 MST",
  RFC822Z: "02 Jan 06 15:04 -0700",
  RFC850: "Monday, 02-Jan-06 15:04:05 MST",
  RFC1123: "Mon, 02 Jan 2006 15:04:05 MST",
  RFC1123Z: "Mon, 02 Jan 2006 15:04:05 -0700",
  RFC3339: "2006-01-02T15:04:05Z07:00",
  RFC3339Nano: "2006-01-02T15:04:05.999999999Z07:00",
};

const pad = (n: number, w: number) => {
  const s = String(Math.abs(n)).padStart(w, "0");
  return n < 0 ? `-${s}` : s;
};

/** Time.Format. */
export function formatTime(ns: bigint, zone: Zone, layout: string): string {
  const t = wallOf(ns, zone);
  let out = "";
  while (layout !== "") {
    const ch = nextChunk(layout);
    out += ch.prefix;
    if (ch.std === STD.none) break;
    layout = ch.suffix;
    switch (ch.std) {
      case STD.year:
        out += pad(((t.year % 100) + 100) % 100, 2);
        break;
      case STD.longYear:
        out += pad(t.year, 4);
        break;
      case STD.month:
        out += SHORT_MONTHS[t.month - 1];
        break;
      case STD.longMonth:
        out += LONG_MONTHS[t.month - 1];
        break;
      case STD.numMonth:
        out += t.month;
        break;
      case STD.zeroMonth:
        out += pad(t.month, 2);
        break;
      case STD.weekDay:
        out += SHORT_DAYS[t.weekday];
        break;
      case STD.longWeekDay:
        out += LONG_DAYS[t.weekday];
        break;
      case STD.day:
        out += t.day;
        break;
      case STD.underDay:
        out += t.day < 10 ? ` ${t.day}` : t.day;
        break;
      case STD.zeroDay:
        out += pad(t.day, 2);
        break;
      case STD.underYearDay:
        out += String(t.yday).padStart(3, " ");
        break;
      case STD.zeroYearDay:
        out += pad(t.yday, 3);
        break;
      case STD.hour:
        out += pad(t.hour, 2);
        break;
      case STD.hour12:
        out += t.hour % 12 === 0 ? 12 : t.hour % 12;
        break;
      case STD.zeroHour12:
        out += pad(t.hour % 12 === 0 ? 12 : t.hour % 12, 2);
        break;
      case STD.minute:
        out += t.min;
        break;
      case STD.zeroMinute:
        out += pad(t.min, 2);
        break;
      case STD.second:
        out += t.sec;
        break;
      case STD.zeroSecond:
        out += pad(t.sec, 2);
        break;
      case STD.PM:
        out += t.hour >= 12 ? "PM" : "AM";
        break;
      case STD.pm:
        out += t.hour >= 12 ? "pm" : "am";
        break;
      case STD.tz: {
        if (t.abbrev !== "") out += t.abbrev;
        else {
          const z = Math.trunc(t.offset / 60);
          out += (z < 0 ? "-" : "+") + pad(Math.floor(Math.abs(z) / 60), 2) + pad(Math.abs(z) % 60, 2);
        }
        break;
      }
      case STD.fracSecond0:
      case STD.fracSecond9: {
        const digits = String(t.nsec).padStart(9, "0");
        if (ch.std === STD.fracSecond0) out += ch.sep + digits.slice(0, ch.digits);
        else {
          const trimmed = digits.slice(0, ch.digits).replace(/0+$/, "");
          if (trimmed !== "") out += ch.sep + trimmed;
        }
        break;
      }
      default: {
        // numeric zones (the ISO 8601 "Z" forms print Z for UTC)
        const iso = ch.std >= STD.iso8601TZ && ch.std <= STD.iso8601ColonSecondsTZ;
        if (iso && t.offset === 0) {
          out += "Z";
          break;
        }
        const zmin = Math.trunc(t.offset / 60);
        const abs = Math.abs(t.offset);
        out += (zmin < 0 ? "-" : "+") + pad(Math.floor(Math.abs(zmin) / 60), 2);
        const colon = [
          STD.iso8601ColonTZ,
          STD.numColonTZ,
          STD.iso8601ColonSecondsTZ,
          STD.numColonSecondsTZ,
        ].includes(ch.std as never);
        if (colon) out += ":";
        if (ch.std !== STD.numShortTZ && ch.std !== STD.iso8601ShortTZ) out += pad(Math.abs(zmin) % 60, 2);
        if (
          [STD.iso8601SecondsTZ, STD.numSecondsTz, STD.numColonSecondsTZ, STD.iso8601ColonSecondsTZ].includes(
            ch.std as never,
          )
        ) {
          if (ch.std === STD.numColonSecondsTZ || ch.std === STD.iso8601ColonSecondsTZ) out += ":";
          out += pad(abs % 60, 2);
        }
      }
    }
  }
  return out;
}

/** Go's time.quote. */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch >= " " && ch <= "~") out += ch;
    else for (const b of Buffer.from(ch, "utf8")) out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

class Bad extends Error {}

function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw new Bad();
  if (!isDigitAt(s, 1)) {
    if (fixed) throw new Bad();
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + s.charCodeAt(1) - 48, s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + s.charCodeAt(i) - 48;
  if (i === 0 || (fixed && i !== 3)) throw new Bad();
  return [n, s.slice(i)];
}

function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Bad();
  return Number(s);
}

function lookupName(tab: string[], val: string): [number, string] {
  for (let i = 0; i < tab.length; i++) {
    const v = tab[i];
    if (val.length >= v.length && val.slice(0, v.length).toLowerCase() === v.toLowerCase())
      return [i, val.slice(v.length)];
  }
  throw new Bad();
}

const cutspace = (s: string) => s.replace(/^ +/, "");

function skip(value: string, prefix: string): string {
  while (prefix.length > 0) {
    if (prefix[0] === " ") {
      if (value.length > 0 && value[0] !== " ") throw new Bad();
      prefix = cutspace(prefix);
      value = cutspace(value);
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) throw new Bad();
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return value;
}

function parseNanoseconds(value: string, nbytes: number): number {
  if (value[0] !== "." && value[0] !== ",") throw new Bad();
  if (nbytes > 10) nbytes = 10;
  let ns = atoi(value.slice(1, nbytes));
  for (let i = 0; i < 10 - nbytes; i++) ns *= 10;
  return ns;
}

function parseTimeZone(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith("ChST") || value.startsWith("MeST")) return 4;
  if (value.startsWith("GMT")) {
    const m = /^GMT([+-]\d+)?/.exec(value)!;
    if (m[1] && Math.abs(Number(m[1])) > 23) return 3;
    return m[0].length;
  }
  if (value[0] === "+" || value[0] === "-") {
    const m = /^[+-]\d+/.exec(value);
    if (!m || Math.abs(Number(m[0])) > 23) return 0;
    return m[0].length;
  }
  let n = 0;
  while (n < 6 && n < value.length && value[n] >= "A" && value[n] <= "Z") n++;
  if (n === 5 && value[4] === "T") return 5;
  if (n === 4 && (value[3] === "T" || value.startsWith("WITA"))) return 4;
  if (n === 3) return 3;
  return 0;
}

/** time.Parse(layout, value): nanoseconds since the epoch (not range-checked). */
export function parseTime(layout: string, value: string): bigint {
  const alayout = layout;
  const avalue = value;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let utcZone = false;
  let zoneOffset: number | undefined;
  let pmSet = false;
  let amSet = false;
  const fail = (layoutElem: string, valueElem: string, msg = ""): never => {
    if (msg) throw new GoTimeError(`parsing time ${quote(avalue)}${msg}`);
    throw new GoTimeError(
      `parsing time ${quote(avalue)} as ${quote(alayout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`,
    );
  };
  for (;;) {
    const ch = nextChunk(layout);
    const stdstr = layout.slice(ch.prefix.length, layout.length - ch.suffix.length);
    try {
      value = skip(value, ch.prefix);
    } catch {
      fail(ch.prefix, value);
    }
    if (ch.std === STD.none) {
      if (value.length !== 0) fail("", value, `: extra text: ${quote(value)}`);
      break;
    }
    layout = ch.suffix;
    const hold = value;
    let rangeErr = "";
    try {
      switch (ch.std) {
        case STD.year: {
          if (value.length < 2) throw new Bad();
          const p = value.slice(0, 2);
          value = value.slice(2);
          year = atoi(p);
          year += year >= 69 ? 1900 : 2000;
          break;
        }
        case STD.longYear:
          if (value.length < 4 || !isDigitAt(value, 0)) throw new Bad();
          year = atoi(value.slice(0, 4));
          value = value.slice(4);
          break;
        case STD.month:
          [month, value] = lookupName(SHORT_MONTHS, value);
          month++;
          break;
        case STD.longMonth:
          [month, value] = lookupName(LONG_MONTHS, value);
          month++;
          break;
        case STD.numMonth:
        case STD.zeroMonth:
          [month, value] = getnum(value, ch.std === STD.zeroMonth);
          if (month <= 0 || month > 12) rangeErr = "month";
          break;
        case STD.weekDay:
          [, value] = lookupName(SHORT_DAYS, value);
          break;
        case STD.longWeekDay:
          [, value] = lookupName(LONG_DAYS, value);
          break;
        case STD.day:
        case STD.underDay:
        case STD.zeroDay:
          if (ch.std === STD.underDay && value[0] === " ") value = value.slice(1);
          [day, value] = getnum(value, ch.std === STD.zeroDay);
          break;
        case STD.underYearDay:
        case STD.zeroYearDay:
          for (let i = 0; i < 2; i++)
            if (ch.std === STD.underYearDay && value[0] === " ") value = value.slice(1);
          [yday, value] = getnum3(value, ch.std === STD.zeroYearDay);
          break;
        case STD.hour:
          [hour, value] = getnum(value, false);
          if (hour < 0 || hour >= 24) rangeErr = "hour";
          break;
        case STD.hour12:
        case STD.zeroHour12:
          [hour, value] = getnum(value, ch.std === STD.zeroHour12);
          if (hour < 0 || hour > 12) rangeErr = "hour";
          break;
        case STD.minute:
        case STD.zeroMinute:
          [min, value] = getnum(value, ch.std === STD.zeroMinute);
          if (min < 0 || min >= 60) rangeErr = "minute";
          break;
        case STD.second:
        case STD.zeroSecond: {
          [sec, value] = getnum(value, ch.std === STD.zeroSecond);
          if (sec < 0 || sec >= 60) {
            rangeErr = "second";
            break;
          }
          // A fractional second in the value but not in the layout is still accepted.
          if (value.length >= 2 && (value[0] === "." || value[0] === ",") && isDigitAt(value, 1)) {
            const next = nextChunk(layout).std;
            if (next === STD.fracSecond0 || next === STD.fracSecond9) break;
            let n = 2;
            while (n < value.length && isDigitAt(value, n)) n++;
            nsec = parseNanoseconds(value, n);
            value = value.slice(n);
          }
          break;
        }
        case STD.PM:
        case STD.pm: {
          if (value.length < 2) throw new Bad();
          const p = value.slice(0, 2);
          value = value.slice(2);
          const [PM, AM] = ch.std === STD.PM ? ["PM", "AM"] : ["pm", "am"];
          if (p === PM) pmSet = true;
          else if (p === AM) amSet = true;
          else throw new Bad();
          break;
        }
        case STD.tz: {
          if (value.startsWith("UTC")) {
            utcZone = true;
            value = value.slice(3);
            break;
          }
          const n = parseTimeZone(value);
          if (n === 0) throw new Bad();
          // Abbreviations other than UTC are unknown in a UTC local zone: offset 0.
          value = value.slice(n);
          break;
        }
        case STD.fracSecond0: {
          const ndigit = 1 + (ch.digits ?? 0);
          if (value.length < ndigit) throw new Bad();
          nsec = parseNanoseconds(value, ndigit);
          value = value.slice(ndigit);
          break;
        }
        case STD.fracSecond9: {
          if (value.length < 2 || (value[0] !== "." && value[0] !== ",") || !isDigitAt(value, 1)) break;
          let i = 0;
          while (i + 1 < value.length && isDigitAt(value, i + 1)) i++;
          nsec = parseNanoseconds(value, 1 + i);
          value = value.slice(1 + i);
          break;
        }
        default: {
          const std = ch.std;
          if (std >= STD.iso8601TZ && std <= STD.iso8601ColonSecondsTZ && value[0] === "Z") {
            value = value.slice(1);
            utcZone = true;
            break;
          }
          let sign: string;
          let hh: string;
          let mm: string;
          let ss = "00";
          if (std === STD.iso8601ColonTZ || std === STD.numColonTZ) {
            if (value.length < 6 || value[3] !== ":") throw new Bad();
            [sign, hh, mm] = [value[0], value.slice(1, 3), value.slice(4, 6)];
            value = value.slice(6);
          } else if (std === STD.numShortTZ || std === STD.iso8601ShortTZ) {
            if (value.length < 3) throw new Bad();
            [sign, hh, mm] = [value[0], value.slice(1, 3), "00"];
            value = value.slice(3);
          } else if (std === STD.iso8601ColonSecondsTZ || std === STD.numColonSecondsTZ) {
            if (value.length < 9 || value[3] !== ":" || value[6] !== ":") throw new Bad();
            [sign, hh, mm, ss] = [value[0], value.slice(1, 3), value.slice(4, 6), value.slice(7, 9)];
            value = value.slice(9);
          } else if (std === STD.iso8601SecondsTZ || std === STD.numSecondsTz) {
            if (value.length < 7) throw new Bad();
            [sign, hh, mm, ss] = [value[0], value.slice(1, 3), value.slice(3, 5), value.slice(5, 7)];
            value = value.slice(7);
          } else {
            if (value.length < 5) throw new Bad();
            [sign, hh, mm] = [value[0], value.slice(1, 3), value.slice(3, 5)];
            value = value.slice(5);
          }
          const [hr] = getnum(hh, true);
          const [mi] = getnum(mm, true);
          const [se] = getnum(ss, true);
          if (hr > 24) rangeErr = "time zone offset hour";
          if (mi > 60) rangeErr = "time zone offset minute";
          if (se > 60) rangeErr = "time zone offset second";
          zoneOffset = (hr * 60 + mi) * 60 + se;
          if (sign === "-") zoneOffset = -zoneOffset;
          else if (sign !== "+") throw new Bad();
        }
      }
    } catch (e) {
      if (e instanceof Bad) fail(stdstr, hold);
      throw e;
    }
    if (rangeErr) fail(stdstr, value, `: ${rangeErr} out of range`);
  }
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let m = 0;
    let d = 0;
    if (isLeap(year)) {
      if (yday === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) yday--;
    }
    if (yday < 1 || yday > 365) fail("", value, ": day-of-year out of range");
    if (m === 0) {
      // Month and day within a non-leap year.
      let left = yday;
      m = 1;
      while (left > daysIn(m, 2001)) left -= daysIn(m++, 2001);
      d = left;
    }
    if (month >= 0 && month !== m) fail("", value, ": day-of-year does not match month");
    month = m;
    if (day >= 0 && day !== d) fail("", value, ": day-of-year does not match day");
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) fail("", value, ": day out of range");
  let ns = dateToNs(year, month, day, hour, min, sec, nsec, UTC);
  if (!utcZone && zoneOffset !== undefined) ns -= BigInt(zoneOffset) * NS;
  return ns;
}

// ---- durations ------------------------------------------------------------------------

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: NS,
  m: 60n * NS,
  h: 3600n * NS,
};

const LIMIT = 1n << 63n;

/** time.ParseDuration. */
export function parseGoDuration(orig: string): bigint {
  const invalid = () => new GoTimeError(`time: invalid duration ${quote(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") throw invalid();
  let d = 0n;
  while (s !== "") {
    if (!(s[0] === "." || isDigitAt(s, 0))) throw invalid();
    let i = 0;
    let v = 0n;
    while (isDigitAt(s, i)) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v >= LIMIT) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === ".") {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigitAt(s, j)) {
        if (!overflow) {
          const nf = f * 10n + BigInt(s.charCodeAt(j) - 48);
          if (nf >= LIMIT) overflow = true;
          else {
            f = nf;
            scale *= 10;
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let u = 0;
    while (u < s.length && !(s[u] === "." || isDigitAt(s, u))) u++;
    if (u === 0) throw new GoTimeError(`time: missing unit in duration ${quote(orig)}`);
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS[unitName];
    if (unit === undefined)
      throw new GoTimeError(`time: unknown unit ${quote(unitName)} in duration ${quote(orig)}`);
    if (v > LIMIT / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) throw invalid();
    }
    d += v;
    if (d > LIMIT) throw invalid();
  }
  if (neg) return -d;
  if (d > LIMIT - 1n) throw invalid();
  return d;
}

const COEFF: Record<string, number> = { d: 24, w: 7 * 24, y: 365 * 24 };

/** strconv.FormatFloat(f, 'f', -1, 64). */
function formatFloatF(f: number): string {
  if (Number.isInteger(f) && Math.abs(f) < 1e21) return BigInt(f).toString();
  const s = String(f);
  if (!/e/.test(s)) return s;
  const [m, e] = s.split("e");
  const exp = Number(e);
  const neg = m.startsWith("-");
  const digits = m.replace("-", "").replace(".", "");
  const intLen = 1 + exp;
  let out: string;
  if (intLen <= 0) out = `0.${"0".repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + "0".repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return neg ? `-${out}` : out;
}

/** OPA's parse_duration_ns: Go durations plus d (24h), w (7d) and y (365d) units. */
export function parseExtendedDuration(s: string): bigint {
  if (s === "") throw new GoTimeError(`time: invalid duration ${quote(s)}`);
  if (!/[dwy]/.test(s)) return parseGoDuration(s);
  const m = /^([-+]?)((?:[0-9.]+(?:ms|us|µs|ns|[a-z]))+)$/.exec(s);
  if (!m) throw new GoTimeError(`time: invalid duration ${quote(s)}`);
  let rewritten = m[1];
  for (const seg of m[2].matchAll(/([0-9.]+)(ms|us|µs|ns|[a-z])/g)) {
    const coeff = COEFF[seg[2]];
    if (coeff === undefined) {
      rewritten += seg[1] + seg[2];
      continue;
    }
    if (!/^(\d+\.?\d*|\.\d+)$/.test(seg[1])) throw new GoTimeError(`time: invalid duration ${quote(s)}`);
    rewritten += `${formatFloatF(Number(seg[1]) * coeff)}h`;
  }
  try {
    return parseGoDuration(rewritten);
  } catch (e) {
    if (!(e instanceof GoTimeError)) throw e;
    const msg = e.message;
    const i = msg.lastIndexOf(" ");
    throw new GoTimeError(`${i >= 0 ? msg.slice(0, i) : msg} ${quote(s)}`);
  }
}
