/** uuid.rfc4122 (random v4, memoised per evaluation) and uuid.parse (google/uuid's fields). */
import { randomUUID } from "node:crypto";
import { keyOf, normInt, type PlainObject } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { str } from "./support/operands.ts";

const HEX32 = /^[0-9a-fA-F]{32}$/;

/** The 16 bytes of a UUID in any of google/uuid's accepted forms, or undefined. */
function parseBytes(s: string): Uint8Array | undefined {
  let hex: string;
  switch (s.length) {
    case 36:
      hex = dashed(s);
      break;
    case 38:
      // google/uuid drops the two outer characters without checking them.
      hex = dashed(s.slice(1, 37));
      break;
    case 45:
      if (s.slice(0, 9).toLowerCase() !== "urn:uuid:") return undefined;
      hex = dashed(s.slice(9));
      break;
    case 32:
      hex = s;
      break;
    default:
      return undefined;
  }
  if (!HEX32.test(hex)) return undefined;
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

function dashed(s: string): string {
  if (s[8] !== "-" || s[13] !== "-" || s[18] !== "-" || s[23] !== "-") return "";
  return s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24);
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return "RFC4122";
  if ((b & 0xe0) === 0xc0) return "Microsoft";
  if ((b & 0xe0) === 0xe0) return "Future";
  return "Reserved";
}

// 100ns intervals between 1582-10-15 and the Unix epoch.
const G1582 = 122192928000000000n;

function toInt64(x: bigint): bigint {
  return BigInt.asIntN(64, x);
}

function parseUUID(s: string): PlainObject | undefined {
  const b = parseBytes(s);
  if (!b) return undefined;
  const version = b[6] >> 4;
  const out: PlainObject = { version, variant: variant(b[8]) };
  if (version === 1 || version === 2) {
    const low = BigInt(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0);
    const mid = BigInt((b[4] << 8) | b[5]);
    const hi = BigInt(((b[6] << 8) | b[7]) & 0x0fff);
    const t = low | (mid << 32n) | (hi << 48n);
    out.time = normInt(toInt64((t - G1582) * 100n));
    out.clocksequence = ((b[8] & 0x3f) << 8) | b[9];
    out.nodeid = Array.from(b.subarray(10, 16), (x) => x.toString(16).padStart(2, "0")).join("-");
    out.macvariables = `${b[10] & 2 ? "local" : "global"}:${b[10] & 1 ? "multicast" : "unicast"}`;
    if (version === 2) {
      const d = b[9];
      out.domain = d === 0 ? "Person" : d === 1 ? "Group" : d === 2 ? "Org" : `Domain${d}`;
      out.id = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    }
  }
  return out;
}

export const builtins: BuiltinDef[] = [
  {
    name: "uuid.rfc4122",
    arity: 1,
    nondeterministic: true,
    impl: (a, ctx) => {
      // Any value is accepted as the key.
      const key = `uuid.rfc4122\u0000${keyOf(a[0])}`;
      const hit = ctx.cache.get(key);
      if (typeof hit === "string") return hit;
      const u = randomUUID();
      ctx.cache.set(key, u);
      return u;
    },
  },
  {
    name: "uuid.parse",
    arity: 1,
    impl: (a) => parseUUID(str("uuid.parse", a, 0)),
  },
];
