/**
 * Fast path for terms that yield at most one value once their vars are
 * bound (the common case: `x := f(input.a.b)`): evaluated directly, without
 * continuation closures. NOTDET means "not single-valued here" (an operand
 * var is unbound, so the ref would iterate): callers fall back to the
 * generator path.
 */
import { BUILTINS } from "../builtins/index.ts";
import type { IRBody, IRTerm } from "../compile/ir.ts";
import { irExprChildren, irTermChildren } from "../compile/ir-walk.ts";
import { makeObject, type PlainObject, RSet, setOwn, type Value } from "../value.ts";
import { BINARY, invoker, isNative } from "./calls.ts";
import { type Frame, UNDEF } from "./ctx.ts";
import { compileOperand, type Gen, gen, lookup } from "./plan.ts";
import { nondeterministic } from "./quiet.ts";
import { walkData } from "./rules.ts";
import { fieldReader, RefPath } from "./walk.ts";

export const NOTDET: unique symbol = Symbol("notdet");
export type One = (f: Frame) => Value | undefined | typeof NOTDET;

/** Builtins that may produce several results or need the generator path. */
const MULTI_BUILTINS = new Set(["walk", "print"]);

const cache = new WeakMap<IRTerm, One | null>();

/**
 * Whether the term can never be single-valued: a ref with a `_` operand
 * (each `_` is a var of its own, which nothing binds before its ref is
 * walked), or a call with such an argument. Its One would answer NOTDET on
 * every call after walking the ref's prefix, so callers go straight to the
 * generator path.
 */
export function iteratesAlways(t: IRTerm): boolean {
  if (t.t === "ref") {
    for (const p of t.path) if (p.t === "local" && p.wildcard) return true;
    return false;
  }
  if (t.t === "call") for (const a of t.args) if (iteratesAlways(a)) return true;
  return false;
}

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
      const one = buildCall(t);
      if (one === undefined || !inFunctions.has(t)) return one;
      if (closedBuiltinCall(t)) return memoClosed(t, one);
      const key = argKeys.get(t);
      return key === undefined ? one : memoOnArgs(key, one);
    }
    case "array":
    case "set": {
      if (t.items.every((x) => x.t === "const")) {
        // a constant literal (`["securityContext", "appArmorProfile"]`): one shared value, as
        // values are immutable
        const vs = t.items.map((x) => (x as { v: Value }).v);
        const v = t.t === "set" ? new RSet(vs) : vs;
        return () => v;
      }
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
      if (t.entries.every(([k, v]) => k.t === "const" && v.t === "const")) {
        const v = makeObject(t.entries.map(([k, v]) => [(k as { v: Value }).v, (v as { v: Value }).v]));
        return () => v;
      }
      if (t.entries.every(([k]) => k.t === "const" && typeof k.v === "string")) {
        // the usual `{"msg": msg}`: build the plain object directly
        const names = t.entries.map(([k]) => (k as { v: string }).v);
        const vals = t.entries.map(([, v]) => compileOne(v));
        if (vals.some((a) => !a)) return undefined;
        const vs = vals as One[];
        return (f) => {
          const out: PlainObject = {};
          for (let i = 0; i < vs.length; i++) {
            const v = vs[i](f);
            if (v === undefined || v === NOTDET) return v;
            setOwn(out, names[i], v);
          }
          return out;
        };
      }
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
  return (f) => (g(f, CAPTURE) ? captured : undefined);
}

/**
 * A continuation that keeps the first value and stops, shared by every
 * single-valued generator call. Safe although shared: a generator returns
 * true only when CAPTURE returned true, and then nothing else runs before
 * the caller reads `captured`.
 */
let captured: Value | undefined;
const CAPTURE = (v: Value): boolean => {
  captured = v;
  return true;
};

/** A call's single value, or undefined when some argument can have several. */
function buildCall(t: IRTerm & { t: "call" }): One | undefined {
  if (t.fn.kind === "builtin" && MULTI_BUILTINS.has(t.fn.name)) return undefined;
  // an argument that always iterates would answer NOTDET only after the arguments before it
  // were evaluated (a user function's whole body, say), and the generator path evaluates them again
  if (t.args.some(iteratesAlways)) return undefined;
  const args = t.args.map(compileOne);
  if (args.some((a) => !a)) return undefined;
  const as = args as One[];
  const call = invoker(t.fn, t.loc);
  if (as.length === 1) {
    const a0 = as[0];
    return (f) => {
      const x = a0(f);
      if (x === undefined || x === NOTDET) return x;
      return call([x], f);
    };
  }
  const op = t.fn.kind === "builtin" ? BINARY.get(t.fn.name) : undefined;
  if (as.length === 2 && op) {
    // comparisons: no argument array, unless `with` or a registry builtin replaces them
    const [a0, a1] = as;
    const name = t.fn.name;
    let replaced: boolean | undefined;
    return (f) => {
      const x = a0(f);
      if (x === undefined || x === NOTDET) return x;
      const y = a1(f);
      if (y === undefined || y === NOTDET) return y;
      replaced ??= !isNative(name, f.c.sh);
      if (replaced || f.c.fns !== undefined) return call([x, y], f);
      return op(x, y);
    };
  }
  if (as.length === 2) {
    const [a0, a1] = as;
    return (f) => {
      const x = a0(f);
      if (x === undefined || x === NOTDET) return x;
      const y = a1(f);
      if (y === undefined || y === NOTDET) return y;
      return call([x, y], f);
    };
  }
  const n = as.length;
  return (f) => {
    const vs: Value[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = as[i](f);
      if (v === undefined || v === NOTDET) return v;
      vs[i] = v;
    }
    return call(vs, f);
  };
}

/** Call terms in function bodies (markFunctionBody): evaluated again on every call of the function. */
const inFunctions = new WeakSet<IRTerm>();

/**
 * Call terms in function bodies that read only constants, input and the function's arguments
 * (refs into them by constant keys), by a key naming the function and the call's shape with the
 * arguments by position: `object.get($1, ["securityContext", "appArmorProfile"], null)` in each of
 * apparmor's three get_apparmor_profile definitions is one key, evaluated once per call.
 */
const argKeys = new WeakMap<IRTerm, string>();

/** Marks the call terms of a function's body and value before they are planned (rules.ts planOf). */
export function markFunctionBody(fnKey: string, args: IRTerm[], b: IRBody, value: IRTerm): void {
  const argOf = new Map<number, number>();
  args.forEach((a, i) => {
    if (a.t === "local" && !a.wildcard && !argOf.has(a.slot)) argOf.set(a.slot, i);
  });
  const term = (t: IRTerm): void => {
    if (t.t === "call") {
      inFunctions.add(t);
      const k = shapeKey(t, argOf);
      if (k?.includes("$")) argKeys.set(t, `${fnKey}\0${k}`);
    }
    irTermChildren(t, term, body);
  };
  const body = (xs: IRBody): void => {
    for (const x of xs) irExprChildren(x, term, body);
  };
  body(b);
  term(value);
}

/**
 * A registry builtin called on constants and input alone (`object.get(input, "parameters", {})` in
 * the exempt_container lib, called once per container): its value cannot change within one
 * evaluation context, so it is kept in the context's memo. Time, randomness and network builtins
 * are left alone, as are builtins the policy replaced.
 */
function closedBuiltinCall(t: IRTerm & { t: "call" }): boolean {
  return memoBuiltin(t) && t.args.every(closed);
}

/** A registry builtin worth remembering: deterministic, and dearer than a map lookup. */
function memoBuiltin(t: IRTerm & { t: "call" }): boolean {
  const name = t.fn.name;
  return t.fn.kind === "builtin" && BUILTINS.has(name) && !BINARY.has(name) && !nondeterministic(name);
}

/** Terms whose value depends on constants and input only. */
function closed(t: IRTerm): boolean {
  switch (t.t) {
    case "const":
    case "input":
      return true;
    case "ref":
      return t.head.t === "input" && t.path.every((p) => p.t === "const");
    case "array":
    case "set":
      return t.items.every(closed);
    case "object":
      return t.entries.every(([k, v]) => closed(k) && closed(v));
    case "call":
      return closedBuiltinCall(t);
    default:
      return false;
  }
}

/** A term's shape over constants, input and the arguments (`$i`), or undefined if it reads anything else. */
function shapeKey(t: IRTerm, argOf: Map<number, number>): string | undefined {
  switch (t.t) {
    case "const":
      return constKey(t.v);
    case "input":
      return "input";
    case "local": {
      const i = argOf.get(t.slot);
      return i === undefined ? undefined : `$${i}`;
    }
    case "ref": {
      let k = t.head.t === "input" || t.head.t === "local" ? shapeKey(t.head, argOf) : undefined;
      for (let i = 0; k !== undefined && i < t.path.length; i++) {
        const p = t.path[i];
        const pk = p.t === "const" ? constKey(p.v) : undefined;
        k = pk === undefined ? undefined : `${k}[${pk}]`;
      }
      return k;
    }
    case "array": {
      const ks = t.items.map((x) => shapeKey(x, argOf));
      return ks.every((x) => x !== undefined) ? `[${ks.join(",")}]` : undefined;
    }
    case "call": {
      if (!memoBuiltin(t)) return undefined;
      const ks = t.args.map((x) => shapeKey(x, argOf));
      return ks.every((x) => x !== undefined) ? `${t.fn.name}(${ks.join(",")})` : undefined;
    }
    default:
      return undefined;
  }
}

/** Scalars and arrays of them (a constant path), spelled so that 1 and "1" differ. */
function constKey(v: Value): string | undefined {
  if (v === null || typeof v === "string" || typeof v === "boolean" || typeof v === "number")
    return JSON.stringify(v);
  if (!Array.isArray(v)) return undefined;
  const ks = v.map(constKey);
  return ks.every((x) => x !== undefined) ? `[${ks.join(",")}]` : undefined;
}

/**
 * The value of an argument-shaped call (argKeys) for the function call in progress: the
 * definitions of one call share its argument array (rules.ts evalChain), so an entry made by
 * one definition answers the others.
 */
function memoOnArgs(key: string, one: One): One {
  return (f) => {
    const c = f.c;
    const a = f.args;
    if (a === undefined || c.fns !== undefined) return one(f);
    const m = (c.argMemo ??= new Map());
    const e = m.get(key);
    if (e !== undefined && e.args === a) return e.v === UNDEF ? undefined : e.v;
    const v = one(f);
    if (v === NOTDET) return v;
    const w = v === undefined ? UNDEF : v;
    if (e !== undefined) {
      e.args = a;
      e.v = w;
    } else m.set(key, { args: a, v: w });
    return v;
  };
}

function memoClosed(t: IRTerm, one: One): One {
  let native: boolean | undefined;
  const name = (t as { fn: { name: string } }).fn.name;
  return (f) => {
    const c = f.c;
    native ??= isNative(name, c.sh);
    if (!native || c.fns !== undefined) return one(f);
    const hit = c.memo.get(t);
    if (hit !== undefined) return hit === UNDEF ? undefined : (hit as Value);
    const v = one(f);
    if (v !== NOTDET) c.memo.set(t, v === undefined ? UNDEF : v);
    return v;
  };
}

function buildRef(t: IRTerm & { t: "ref" }): One | undefined {
  // operands: constants or vars (bound at run time); anything else takes the generator path
  for (const p of t.path) if (p.t !== "const" && p.t !== "local") return undefined;
  const path = t.path as (IRTerm & { t: "const" | "local" })[];
  const n = path.length;
  if (t.head.t === "data") {
    const ref = new RefPath(t.path.map(compileOperand));
    const slots = path.filter((p) => p.t === "local").map((p) => p.slot);
    return (f) => {
      for (let i = 0; i < slots.length; i++) if (f.s[slots[i]] === undefined) return NOTDET;
      return walkData(f, ref, CAPTURE) ? captured : undefined;
    };
  }
  const head = compileOne(t.head);
  if (!head) return undefined;
  // per operand: a reader for a constant key, or the slot of a var
  const readers = path.map((p) => (p.t === "const" ? constReader(p.v) : undefined));
  const slots = path.map((p) => (p.t === "local" ? p.slot : -1));
  return (f) => {
    let v = head(f);
    if (v === undefined || v === NOTDET) return v;
    for (let i = 0; i < n; i++) {
      const read = readers[i];
      if (read !== undefined) v = read(v);
      else {
        const key = f.s[slots[i]];
        if (key === undefined) return NOTDET;
        v = lookup(v, key);
      }
      if (v === undefined) return undefined;
    }
    return v;
  };
}

function constReader(key: Value): (v: Value) => Value | undefined {
  return typeof key === "string" ? fieldReader(key) : (v) => lookup(v, key);
}
