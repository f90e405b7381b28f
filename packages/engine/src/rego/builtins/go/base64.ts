/**
 * Base64 decoding with Go's encoding/base64 rules (non-strict): the same
 * accepted inputs and the same "illegal base64 data at input byte N" offsets
 * (byte offsets into the UTF-8 input; '\r' and '\n' are skipped).
 */

const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function decodeMap(alphabet: string): Int16Array {
  const m = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) m[alphabet.charCodeAt(i)] = i;
  return m;
}

const STD_MAP = decodeMap(STD);
const URL_MAP = decodeMap(URL);
const PAD = 0x3d;

export class Base64Error extends Error {
  readonly offset: number;
  constructor(offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
    this.offset = offset;
  }
}

export interface Base64Variant {
  url: boolean;
  padded: boolean;
}

const isNL = (c: number) => c === 0x0a || c === 0x0d;

/** Decode `input` (a string's UTF-8 bytes); throws Base64Error like Go's DecodeString. */
export function goBase64Decode(input: string | Uint8Array, variant: Base64Variant): Buffer {
  const src = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  const map = variant.url ? URL_MAP : STD_MAP;
  const out: number[] = [];
  let si = 0;
  for (;;) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailing = -1;
    let done = false;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        if (j === 1 || variant.padded) throw new Base64Error(si - j);
        dlen = j;
        done = true;
        break;
      }
      const c = src[si++];
      const v = map[c];
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (isNL(c)) {
        j--;
        continue;
      }
      if (!variant.padded || c !== PAD) throw new Base64Error(si - 1);
      // Padding: only valid after 2 or 3 symbols, and must end the input.
      if (j < 2) throw new Base64Error(si - 1);
      if (j === 2) {
        while (si < src.length && isNL(src[si])) si++;
        if (si === src.length) throw new Base64Error(src.length);
        if (src[si] !== PAD) throw new Base64Error(si - 1);
        si++;
      }
      while (si < src.length && isNL(src[si])) si++;
      if (si < src.length) trailing = si;
      dlen = j;
      done = true;
      break;
    }
    const val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
    const b0 = (val >> 16) & 0xff;
    const b1 = (val >> 8) & 0xff;
    const b2 = val & 0xff;
    if (dlen >= 2) out.push(b0);
    if (dlen >= 3) out.push(b1);
    if (dlen >= 4) out.push(b2);
    if (trailing >= 0) throw new Base64Error(trailing);
    if (done) return Buffer.from(out);
  }
}

export function base64Encode(b: Uint8Array, variant: Base64Variant): string {
  const s = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString(variant.url ? "base64url" : "base64");
  if (variant.url && variant.padded) return s + "=".repeat((4 - (s.length % 4)) % 4);
  if (!variant.url && !variant.padded) return s.replace(/=+$/, "");
  return s;
}

/** OPA's base64url.decode on bytes: restores omitted padding (RFC 7515 appendix C), then decodes strictly. */
export function opaBase64UrlDecode(s: string): Buffer {
  if (!s.endsWith("=")) {
    const r = Buffer.byteLength(s, "utf8") % 4;
    if (r === 2) s += "==";
    else if (r === 3) s += "=";
    else if (r === 1) throw new Error(`illegal base64url string: ${s}`);
  }
  return goBase64Decode(s, { url: true, padded: true });
}
