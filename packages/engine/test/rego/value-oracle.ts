/**
 * The term order as value.ts implemented it before key-order caching and
 * proven-equal memos: every object comparison sorts both key lists afresh.
 * Slow and obviously right; the property tests check the fast code against it.
 */
import { RObj, RSet, type Value } from "../../src/rego/value.ts";

function rank(v: Value): number {
  if (v === null) return 0;
  switch (typeof v) {
    case "boolean":
      return 1;
    case "number":
    case "bigint":
      return 2;
    case "string":
      return 3;
  }
  if (Array.isArray(v)) return 4;
  return v instanceof RSet ? 6 : 5;
}

/** Code point order, spelled out without the UTF-16 shortcut. */
function cmpStr(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return Math.sign(x.length - y.length);
}

function entries(o: Value): [Value, Value][] {
  const es: [Value, Value][] =
    o instanceof RObj
      ? [...o.entries()]
      : Object.entries(o as Record<string, Value>).filter(([, v]) => v !== undefined);
  return es.sort((p, q) => oracleCompare(p[0], q[0]));
}

function members(s: RSet): Value[] {
  // the set's own order is under test: re-sort its members here
  return [...s.sorted()].sort(oracleCompare);
}

function cmpSeq(x: Value[], y: Value[]): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = oracleCompare(x[i], y[i]);
    if (c) return c;
  }
  return Math.sign(x.length - y.length);
}

export function oracleCompare(a: Value, b: Value): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return Math.sign(ra - rb);
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a === b ? 0 : a ? 1 : -1;
    case 2:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 3:
      return cmpStr(a as string, b as string);
    case 4:
      return cmpSeq(a as Value[], b as Value[]);
    case 5: {
      const ex = entries(a);
      const ey = entries(b);
      for (let i = 0; i < Math.min(ex.length, ey.length); i++) {
        const c = oracleCompare(ex[i][0], ey[i][0]) || oracleCompare(ex[i][1], ey[i][1]);
        if (c) return c;
      }
      return Math.sign(ex.length - ey.length);
    }
    default:
      return cmpSeq(members(a as RSet), members(b as RSet));
  }
}

/** Sorted, deduplicated by the oracle: what a set's members must be. */
export function oracleSetMembers(xs: Value[]): Value[] {
  const sorted = [...xs].sort(oracleCompare);
  return sorted.filter((x, i) => i === 0 || oracleCompare(sorted[i - 1], x) !== 0);
}
