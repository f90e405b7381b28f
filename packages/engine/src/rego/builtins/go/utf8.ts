/**
 * Bytes to a string as OPA shows them: Go keeps a decoded string's raw bytes
 * and its JSON encoder (like `utf8.DecodeRune`) turns each byte of an invalid
 * sequence into its own U+FFFD. Node's decoder replaces a whole truncated
 * sequence by one U+FFFD instead, so "\xe2\x98A" would read "\uFFFDA" rather
 * than Go's "\uFFFD\uFFFDA".
 */
import { isUtf8 } from "node:buffer";

const REPLACEMENT = "\uFFFD";

/** Length of the valid UTF-8 sequence starting at b[i], or 0 (Go's accept ranges). */
function validAt(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const cont = (j: number, lo = 0x80, hi = 0xbf) => j < b.length && b[j] >= lo && b[j] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

export function goBytesToString(b: Uint8Array): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (isUtf8(buf)) return buf.toString("utf8");
  let out = "";
  let start = 0;
  for (let i = 0; i < buf.length; ) {
    const n = validAt(buf, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += buf.toString("utf8", start, i) + REPLACEMENT;
    i += 1;
    start = i;
  }
  return out + buf.toString("utf8", start, buf.length);
}
