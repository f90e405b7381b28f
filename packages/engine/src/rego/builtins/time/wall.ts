/** Broken-down (wall clock) time: an instant in a zone as date and time fields, and back. */
import { civilFromDays, daysFromCivil, NS } from "./calendar.ts";
import { UTC, type Zone } from "./zones.ts";

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
