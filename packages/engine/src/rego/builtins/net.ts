/** net.cidr_* builtins with Go's net package semantics; net.lookup_ip_addr is disabled. */
import { isObject, objEntries, RSet, type Value } from "../value.ts";
import { type BuiltinDef, BuiltinError } from "./builtin.ts";
import {
  CIDRError,
  cidrMask,
  contains,
  fromBig,
  type IPNet,
  ipString,
  maskIP,
  maskSize,
  netString,
  parseCIDR,
  parseIP,
  to4,
  toBig,
} from "./net/ipnet.ts";
import { builtinErr, operandErr } from "./support/operands.ts";

class NetError extends Error {}

/** getNetFromOperand: OPA reports every operand here as "operand 1". */
function netOperand(name: string, v: Value): IPNet {
  if (typeof v !== "string") throw operandErr(name, 1, v, "string");
  try {
    return parseCIDR(v).net;
  } catch (e) {
    if (e instanceof CIDRError) throw new NetError(e.message);
    throw e;
  }
}

function isPlainIPv6Net(n: IPNet): boolean {
  return n.ip.length === 16 && n.mask.length === 16 && to4(n.ip) === undefined;
}

function lastIP(n: IPNet): Uint8Array {
  const [ones, bits] = maskSize(n.mask);
  if (ones === 0 && bits === 0) throw new NetError("CIDR mask is in non-standard format");
  if (ones === bits) return n.ip;
  const host = (1n << BigInt(bits - ones)) - 1n;
  return fromBig(toBig(n.ip) | host, bits / 8);
}

function cidrContains(name: string, a: Value, b: Value): boolean {
  const netA = netOperand(name, a);
  if (typeof b !== "string") throw operandErr(name, 1, b, "string");
  const ip = parseIP(b);
  if (ip) return contains(netA, ip);
  let netB: IPNet;
  try {
    netB = netOperand(name, b);
  } catch {
    throw new NetError(`not a valid textual representation of an IP address or CIDR: ${b}`);
  }
  if (isPlainIPv6Net(netA) && isPlainIPv6Net(netB)) {
    const [aOnes] = maskSize(netA.mask);
    const [bOnes] = maskSize(netB.mask);
    const masked = maskIP(netB.ip, netA.mask);
    return aOnes <= bOnes && masked !== undefined && masked.every((x, i) => x === netA.ip[i]);
  }
  return contains(netA, netB.ip) && contains(netA, lastIP(netB));
}

function wrap<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof NetError) throw builtinErr(name, e.message);
    throw e;
  }
}

/** The (cidr, index) pairs of a cidr_contains_matches operand. */
function matchTerms(operand: number, v: Value): [Value, Value][] {
  const cidrOf = (x: Value): Value => {
    if (typeof x === "string") return x;
    if (Array.isArray(x) && x.length > 0) return x[0];
    throw new NetError(`operand ${operand}: element must be string or non-empty array`);
  };
  if (typeof v === "string") return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [cidrOf(x), i]);
  if (v instanceof RSet) return v.sorted().map((x) => [cidrOf(x), x]);
  if (isObject(v)) return [...objEntries(v)].map(([k, x]) => [cidrOf(x), k]);
  return [];
}

function containsMatches(args: Value[]): Value {
  const name = "net.cidr_contains_matches";
  return wrap(name, () => {
    const out = new RSet();
    for (const [c1, i1] of matchTerms(1, args[0]))
      for (const [c2, i2] of matchTerms(2, args[1])) if (cidrContains(name, c1, c2)) out.add([i1, i2]);
    return out;
  });
}

const EXPAND_LIMIT = 1 << 20;

function expand(args: Value[]): Value {
  const name = "net.cidr_expand";
  const s = args[0];
  if (typeof s !== "string") throw operandErr(name, 1, s, "string");
  const { ip, net } = wrap(name, () => {
    try {
      return parseCIDR(s);
    } catch (e) {
      if (e instanceof CIDRError) throw new NetError(e.message);
      throw e;
    }
  });
  const [ones, bits] = maskSize(net.mask);
  if (bits - ones > 20)
    throw builtinErr(
      name,
      `too many addresses: /${ones} would expand to more than ${EXPAND_LIMIT} addresses`,
    );
  const start = maskIP(ip, net.mask)!;
  const first = toBig(start);
  const count = 1n << BigInt(bits - ones);
  const out = new RSet();
  for (let i = 0n; i < count; i++) out.add(ipString(fromBig(first + i, start.length)));
  return out;
}

// ---- cidr_merge ---------------------------------------------------------------

const V4_BASE = 0xffffn << 32n;

/** A network as an inclusive range in the 128-bit space (IPv4 as ::ffff:a.b.c.d), plus whether it is IPv4. */
function toRange(n: IPNet): [bigint, bigint, boolean] {
  const v4 = to4(n.ip) !== undefined;
  const [ones, bits] = maskSize(n.mask);
  const ip = v4 ? to4(n.ip)! : n.ip;
  const base = v4
    ? V4_BASE | toBig(maskIP(ip, n.mask.length === 16 ? n.mask.slice(12) : n.mask)!)
    : toBig(ip);
  const host = (1n << BigInt(bits - ones)) - 1n;
  const first = v4 ? base : base & ~host;
  return [first, first | host, v4];
}

/** An element of net.cidr_merge's operand as a network; a bare IPv4 address keeps its text with the classful mask. */
function mergeElement(v: Value): { net: IPNet; bare?: string } {
  if (typeof v !== "string") throw new NetError("element must be string");
  const ip = parseIP(v);
  if (!ip) {
    try {
      return { net: parseCIDR(v).net };
    } catch (e) {
      if (e instanceof CIDRError) throw new NetError(e.message);
      throw e;
    }
  }
  const v4 = to4(ip);
  if (!v4) throw new NetError("IPv6 invalid: needs prefix length");
  // ip.DefaultMask(): the classful mask.
  const ones = v4[0] < 0x80 ? 8 : v4[0] < 0xc0 ? 16 : 24;
  // OPA's IPNet keeps the address unmasked: printed as is (`192.168.1.1/24`) unless merged with another
  return { net: { ip: v4, mask: cidrMask(ones, 32) }, bare: `${ipString(v4)}/${ones}` };
}

/** A merge range: first and last address, IPv4, and the bare element's text while merged with no other. */
type MergeRange = [bigint, bigint, boolean, string | undefined];

function merge(args: Value[]): Value {
  const name = "net.cidr_merge";
  return wrap(name, () => {
    const v = args[0];
    let items: Value[];
    if (Array.isArray(v)) items = v;
    else if (v instanceof RSet) items = v.sorted();
    else throw new NetError("operand must be an array");
    const ranges = items
      .map((x): MergeRange => {
        const e = mergeElement(x);
        return [...toRange(e.net), e.bare];
      })
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const merged: MergeRange[] = [];
    for (const r of ranges) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1] + 1n) {
        if (r[1] > last[1]) last[1] = r[1];
        last[3] = undefined;
      } else merged.push([...r]);
    }
    const out = new RSet();
    for (const [first, last, v4, bare] of merged) {
      if (bare !== undefined) {
        out.add(bare);
        continue;
      }
      const isV4 = v4 && first >= V4_BASE && last <= (V4_BASE | 0xffffffffn);
      let cur = first;
      while (cur <= last) {
        let size = 0n;
        while (
          size < 128n &&
          (cur & ((1n << (size + 1n)) - 1n)) === 0n &&
          cur + (1n << (size + 1n)) - 1n <= last
        )
          size++;
        if (isV4) out.add(`${ipString(fromBig(cur - V4_BASE, 4))}/${32n - size}`);
        else out.add(netString({ ip: fromBig(cur, 16), mask: cidrMask(Number(128n - size), 128) }));
        cur += 1n << size;
      }
    }
    return out;
  });
}

export const builtins: BuiltinDef[] = [
  {
    name: "net.cidr_contains",
    arity: 2,
    impl: (a) => wrap("net.cidr_contains", () => cidrContains("net.cidr_contains", a[0], a[1])),
  },
  {
    name: "net.cidr_overlap",
    arity: 2,
    impl: (a) => wrap("net.cidr_overlap", () => cidrContains("net.cidr_overlap", a[0], a[1])),
  },
  {
    name: "net.cidr_intersects",
    arity: 2,
    impl: (a) =>
      wrap("net.cidr_intersects", () => {
        const x = netOperand("net.cidr_intersects", a[0]);
        const y = netOperand("net.cidr_intersects", a[1]);
        return contains(x, y.ip) || contains(y, x.ip);
      }),
  },
  { name: "net.cidr_contains_matches", arity: 2, impl: containsMatches },
  { name: "net.cidr_expand", arity: 1, impl: expand },
  {
    name: "net.cidr_is_valid",
    arity: 1,
    impl: (a) => {
      if (typeof a[0] !== "string") return false;
      try {
        parseCIDR(a[0]);
        return true;
      } catch {
        return false;
      }
    },
  },
  { name: "net.cidr_merge", arity: 1, impl: merge },
  {
    name: "net.lookup_ip_addr",
    arity: 1,
    nondeterministic: true,
    impl: () => {
      throw new BuiltinError(
        "net.lookup_ip_addr: network access is disabled in Portcullis",
        "eval_builtin_error",
        true,
      );
    },
  },
];
