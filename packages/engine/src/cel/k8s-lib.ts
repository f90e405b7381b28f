import {
  type CelFunc,
  type CelList,
  CelScalar,
  celFunc,
  celMethod,
  isCelList,
  isCelMap,
  isCelUint,
  listType,
} from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";

// A subset of the Kubernetes CEL libraries (lists, regex) on top of cel-es'
// standard library and strings extension: what ConstraintTemplates use in practice.

const LIST_DYN = listType(CelScalar.DYN);
const LIST_STRING = listType(CelScalar.STRING);

function num(v: unknown): number | bigint | string {
  if (isCelUint(v)) return v.value;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "string") return v;
  throw new Error("no such overload: list element is not comparable");
}

function cmp(a: unknown, b: unknown): number {
  const x = num(a);
  const y = num(b);
  if (typeof x === "string" || typeof y === "string") {
    if (typeof x !== typeof y) throw new Error("no such overload: mixed element types");
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

function isSorted(this: CelList): boolean {
  let prev: unknown;
  let first = true;
  for (const v of this) {
    if (!first && cmp(prev, v) > 0) return false;
    prev = v;
    first = false;
  }
  return true;
}

function extreme(list: CelList, sign: number): any {
  if (list.size === 0) throw new Error("min/max of an empty list");
  let best: unknown = list.get(0);
  for (const v of list) if (cmp(v, best) * sign > 0) best = v;
  return best;
}

function sum(this: CelList): any {
  let total: number | bigint = 0n;
  for (const v of this) {
    const x = num(v);
    if (typeof x === "string") throw new Error("no such overload: sum of strings");
    if (typeof total === "bigint" && typeof x === "bigint") total += x;
    else total = Number(total) + Number(x);
  }
  return total;
}

// CEL equality: numbers across int/uint/double (1 == 1.0 == 1u), lists and maps deeply.
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = isCelUint(a) ? a.value : a;
  const y = isCelUint(b) ? b.value : b;
  const numeric = (n: unknown) => typeof n === "number" || typeof n === "bigint";
  if (numeric(x) && numeric(y)) return Number(x) === Number(y);
  if (isCelList(x) && isCelList(y)) {
    if (x.size !== y.size) return false;
    for (let i = 0; i < x.size; i++) if (!same(x.get(i), y.get(i))) return false;
    return true;
  }
  if (isCelMap(x) && isCelMap(y)) {
    if (x.size !== y.size) return false;
    for (const [k, v] of x) if (!y.has(k) || !same(v, y.get(k))) return false;
    return true;
  }
  return false;
}

function contains(list: CelList, v: unknown): boolean {
  for (const x of list) if (same(x, v)) return true;
  return false;
}

// cel-go's sets extension (sets.contains / equivalent / intersects).
function setsContains(a: CelList, b: CelList): boolean {
  for (const v of b) if (!contains(a, v)) return false;
  return true;
}

function flatten(list: CelList, depth: number): unknown[] {
  const out: unknown[] = [];
  for (const v of list) {
    if (isCelList(v) && depth > 0) out.push(...flatten(v, depth - 1));
    else out.push(v);
  }
  return out;
}

function listIndexOf(list: CelList, v: unknown, last: boolean): bigint {
  let found = -1;
  let i = 0;
  for (const x of list) {
    if (same(x, v)) {
      found = i;
      if (!last) break;
    }
    i++;
  }
  return BigInt(found);
}

function regexFind(s: string, pattern: string, all: boolean, limit?: bigint): string | string[] {
  const re = new RegExp(pattern, "gu");
  const out: string[] = [];
  const max = limit === undefined ? Number.POSITIVE_INFINITY : Number(limit);
  for (const m of s.matchAll(re)) {
    if (out.length >= max && max >= 0) break;
    out.push(m[0]);
    if (!all) break;
  }
  return all ? out : (out[0] ?? "");
}

export const k8sFuncs: CelFunc[] = [
  ...strings,
  celFunc("sets.contains", [LIST_DYN, LIST_DYN], CelScalar.BOOL, setsContains),
  celFunc(
    "sets.equivalent",
    [LIST_DYN, LIST_DYN],
    CelScalar.BOOL,
    (a, b) => setsContains(a, b) && setsContains(b, a),
  ),
  celFunc("sets.intersects", [LIST_DYN, LIST_DYN], CelScalar.BOOL, (a, b) => {
    for (const v of b) if (contains(a, v)) return true;
    return false;
  }),
  celMethod("flatten", LIST_DYN, [], LIST_DYN, function (this: CelList) {
    return flatten(this, 1) as any;
  }),
  celMethod("flatten", LIST_DYN, [CelScalar.INT], LIST_DYN, function (this: CelList, depth: bigint) {
    if (depth < 0n) throw new Error("level must be non-negative");
    return flatten(this, Number(depth)) as any;
  }),
  celMethod(
    "slice",
    LIST_DYN,
    [CelScalar.INT, CelScalar.INT],
    LIST_DYN,
    function (this: CelList, a: bigint, b: bigint) {
      const from = Number(a);
      const to = Number(b);
      if (from < 0 || to < from || to > this.size) {
        throw new Error(`cannot slice(${from}, ${to}) a list of size ${this.size}`);
      }
      return [...this].slice(from, to) as any;
    },
  ),
  celMethod("isSorted", LIST_DYN, [], CelScalar.BOOL, isSorted),
  celMethod("sum", LIST_DYN, [], CelScalar.DYN, sum),
  celMethod("min", LIST_DYN, [], CelScalar.DYN, function (this: CelList) {
    return extreme(this, -1);
  }),
  celMethod("max", LIST_DYN, [], CelScalar.DYN, function (this: CelList) {
    return extreme(this, 1);
  }),
  celMethod("indexOf", LIST_DYN, [CelScalar.DYN], CelScalar.INT, function (this: CelList, v: unknown) {
    return listIndexOf(this, v, false);
  }),
  celMethod("lastIndexOf", LIST_DYN, [CelScalar.DYN], CelScalar.INT, function (this: CelList, v: unknown) {
    return listIndexOf(this, v, true);
  }),
  celMethod(
    "find",
    CelScalar.STRING,
    [CelScalar.STRING],
    CelScalar.STRING,
    function (this: string, p: string) {
      return regexFind(this, p, false) as string;
    },
  ),
  celMethod("findAll", CelScalar.STRING, [CelScalar.STRING], LIST_STRING, function (this: string, p: string) {
    return regexFind(this, p, true) as string[];
  }),
  celMethod(
    "findAll",
    CelScalar.STRING,
    [CelScalar.STRING, CelScalar.INT],
    LIST_STRING,
    function (this: string, p: string, n: bigint) {
      return regexFind(this, p, true, n) as string[];
    },
  ),
];
