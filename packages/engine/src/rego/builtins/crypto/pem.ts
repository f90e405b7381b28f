/** PEM blocks the way Go's encoding/pem finds them (first block, and the rest after its END line). */

export interface PemBlock {
  type: string;
  bytes: Buffer;
}

const PEM_RE = /-----BEGIN ([^\r\n]*?)-----[ \t]*\r?\n([\s\S]*?)-----END \1-----[ \t]*(?:\r?\n|$)/;

/** pem.Decode: the first block (data before it is skipped) and the remaining text. */
export function pemDecode(text: string): { block?: PemBlock; rest: string } {
  const m = PEM_RE.exec(text);
  if (!m) return { rest: text };
  // Headers ("Proc-Type: ...") precede a blank line; the body is base64 with whitespace.
  let body = m[2];
  const headerEnd = /^(?:[^\r\n]*:[^\r\n]*\r?\n)+\r?\n/.exec(body);
  if (headerEnd) body = body.slice(headerEnd[0].length);
  const b64 = body.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return { rest: text };
  return {
    block: { type: m[1], bytes: Buffer.from(b64, "base64") },
    rest: text.slice(m.index + m[0].length),
  };
}

/** All blocks, in order. */
export function pemDecodeAll(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (;;) {
    const { block, rest } = pemDecode(text);
    if (!block) return out;
    out.push(block);
    text = rest;
  }
}
