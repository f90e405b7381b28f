/**
 * Fast path for terms that yield at most one value once their vars are
 * bound (the common case: `x := f(input.a.b)`): evaluated directly, without
 * continuation closures. NOTDET means "not single-valued here" (an operand
 * var is unbound, so the ref would iterate): callers fall back to the
 * generator path.
 */
import type { IRTerm } from "../compile/ir.ts";
import { makeObject, RSet, type Value } from "../value.ts";
import { invoke } from "./calls.ts";
import type { Frame } from "./ctx.ts";
import { type Gen, gen, genSlow, lookup } from "./plan.ts";

export const NOTDET: unique symbol = Symbol("notdet");
export type One = (f: Frame) => Value | undefined | typeof NOTDET;

/** Builtins that may produce several results or need the generator path. */
const MULTI_BUILTINS = new Set(["walk", "print"]);

const cache = new WeakMap<IRTerm, One | null>();

export function compileOne(t: IRTerm): One | undefined {
  const c = cache.get(t);
  if (c !== undefined) return c ?? undefined;
  const r = build(t);
  cache.set(t, r ?? null);
  return r;
}

function build(t: IRTerm): One | undefined {
  switch (t.t) {
    case "const": {
      const v = t.v;
      return () => v;
    }
    case "local": {
      const slot = t.slot;
      return (f) => f.s[slot] ?? NOTDET;
    }
    case "input":
      return (f) => f.c.input;
    case "ref":
      return buildRef(t);
    case "call": {
      if (t.fn.kind === "builtin" && MULTI_BUILTINS.has(t.fn.name)) return undefined;
      const args = t.args.map(compileOne);
      if (args.some((a) => !a)) return undefined;
      const as = args as One[];
      const n = as.length;
      const fn = t.fn;
      const loc = t.loc;
      return (f) => {
        const vs: Value[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const v = as[i](f);
          if (v === undefined || v === NOTDET) return v;
          vs[i] = v;
        }
        return invoke(fn, vs, f, loc);
      };
    }
    case "array":
    case "set": {
      const items = t.items.map(compileOne);
      if (items.some((a) => !a)) return undefined;
      const is = items as One[];
      const isSet = t.t === "set";
      return (f) => {
        const out: Value[] = new Array(is.length);
        for (let i = 0; i < is.length; i++) {
          const v = is[i](f);
          if (v === undefined || v === NOTDET) return v;
          out[i] = v;
        }
        return isSet ? new RSet(out) : out;
      };
    }
    case "object": {
      const ks = t.entries.map(([k]) => compileOne(k));
      const vs = t.entries.map(([, v]) => compileOne(v));
      if (ks.some((a) => !a) || vs.some((a) => !a)) return undefined;
      return (f) => {
        const out: [Value, Value][] = new Array(ks.length);
        for (let i = 0; i < ks.length; i++) {
          const k = ks[i]!(f);
          if (k === undefined || k === NOTDET) return k;
          const v = vs[i]!(f);
          if (v === undefined || v === NOTDET) return v;
          out[i] = [k, v];
        }
        return makeObject(out);
      };
    }
    case "arraycompr":
    case "setcompr":
    case "objectcompr":
    case "template":
      return capture(gen(t));
    default:
      return undefined;
  }
}

/** A generator known to call back at most once. */
function capture(g: Gen): One {
  return (f) => {
    let out: Value | undefined;
    g(f, (v) => {
      out = v;
      return true;
    });
    return out;
  };
}

function buildRef(t: IRTerm & { t: "ref" }): One | undefined {
  // operands: constants or vars (bound at run time); anything else takes the generator path
  for (const p of t.path) if (p.t !== "const" && p.t !== "local") return undefined;
  const path = t.path as (IRTerm & { t: "const" | "local" })[];
  const n = path.length;
  if (t.head.t === "data") {
    const g = genSlow(t);
    return (f) => {
      for (const p of path) if (p.t === "local" && f.s[p.slot] === undefined) return NOTDET;
      let out: Value | undefined;
      g(f, (v) => {
        out = v;
        return true;
      });
      return out;
    };
  }
  const head = compileOne(t.head);
  if (!head) return undefined;
  return (f) => {
    let v = head(f);
    if (v === undefined || v === NOTDET) return v;
    for (let i = 0; i < n; i++) {
      const p = path[i];
      let key: Value | undefined;
      if (p.t === "const") key = p.v;
      else {
        key = f.s[p.slot];
        if (key === undefined) return NOTDET;
      }
      v = lookup(v, key);
      if (v === undefined) return undefined;
    }
    return v;
  };
}
