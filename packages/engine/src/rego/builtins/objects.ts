/** object.get, object.keys, object.remove, object.filter, object.union, object.union_n, object.subset. */
import {
  compare,
  equal,
  isObject,
  makeObject,
  objEntries,
  objGet,
  objKeys,
  type PlainObject,
  type RegoObject,
  RObj,
  RSet,
  setOwn,
  typeName,
  type Value,
} from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";
import { arr, obj, operandErr, typeErr } from "./support/operands.ts";

/** Keys given as an array, set or object (its keys), as a set. */
function keySet(name: string, v: Value): RSet {
  if (Array.isArray(v)) return new RSet(v);
  if (v instanceof RSet) return v;
  if (isObject(v)) return new RSet(objKeys(v));
  throw operandErr(name, 2, v, "object", "set", "array");
}

/** One step of a path through objects, arrays (integer index) and sets (membership). */
function step(cur: Value, k: Value): Value | undefined {
  if (isObject(cur)) return objGet(cur, k);
  if (Array.isArray(cur)) {
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k >= cur.length) return undefined;
    return cur[k];
  }
  if (cur instanceof RSet) {
    return cur.get(k);
  }
  return undefined;
}

function unionTwo(a: RegoObject, b: RegoObject): RegoObject {
  if (!(a instanceof RObj) && !(b instanceof RObj)) {
    const out: PlainObject = {};
    for (const k in a) if (Object.hasOwn(a, k)) setOwn(out, k, a[k]);
    for (const k in b) {
      if (!Object.hasOwn(b, k)) continue;
      const v2 = b[k];
      const v1 = Object.hasOwn(out, k) ? out[k] : undefined;
      setOwn(out, k, v1 !== undefined && isObject(v1) && isObject(v2) ? unionTwo(v1, v2) : v2);
    }
    return out;
  }
  const entries = new RObj(objEntries(a));
  for (const [k, v2] of objEntries(b)) {
    const v1 = entries.get(k);
    entries.set(k, v1 !== undefined && isObject(v1) && isObject(v2) ? unionTwo(v1, v2) : v2);
  }
  return makeObject(entries.entries());
}

function objectSubset(sup: RegoObject, sub: RegoObject): boolean {
  for (const [k, subV] of objEntries(sub)) {
    const supV = objGet(sup, k);
    if (supV === undefined) return false;
    if (equal(subV, supV)) continue;
    if (isObject(supV) && isObject(subV)) {
      if (!objectSubset(supV, subV)) return false;
    } else if (supV instanceof RSet && subV instanceof RSet) {
      if (!setSubset(supV, subV)) return false;
    } else if (Array.isArray(supV) && Array.isArray(subV)) {
      if (!arraySubset(supV, subV)) return false;
    } else return false;
  }
  return true;
}

function setSubset(sup: RSet, sub: RSet): boolean {
  for (const v of sub.sorted()) if (!sup.has(v)) return false;
  return true;
}

/** The sub array appears contiguously in the super array. */
function arraySubset(sup: Value[], sub: Value[]): boolean {
  if (sub.length > sup.length) return false;
  outer: for (let i = 0; i + sub.length <= sup.length; i++) {
    for (let j = 0; j < sub.length; j++) if (compare(sup[i + j], sub[j]) !== 0) continue outer;
    return true;
  }
  return false;
}

/** Every set member occurs in the array. OPA answers false for an empty array (even with an empty set). */
function arraySetSubset(sup: Value[], sub: RSet): boolean {
  let unmatched = sub.size;
  for (const x of sup) {
    if (sub.has(x)) unmatched--;
    if (unmatched === 0) return true;
  }
  return false;
}

export const builtins: BuiltinDef[] = [
  {
    name: "object.get",
    arity: 3,
    impl: (args) => {
      const o = obj("object.get", args, 0);
      const path = args[1];
      if (!Array.isArray(path)) return objGet(o, path) ?? args[2];
      let cur: Value = o;
      for (const k of path) {
        const next = step(cur, k);
        if (next === undefined) return args[2];
        cur = next;
      }
      return cur;
    },
  },
  {
    name: "object.keys",
    arity: 1,
    impl: (args) => new RSet(objKeys(obj("object.keys", args, 0))),
  },
  {
    name: "object.remove",
    arity: 2,
    impl: (args) => {
      const o = obj("object.remove", args, 0);
      const keys = keySet("object.remove", args[1]);
      if (!(o instanceof RObj)) {
        const out: PlainObject = {};
        for (const k in o) if (Object.hasOwn(o, k) && !keys.has(k)) setOwn(out, k, o[k]);
        return out;
      }
      const entries: [Value, Value][] = [];
      for (const [k, v] of objEntries(o)) if (!keys.has(k)) entries.push([k, v]);
      return makeObject(entries);
    },
  },
  {
    name: "object.filter",
    arity: 2,
    impl: (args) => {
      const o = obj("object.filter", args, 0);
      const keys = keySet("object.filter", args[1]);
      const entries: [Value, Value][] = [];
      for (const k of keys.sorted()) {
        const v = objGet(o, k);
        if (v !== undefined) entries.push([k, v]);
      }
      return makeObject(entries);
    },
  },
  {
    name: "object.union",
    arity: 2,
    impl: (args) => {
      const a = obj("object.union", args, 0);
      const b = obj("object.union", args, 1);
      return unionTwo(a, b);
    },
  },
  {
    name: "object.union_n",
    arity: 1,
    impl: (args) => {
      const xs = arr("object.union_n", args, 0);
      // OPA checks from the last element backwards.
      for (const x of xs.toReversed())
        if (!isObject(x))
          throw typeErr(
            "object.union_n",
            `operand 1 must be array of objects but got array containing ${typeName(x)}`,
          );
      let acc: RegoObject = {};
      for (const x of xs) acc = unionTwo(acc, x as RegoObject);
      return acc;
    },
  },
  {
    name: "object.subset",
    arity: 2,
    impl: ([sup, sub]) => {
      if (isObject(sup) && isObject(sub)) return objectSubset(sup, sub);
      if (sup instanceof RSet && sub instanceof RSet) return setSubset(sup, sub);
      if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
      if (Array.isArray(sup) && sub instanceof RSet) return arraySetSubset(sup, sub);
      throw typeErr(
        "object.subset",
        "both arguments object.subset must be of the same type or array and set",
      );
    },
  },
];
