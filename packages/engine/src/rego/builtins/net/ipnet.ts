/**
 * Go's net.IP / net.IPNet as OPA's CIDR builtins use them: addresses are
 * byte arrays (16 bytes, IPv4 as v4-in-v6, or 4 bytes after masking with an
 * IPv4 mask), parsed with netip's rules and printed like Go.
 */

export type IP = Uint8Array;
export interface IPNet {
  ip: IP;
  mask: Uint8Array;
}

const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function parseIPv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseIPv6(s: string): number[] | undefined {
  if (s.includes("%")) return undefined;
  // An embedded dotted quad stands for the last two groups.
  let tail: number[] | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail = parseIPv4(s.slice(lastColon + 1));
    if (!tail) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (h: string): number[] | undefined => {
    if (h === "") return [];
    const out: number[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const a = parseGroups(halves[0]);
  const b = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!a || !b) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - a.length - b.length;
    if (fill < 1) return undefined;
    groups = [...a, ...new Array<number>(fill).fill(0), ...b];
  } else {
    if (a.length !== 8) return undefined;
    groups = a;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (tail) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** net.ParseIP: 16 bytes, or undefined. */
export function parseIP(s: string): IP | undefined {
  if (s.includes(".") && !s.includes(":")) {
    const v4 = parseIPv4(s);
    return v4 ? Uint8Array.from([...V4_PREFIX, ...v4]) : undefined;
  }
  if (!s.includes(":")) return undefined;
  const v6 = parseIPv6(s);
  return v6 ? Uint8Array.from(v6) : undefined;
}

/** Is `s` an IPv4 literal (netip's Is4, i.e. not a v4-mapped IPv6 literal)? */
function isV4Literal(s: string): boolean {
  return !s.includes(":");
}

export function to4(ip: IP): IP | undefined {
  if (ip.length === 4) return ip;
  if (ip.length === 16 && V4_PREFIX.every((b, i) => ip[i] === b)) return ip.slice(12);
  return undefined;
}

export function cidrMask(ones: number, bits: number): Uint8Array {
  const m = new Uint8Array(bits / 8);
  for (let i = 0; i < m.length; i++) {
    const n = Math.max(0, Math.min(8, ones - i * 8));
    m[i] = (0xff << (8 - n)) & 0xff;
  }
  return m;
}

/** IP.Mask, with Go's v4/v6 length reconciliation. */
export function maskIP(ip: IP, mask: Uint8Array): IP | undefined {
  if (mask.length === 16 && ip.length === 4 && mask.slice(0, 12).every((b) => b === 0xff))
    mask = mask.slice(12);
  if (mask.length === 4 && ip.length === 16 && V4_PREFIX.every((b, i) => ip[i] === b)) ip = ip.slice(12);
  if (ip.length !== mask.length) return undefined;
  return ip.map((b, i) => b & mask[i]);
}

export class CIDRError extends Error {}

/** net.ParseCIDR: the address and the (masked) network. */
export function parseCIDR(s: string): { ip: IP; net: IPNet } {
  const slash = s.indexOf("/");
  const bad = () => new CIDRError(`invalid CIDR address: ${s}`);
  if (slash < 0) throw bad();
  const addr = s.slice(0, slash);
  const len = s.slice(slash + 1);
  const ip = parseIP(addr);
  if (!ip) throw bad();
  const bits = isV4Literal(addr) ? 32 : 128;
  if (!/^\d+$/.test(len) || len.length > 4) throw bad();
  const n = Number(len);
  if (n > bits) throw bad();
  const mask = cidrMask(n, bits);
  return { ip, net: { ip: maskIP(ip, mask)!, mask } };
}

/** Mask.Size(): ones and bits, or [0, 0] for a non-canonical mask. */
export function maskSize(mask: Uint8Array): [number, number] {
  let ones = 0;
  let seenZero = false;
  for (const b of mask)
    for (let bit = 7; bit >= 0; bit--) {
      if ((b >> bit) & 1) {
        if (seenZero) return [0, 0];
        ones++;
      } else seenZero = true;
    }
  return [ones, mask.length * 8];
}

function networkNumberAndMask(n: IPNet): [IP, Uint8Array] | undefined {
  let ip = to4(n.ip);
  if (!ip) {
    ip = n.ip;
    if (ip.length !== 16) return undefined;
  }
  let m = n.mask;
  if (m.length === 4) {
    if (ip.length !== 4) return undefined;
  } else if (m.length === 16) {
    if (ip.length === 4) m = m.slice(12);
  } else return undefined;
  return [ip, m];
}

/** IPNet.Contains. */
export function contains(n: IPNet, ip: IP): boolean {
  const nm = networkNumberAndMask(n);
  if (!nm) return false;
  const [nn, m] = nm;
  const x = to4(ip) ?? ip;
  if (x.length !== nn.length) return false;
  for (let i = 0; i < x.length; i++) if ((nn[i] & m[i]) !== (x[i] & m[i])) return false;
  return true;
}

export function ipEqual(a: IP, b: IP): boolean {
  const x = to4(a) ?? a;
  const y = to4(b) ?? b;
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** IP.String(). */
export function ipString(ip: IP): string {
  const v4 = to4(ip);
  if (v4) return [...v4].join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i] << 8) | ip[i + 1]);
  // Longest run (>= 2) of zero groups becomes "::" (the first such run on ties).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** IPNet.String(). */
export function netString(n: IPNet): string {
  const nm = networkNumberAndMask(n);
  if (!nm) return "<nil>";
  const [nn, m] = nm;
  const [ones, bits] = maskSize(m);
  if (ones === 0 && bits === 0) return `${ipString(nn)}/${Buffer.from(m).toString("hex")}`;
  return `${ipString(nn)}/${ones}`;
}

export function toBig(ip: IP): bigint {
  let v = 0n;
  for (const b of ip) v = (v << 8n) | BigInt(b);
  return v;
}

export function fromBig(v: bigint, len: number): IP {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
