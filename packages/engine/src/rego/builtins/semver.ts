/** semver.is_valid and semver.compare (SemVer 2.0.0, optional leading "v", int64 components). */
import type { BuiltinDef } from "./builtin.ts";
import { goQuote } from "./go/quote.ts";
import { builtinErr, str } from "./support/operands.ts";

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string[];
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const INT64_MAX = 2n ** 63n - 1n;

function parse(s: string): Version | undefined {
  const m = SEMVER.exec(s);
  if (!m) return undefined;
  const major = BigInt(m[1]);
  const minor = BigInt(m[2]);
  const patch = BigInt(m[3]);
  if (major > INT64_MAX || minor > INT64_MAX || patch > INT64_MAX) return undefined;
  return { major, minor, patch, pre: m[4] ? m[4].split(".") : [] };
}

const NUMERIC = /^\d+$/;

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePre(a: string[], b: string[]): number {
  // A version without pre-release identifiers ranks higher.
  if (a.length === 0) return b.length === 0 ? 0 : 1;
  if (b.length === 0) return -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    const xn = NUMERIC.test(x);
    const yn = NUMERIC.test(y);
    if (xn && yn) return cmpBig(BigInt(x), BigInt(y));
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export function compareVersions(a: Version, b: Version): number {
  return (
    cmpBig(a.major, b.major) ||
    cmpBig(a.minor, b.minor) ||
    cmpBig(a.patch, b.patch) ||
    comparePre(a.pre, b.pre)
  );
}

export const builtins: BuiltinDef[] = [
  {
    name: "semver.is_valid",
    arity: 1,
    impl: ([v]) => typeof v === "string" && parse(v) !== undefined,
  },
  {
    name: "semver.compare",
    arity: 2,
    impl: (args) => {
      const a = str("semver.compare", args, 0);
      const b = str("semver.compare", args, 1);
      const va = parse(a);
      if (!va) throw builtinErr("semver.compare", `operand 1: string ${goQuote(a)} is not a valid SemVer`);
      const vb = parse(b);
      if (!vb) throw builtinErr("semver.compare", `operand 2: string ${goQuote(b)} is not a valid SemVer`);
      return compareVersions(va, vb);
    },
  },
];
