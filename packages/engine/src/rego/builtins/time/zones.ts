/** Time zones: UTC, fixed offsets and IANA zones (through Intl), with Go's abbreviations. */

import { daysFromCivil } from "./calendar.ts";
import { GoTimeError } from "./errors.ts";

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
