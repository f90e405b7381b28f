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
import { makeObject, type PlainObject, RSet, setOwn, termString, type Value } from "../value.ts";
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
      const memo = one && memoCalls.get(t);
      return memo ? memoCall(t, memo, one) : one;
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

/**
 * A call in a function body that reads only constants, input and the function's arguments (refs
 * into them by constant keys), calling deterministic registry builtins: its value is remembered
 * (memoCall). `key` names the function and the call's shape with the arguments by position, so
 * `object.get($1, ["securityContext", "appArmorProfile"], null)` in each of apparmor's three
 * get_apparmor_profile definitions is one key.
 */
interface MemoCall {
  key: string;
  /** reads an argument: remembered for the function call in progress, else for the evaluation context */
  args: boolean;
  /** the builtins it calls: a policy that replaced one of them is left alone */
  builtins: string[];
}

const memoCalls = new WeakMap<IRTerm, MemoCall>();

/** Finds the memoisable calls of a function's body and value before they are planned (rules.ts planOf). */
export function markFunctionBody(fnKey: string, args: IRTerm[], b: IRBody, value: IRTerm): void {
  const argOf = new Map<number, number>();
  args.forEach((a, i) => {
    if (a.t === "local" && !a.wildcard && !argOf.has(a.slot)) argOf.set(a.slot, i);
  });
  const term = (t: IRTerm): void => {
    if (t.t === "call") {
      const m: MemoCall = { key: "", args: false, builtins: [] };
      const k = shapeKey(t, argOf, m);
      if (k !== undefined) {
        m.key = `${fnKey}\0${k}`;
        memoCalls.set(t, m);
      }
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
 * A term's shape over constants, input and the arguments (`$i`), or undefined if it reads
 * anything else; notes in `m` whether it reads an argument and which builtins it calls.
 */
function shapeKey(t: IRTerm, argOf: Map<number, number>, m: MemoCall): string | undefined {
  switch (t.t) {
    case "const":
      return termString(t.v);
    case "input":
      return "input";
    case "local": {
      const i = argOf.get(t.slot);
      if (i === undefined) return undefined;
      m.args = true;
      return `$${i}`;
    }
    case "ref": {
      let k = t.head.t === "input" || t.head.t === "local" ? shapeKey(t.head, argOf, m) : undefined;
      for (let i = 0; k !== undefined && i < t.path.length; i++) {
        const p = t.path[i];
        k = p.t === "const" ? `${k}[${termString(p.v)}]` : undefined;
      }
      return k;
    }
    case "array":
    case "set":
      return keys(t.t, t.items, argOf, m);
    case "object":
      return keys("object", t.entries.flat(), argOf, m);
    case "call": {
      const name = t.fn.name;
      // deterministic registry builtins dearer than a map lookup (not the comparisons)
      if (t.fn.kind !== "builtin" || !BUILTINS.has(name) || BINARY.has(name) || nondeterministic(name))
        return undefined;
      m.builtins.push(name);
      return keys(name, t.args, argOf, m);
    }
    default:
      return undefined;
  }
}

function keys(head: string, ts: IRTerm[], argOf: Map<number, number>, m: MemoCall): string | undefined {
  const ks: string[] = [];
  for (const x of ts) {
    const k = shapeKey(x, argOf, m);
    if (k === undefined) return undefined;
    ks.push(k);
  }
  return `${head}(${ks.join(",")})`;
}

/**
 * A memoisable call (MemoCall). One that reads no argument cannot change within an evaluation
 * context: it is kept in the context's memo (exempt_container's `object.get(input, ...)`, called
 * once per container). One over the arguments is kept for the function call in progress: the
 * definitions of one call share its argument array (rules.ts evalChain), so an entry made by one
 * definition answers the others. `with` replacing a function, or a policy replacing one of the
 * builtins, turns it off.
 */
function memoCall(t: IRTerm, m: MemoCall, one: One): One {
  let native: boolean | undefined;
  const off = (f: Frame): boolean => {
    native ??= m.builtins.every((n) => isNative(n, f.c.sh));
    return !native || f.c.fns !== undefined;
  };
  if (!m.args)
    return (f) => {
      if (off(f)) return one(f);
      const c = f.c;
      const hit = c.memo.get(t);
      if (hit !== undefined) return hit === UNDEF ? undefined : (hit as Value);
      const v = one(f);
      if (v !== NOTDET) c.memo.set(t, v === undefined ? UNDEF : v);
      return v;
    };
  const key = m.key;
  return (f) => {
    const a = f.args;
    if (a === undefined || off(f)) return one(f);
    const memo = (f.c.argMemo ??= new Map());
    const e = memo.get(key);
    if (e !== undefined && e.args === a) return e.v === UNDEF ? undefined : e.v;
    const v = one(f);
    if (v === NOTDET) return v;
    const w = v === undefined ? UNDEF : v;
    if (e !== undefined) {
      e.args = a;
      e.v = w;
    } else memo.set(key, { args: a, v: w });
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
