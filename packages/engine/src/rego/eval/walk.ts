/**
 * Walking a value along a ref's operands (`x.a[i].b`). Each operand is
 * planned once into a walker that knows its successor, so a walk allocates
 * nothing per step: constant keys are direct property reads, and iterating
 * an unbound var (`x[_]`, `x[i]`) is a plain loop that binds the var's slot.
 */

import type { RNode } from "../compile/tree.ts";
import { type PlainObject, RObj, RSet, sortedEntries, sortedKeys, type Value } from "../value.ts";
import type { Frame, VK } from "./ctx.ts";
import { iterate, lookup, lookupData, type Operand } from "./plan.ts";

export type Walk = (f: Frame, v: Value, k: VK) => boolean;

const DONE: Walk = (_f, v, k) => k(v);

/** For data refs: the rule-tree node reached by the ref's constant prefix (see walkData). */
export interface TreePrefix {
  root: RNode;
  node: RNode;
  keys: Value[];
}

/** A ref's operands with their walkers (built on first use, per start index). */
export class RefPath {
  readonly ops: Operand[];
  prefix: TreePrefix | undefined = undefined;
  private readonly plain: (Walk | undefined)[];
  private readonly data: (Walk | undefined)[];
  constructor(ops: Operand[]) {
    this.ops = ops;
    this.plain = new Array(ops.length + 1);
    this.data = new Array(ops.length + 1);
  }
  /** The walker from operand i; in base documents (`inData`) integer keys also read string keys. */
  from(i: number, inData: boolean): Walk {
    const ws = inData ? this.data : this.plain;
    let w = ws[i];
    if (w === undefined) {
      w = i === this.ops.length ? DONE : makeWalk(this.ops[i], this.from(i + 1, inData), inData);
      ws[i] = w;
    }
    return w;
  }
}

function makeWalk(op: Operand, next: Walk, inData: boolean): Walk {
  const get = inData ? lookupData : lookup;
  switch (op.k) {
    case "const": {
      const key = op.v;
      if (typeof key === "string") {
        const read = fieldReader(key);
        return (f, v, k) => {
          const w = read(v);
          return w !== undefined && next(f, w, k);
        };
      }
      return (f, v, k) => {
        const w = get(v, key);
        return w !== undefined && next(f, w, k);
      };
    }
    case "local": {
      const slot = op.slot;
      const wild = op.wild;
      return (f, v, k) => {
        const key = f.s[slot];
        if (key === undefined) return wild ? eachValue(f, v, next, k) : eachBound(f, v, slot, next, k);
        const w = get(v, key);
        return w !== undefined && next(f, w, k);
      };
    }
    case "pat": {
      const { u, g, pats } = op;
      return (f, v, k) => {
        for (const s of pats)
          if (f.s[s] === undefined) return iterate(v, (key, val) => u(f, key, () => next(f, val, k)));
        return g(f, (key) => {
          const w = get(v, key);
          return w !== undefined && next(f, w, k);
        });
      };
    }
    case "gen": {
      const g = op.g;
      return (f, v, k) =>
        g(f, (key) => {
          const w = get(v, key);
          return w !== undefined && next(f, w, k);
        });
    }
  }
}

/** Keys no plain object inherits: a property read needs no own-property check. */
export function fieldReader(key: string): (v: Value) => Value | undefined {
  if (key in Object.prototype) return (v) => lookup(v, key);
  return (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    if (v instanceof RSet) return v.has(key) ? key : undefined;
    if (v instanceof RObj) return v.get(key);
    return (v as PlainObject)[key];
  };
}

/** `v[_]`: each member value, in OPA's order. */
function eachValue(f: Frame, v: Value, next: Walk, k: VK): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (next(f, v[i], k)) return true;
    return false;
  }
  if (v instanceof RSet) {
    for (const x of v.sorted()) if (next(f, x, k)) return true;
    return false;
  }
  if (v instanceof RObj) {
    for (const e of sortedEntries(v)) if (next(f, e[1], k)) return true;
    return false;
  }
  const o = v as PlainObject;
  for (const key of sortedKeys(o)) {
    const x = o[key];
    // tolerate JS objects with `undefined` members: they are absent in JSON
    if (x !== undefined && next(f, x, k)) return true;
  }
  return false;
}

/** `v[x]` with x unbound: each member, with x bound to its key. */
function eachBound(f: Frame, v: Value, slot: number, next: Walk, k: VK): boolean {
  if (typeof v !== "object" || v === null) return false;
  const s = f.s;
  let r = false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && !r; i++) {
      s[slot] = i;
      r = next(f, v[i], k);
    }
  } else if (v instanceof RSet) {
    const xs = v.sorted();
    for (let i = 0; i < xs.length && !r; i++) {
      s[slot] = xs[i];
      r = next(f, xs[i], k);
    }
  } else if (v instanceof RObj) {
    const es = sortedEntries(v);
    for (let i = 0; i < es.length && !r; i++) {
      s[slot] = es[i][0];
      r = next(f, es[i][1], k);
    }
  } else {
    const o = v as PlainObject;
    const keys = sortedKeys(o);
    for (let i = 0; i < keys.length && !r; i++) {
      const x = o[keys[i]];
      if (x === undefined) continue;
      s[slot] = keys[i];
      r = next(f, x, k);
    }
  }
  s[slot] = undefined;
  return r;
}
