/** Go net/url escaping rules (QueryEscape, PathEscape, QueryUnescape, ParseQuery). */

import { goBytesToString } from "./utf8.ts";

const HEX = "0123456789ABCDEF";

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

/** url.QueryEscape: unreserved bytes kept, space as '+', the rest %XX. */
export function queryEscape(s: string): string {
  let out = "";
  for (const c of Buffer.from(s, "utf8")) {
    if (isUnreserved(c)) out += String.fromCharCode(c);
    else if (c === 0x20) out += "+";
    else out += `%${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  return out;
}

export class EscapeError extends Error {}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** url.QueryUnescape: %XX decoded, '+' as space; `invalid URL escape "%zz"` on bad escapes. */
export function queryUnescape(s: string): string {
  const b = Buffer.from(s, "utf8");
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0x25) {
      if (i + 2 >= b.length || !isHex(b[i + 1]) || !isHex(b[i + 2])) {
        const rest = b.subarray(i, Math.min(b.length, i + 3));
        throw new EscapeError(`invalid URL escape ${JSON.stringify(rest.toString("utf8"))}`);
      }
      out.push(Number.parseInt(String.fromCharCode(b[i + 1], b[i + 2]), 16));
      i += 2;
    } else if (c === 0x2b) out.push(0x20);
    else out.push(c);
  }
  return goBytesToString(Buffer.from(out));
}

/** url.ParseQuery: values per key in order, plus the error Go would report (if any). */
export function parseQuery(query: string): { values: Map<string, string[]>; err?: string } {
  const values = new Map<string, string[]>();
  let err: string | undefined;
  for (const part of query.split("&")) {
    if (part.includes(";")) {
      err = "invalid semicolon separator in query";
      continue;
    }
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawVal = eq < 0 ? "" : part.slice(eq + 1);
    let key: string;
    let val: string;
    try {
      key = queryUnescape(rawKey);
      val = queryUnescape(rawVal);
    } catch (e) {
      err ??= (e as Error).message;
      continue;
    }
    const list = values.get(key);
    if (list) list.push(val);
    else values.set(key, [val]);
  }
  return { values, err };
}
