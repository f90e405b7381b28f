/** A small DER reader for X.509 structures. */

export class DerError extends Error {}

export interface Tlv {
  /** Tag class: 0 universal, 1 application, 2 context, 3 private. */
  cls: number;
  constructed: boolean;
  tag: number;
  /** Offsets into the buffer: the whole element, and its contents. */
  start: number;
  contentStart: number;
  end: number;
  buf: Buffer;
}

export function readTlv(buf: Buffer, pos: number, limit = buf.length): Tlv {
  if (pos + 2 > limit) throw new DerError("asn1: syntax error: data truncated");
  const b = buf[pos];
  const cls = b >> 6;
  const constructed = (b & 0x20) !== 0;
  let tag = b & 0x1f;
  let p = pos + 1;
  if (tag === 0x1f) {
    tag = 0;
    for (;;) {
      if (p >= limit) throw new DerError("asn1: syntax error: data truncated");
      const c = buf[p++];
      tag = tag * 128 + (c & 0x7f);
      if (!(c & 0x80)) break;
    }
  }
  if (p >= limit) throw new DerError("asn1: syntax error: data truncated");
  let len = buf[p++];
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError("asn1: structure error: length too large");
    len = 0;
    for (let i = 0; i < n; i++) {
      if (p >= limit) throw new DerError("asn1: syntax error: data truncated");
      len = len * 256 + buf[p++];
    }
  }
  if (p + len > limit) throw new DerError("asn1: syntax error: data truncated");
  return { cls, constructed, tag, start: pos, contentStart: p, end: p + len, buf };
}

export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = t.contentStart;
  while (p < t.end) {
    const c = readTlv(t.buf, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

export const content = (t: Tlv) => t.buf.subarray(t.contentStart, t.end);
export const raw = (t: Tlv) => t.buf.subarray(t.start, t.end);

export function expect(t: Tlv, tag: number, what: string): Tlv {
  if (t.cls !== 0 || t.tag !== tag)
    throw new DerError(
      `asn1: structure error: tags don't match (${tag} vs {class:${t.cls} tag:${t.tag} length:${t.end - t.contentStart} isCompound:${t.constructed}}) {optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false} ${what} @${t.start}`,
    );
  return t;
}

export function oidArcs(t: Tlv): number[] {
  const b = content(t);
  const arcs: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      if (arcs.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        arcs.push(first, v - first * 40);
      } else arcs.push(v);
      v = 0;
    }
  }
  return arcs;
}

export function bigIntOf(t: Tlv): bigint {
  const b = content(t);
  if (b.length === 0) return 0n;
  let v = BigInt(`0x${b.toString("hex")}`);
  if (b[0] & 0x80) v -= 1n << BigInt(b.length * 8);
  return v;
}

export function stringOf(t: Tlv): string {
  const b = content(t);
  switch (t.tag) {
    case 30: {
      // BMPString: UTF-16BE
      let s = "";
      for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i] << 8) | b[i + 1]);
      return s;
    }
    case 20:
    case 19:
    case 22:
    case 26:
      return b.toString("latin1");
    default:
      return b.toString("utf8");
  }
}

/** UTCTime / GeneralizedTime as an RFC 3339 string (UTC). */
export function timeOf(t: Tlv): string {
  const s = content(t).toString("latin1");
  let m: RegExpExecArray | null;
  let iso: string;
  if (t.tag === 23 && (m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(s))) {
    const yy = Number(m[1]);
    iso = `${yy >= 50 ? 1900 + yy : 2000 + yy}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}Z`;
  } else if (t.tag === 24 && (m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\.\d+)?Z$/.exec(s))) {
    const frac = m[7] ? m[7].replace(/0+$/, "") : "";
    iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac === "." ? "" : frac}Z`;
  } else throw new DerError("x509: malformed validity");
  return iso;
}
