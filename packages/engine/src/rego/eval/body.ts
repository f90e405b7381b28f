/**
 * Bodies and expressions. Each expression is planned with its successor
 * (`next`) fixed, so running a body allocates no closures for the chain
 * itself: the caller's continuation `k` passes through unchanged, and the
 * common single-valued expressions (`x := f(y)`, `a.b.c`, `count(x) > 0`)
 * bind, test and call `next` directly.
 */
import type { IRBody, IRExpr, IRTerm, IRWith } from "../compile/ir.ts";
import { equal, isObject, NumText, objGet, type PlainObject, RObj, setOwn, type Value } from "../value.ts";
import { BINARY, type Binary, type CallArgs, callGen, type Invoker, invoker, isNative } from "./calls.ts";
import { Ctx, type FnOverride, type Frame, type K, tick } from "./ctx.ts";
import { compileOne, iteratesAlways, NOTDET, type One } from "./one.ts";
import {
  compileArgs,
  type Gen,
  gen,
  genSlow,
  iterate,
  printGen,
  type Step,
  structuralPairs,
  unifyTT,
  unifyV,
} from "./plan.ts";
import { indexedStep, refShape } from "./ref-plan.ts";

/** The end of a body: hand the solution to the caller. */
export const CALL_K: Step = (_f, k) => k();
/** The end of a negated or existence-tested body: stop at the first solution. */
const FOUND: Step = () => true;
const STOP: K = () => true;

export function compileBody(body: IRBody, next: Step = CALL_K): Step {
  let s = next;
  for (let i = body.length - 1; i >= 0; i--) {
    const step = compileExpr(body[i], s);
    const shape = refShape(body, i);
    s = shape ? indexedStep(shape, step, s) : step;
  }
  return s;
}

function compileExpr(x: IRExpr, next: Step): Step {
  if (x.with.length) return dynamicExpr(x, next);
  if (x.negated) {
    const inner = core(x, FOUND);
    return (f, k) => !inner(f, STOP) && next(f, k);
  }
  return core(x, next);
}

/** An expression planned with `next` fixed; every variant counts its step. */
function core(x: IRExpr, next: Step): Step {
  const e = x.e;
  switch (e.k) {
    case "true":
      return (f, k) => {
        tick(f.c.sh);
        return next(f, k);
      };
    case "eq":
      return eqStep(e.a, e.b, next);
    case "term":
      return testStep(e.t, next);
    case "call": {
      if (e.fn.kind === "builtin" && (e.fn.name === "print" || e.fn.name === "walk")) break;
      const t: IRTerm = { t: "call", fn: e.fn, args: e.args, loc: x.loc };
      if (e.out) return outStep(e.out, t, next);
      return testStep(t, next);
    }
  }
  return dynamicExpr(x, next);
}

/** `t` must be defined and not false. */
function testStep(t: IRTerm, next: Step): Step {
  const op =
    t.t === "call" && t.fn.kind === "builtin" && t.args.length === 2 ? BINARY.get(t.fn.name) : undefined;
  // A term that always iterates gets no single-value attempt: it would evaluate the operands
  // before the iterating one (a user function call, say) and then start over on the generator path.
  const always = iteratesAlways(t);
  const one = (t.t === "ref" || t.t === "call") && !always ? compileOne(t) : undefined;
  // comparisons keep their pairwise path below even when an operand always iterates
  if (op && t.t === "call" && (one || always)) {
    // `x == coll[_]` and the like: compare each pair of operand values, no argument arrays
    const slow = genSlow(t);
    const g0 = gen(t.args[0]);
    const g1 = gen(t.args[1]);
    // sides without effects (no calls, no rules) may be evaluated in either order:
    // the single-valued one first, then iterate the other
    const both = pure(t.args[0]) && pure(t.args[1]);
    const x0 = both ? compileOne(t.args[0]) : undefined;
    const y1 = both ? compileOne(t.args[1]) : undefined;
    const name = t.fn.name;
    let replaced: boolean | undefined;
    return (f, k) => {
      tick(f.c.sh);
      if (one !== undefined) {
        const v = one(f);
        if (v !== NOTDET) return v !== undefined && v !== false && next(f, k);
      }
      replaced ??= !isNative(name, f.c.sh);
      if (replaced || f.c.fns !== undefined) return testEach(slow, next, f, k);
      if (x0 !== undefined && y1 !== undefined) {
        const y = y1(f);
        if (y === undefined) return false;
        if (y !== NOTDET) return compareEachX(g0, y, op, next, f, k);
        const x = x0(f);
        if (x === undefined) return false;
        if (x !== NOTDET) return compareEachY(x, g1, op, next, f, k);
      }
      return compareEach(g0, g1, op, next, f, k);
    };
  }
  if (t.t === "call" && !(t.fn.kind === "builtin" && (t.fn.name === "walk" || t.fn.name === "print"))) {
    // each combination of argument values goes to the callee, and its result is tested, in one continuation
    const args = compileArgs(t.args);
    const call = invoker(t.fn, t.loc);
    return (f, k) => {
      tick(f.c.sh);
      if (one !== undefined) {
        const v = one(f);
        if (v !== NOTDET) return v !== undefined && v !== false && next(f, k);
      }
      return testCall(args, call, next, f, k);
    };
  }
  if (one) {
    const slow = genSlow(t);
    return (f, k) => {
      tick(f.c.sh);
      const v = one(f);
      if (v === NOTDET) return testEach(slow, next, f, k);
      return v !== undefined && v !== false && next(f, k);
    };
  }
  const g = gen(t);
  return (f, k) => {
    tick(f.c.sh);
    return testEach(g, next, f, k);
  };
}

// The closures over (f, k) live in helpers: a step closure that captured them
// itself would allocate a context on every call, even on its fast path.

function testEach(g: Gen, next: Step, f: Frame, k: K): boolean {
  return g(f, (v) => v !== false && next(f, k));
}

function testCall(args: CallArgs, call: Invoker, next: Step, f: Frame, k: K): boolean {
  return args(f, (a) => {
    const v = call(a, f);
    return v !== undefined && v !== false && next(f, k);
  });
}

/** `x = t` for each value of t: bind x (or compare it, if bound). */
function bindEach(g: Gen, slot: number, next: Step, f: Frame, k: K): boolean {
  return g(f, (v) => {
    const s = f.s;
    const x = s[slot];
    if (x === undefined) {
      s[slot] = v;
      const r = next(f, k);
      s[slot] = undefined;
      return r;
    }
    return equal(x, v) && next(f, k);
  });
}

/** Terms whose evaluation cannot fail or run rules: constants, vars, and refs into them or input. */
function pure(t: IRTerm): boolean {
  if (t.t === "const" || t.t === "local" || t.t === "input") return true;
  return t.t === "ref" && (t.head.t === "local" || t.head.t === "input") && t.path.every(pure);
}

function compareEachX(g0: Gen, y: Value, op: Binary, next: Step, f: Frame, k: K): boolean {
  return g0(f, (x) => op(x, y) && next(f, k));
}

function compareEachY(x: Value, g1: Gen, op: Binary, next: Step, f: Frame, k: K): boolean {
  return g1(f, (y) => op(x, y) && next(f, k));
}

function compareEach(g0: Gen, g1: Gen, op: Binary, next: Step, f: Frame, k: K): boolean {
  return g0(f, (x) => g1(f, (y) => op(x, y) && next(f, k)));
}

function thenNext(s: Step, next: Step, f: Frame, k: K): boolean {
  return s(f, () => next(f, k));
}

/**
 * A slot against a term with at most one value: bind it (undone after) or
 * compare with what it holds; `each` covers terms that turn out to iterate.
 */
function bindOrCompare(one: One, each: Gen, slot: number, next: Step): Step {
  return (f, k) => {
    tick(f.c.sh);
    const v = one(f);
    if (v === NOTDET) return bindEach(each, slot, next, f, k);
    if (v === undefined) return false;
    const s = f.s;
    const x = s[slot];
    if (x === undefined) {
      s[slot] = v;
      const r = next(f, k);
      s[slot] = undefined;
      return r;
    }
    return equal(x, v) && next(f, k);
  };
}

/** `a = b`: a var bound to a single value is bound or compared in place. */
function eqStep(a: IRTerm, b: IRTerm, next: Step): Step {
  if (!structuralPairs(a, b)) {
    if (a.t !== "local" && b.t === "local") [a, b] = [b, a];
    if (a.t === "local" && !a.wildcard && b.t !== "local" && b.t !== "array" && b.t !== "object") {
      if (iteratesAlways(b)) {
        const each = genSlow(b);
        const slot = a.slot;
        return (f, k) => {
          tick(f.c.sh);
          return bindEach(each, slot, next, f, k);
        };
      }
      const one = compileOne(b);
      if (one) return bindOrCompare(one, genSlow(b), a.slot, next);
    }
  }
  const u = unifyTT(a, b);
  return (f, k) => {
    tick(f.c.sh);
    return thenNext(u, next, f, k);
  };
}

/** A call with an output term: `f(x, out)`, as `out = f(x)` evaluated call-first. */
function outStep(out: IRTerm, call: IRTerm, next: Step): Step {
  if (out.t === "local" && !out.wildcard && !iteratesAlways(call)) {
    const one = compileOne(call);
    if (one) return bindOrCompare(one, genSlow(call), out.slot, next);
  }
  const g = gen(call);
  const u = unifyV(out);
  const s: Step = (f, k) => g(f, (v) => u(f, v, () => next(f, k)));
  return (f, k) => {
    tick(f.c.sh);
    return s(f, k);
  };
}

/** The general form: the expression takes a continuation of its own. */
function dynamicExpr(x: IRExpr, next: Step): Step {
  let step = compileExprKind(x);
  if (x.negated) {
    const inner = step;
    step = (f, k) => !inner(f, STOP) && k();
  }
  // `with` values are evaluated outside the negation: an undefined one fails `not … with …` too, as in OPA
  if (x.with.length) step = withStep(x.with, step);
  const s = step;
  return (f, k) => {
    tick(f.c.sh);
    return thenNext(s, next, f, k);
  };
}

function compileExprKind(x: IRExpr): Step {
  const e = x.e;
  switch (e.k) {
    case "true":
      return (_f, k) => k();
    case "eq":
      return unifyTT(e.a, e.b);
    case "term": {
      const g = gen(e.t);
      return (f, k) => g(f, (v) => v !== false && k());
    }
    case "call": {
      const g =
        e.fn.kind === "builtin" && e.fn.name === "print"
          ? printGen(e.args)
          : callGen(e.fn, compileArgs(e.args), x.loc);
      if (e.out) {
        const u = unifyV(e.out);
        return (f, k) => g(f, (v) => u(f, v, k));
      }
      const name = e.fn.name;
      const argsOnly = compileArgs(e.args);
      return (f, k) => {
        // mocked by a ref to rules: OPA tests the (unevaluated) ref term, never false, so the call holds
        if (f.c.fns?.get(name)?.ruleRef) return argsOnly(f, () => k());
        return g(f, (v) => v !== false && k());
      };
    }
    case "somein": {
      const cg = gen(e.coll);
      const uv = unifyV(e.value);
      const uk = e.key ? unifyV(e.key) : undefined;
      return (f, k) =>
        cg(f, (c) => iterate(c, (key, val) => (uk ? uk(f, key, () => uv(f, val, k)) : uv(f, val, k))));
    }
    case "logic": {
      const left = compileBody(e.left, FOUND);
      const right = e.right ? compileBody(e.right, FOUND) : undefined;
      if (e.op === "not") return (f, k) => !left(f, STOP) && k();
      if (e.op === "and") return (f, k) => left(f, STOP) && right!(f, STOP) && k();
      return (f, k) => (left(f, STOP) || right!(f, STOP)) && k();
    }
    case "every": {
      const dg = gen(e.dom);
      const uv = unifyV(e.value);
      const uk = e.key ? unifyV(e.key) : undefined;
      const body = compileBody(e.body, FOUND);
      return (f, k) =>
        dg(f, (d) => {
          if (d === null || typeof d !== "object" || d instanceof NumText) return false;
          let ok = true;
          iterate(d, (key, val) => {
            const run = () => body(f, STOP);
            const found = uk ? uk(f, key, () => uv(f, val, run)) : uv(f, val, run);
            if (!found) ok = false;
            return !ok;
          });
          return ok && k();
        });
    }
  }
}

export function withStep(withs: IRWith[], inner: Step): Step {
  const vals = withs.map((w) => gen(w.value));
  const n = withs.length;
  return (f, k) => {
    const old = f.c;
    const got: Value[] = new Array(n);
    const step = (i: number): boolean => {
      if (i < n) {
        // a function mocked by a function needs no value; the `with`s after it still do
        if (withs[i].valueFn) return step(i + 1);
        let bound = false;
        const r = vals[i](f, (v) => {
          bound = true;
          got[i] = v;
          return step(i + 1);
        });
        const w = withs[i];
        if (bound || w.kind !== "fn" || !refersToRules(f.c, w.value)) return r;
        // a function mocked by an undefined rule: OPA reads the rule only when the function is called, so the expression still runs
        got[i] = undefined as unknown as Value;
        return step(i + 1);
      }
      return run(got);
    };
    const run = (vs: Value[]): boolean => {
      const nc = applyWith(old, withs, vs);
      f.c = nc;
      try {
        return inner(f, () => {
          f.c = old;
          try {
            return k();
          } finally {
            f.c = nc;
          }
        });
      } finally {
        f.c = old;
      }
    };
    return step(0);
  };
}

/** Whether a `with` value is a ref into the rule tree (which OPA takes as a function, read only when called). */
function refersToRules(c: Ctx, t: IRTerm): boolean {
  if (t.t !== "ref" || t.head.t !== "data") return false;
  let node = c.sh.policy.root;
  for (const p of t.path) {
    if (p.t !== "const" || typeof p.v !== "string") break;
    const next = node.children.get(p.v);
    if (!next) return false;
    node = next;
  }
  return node.hasRules;
}

function applyWith(c: Ctx, withs: IRWith[], vs: Value[]): Ctx {
  let input = c.input;
  let data = c.data;
  let masks = c.masks;
  let fns = c.fns;
  for (let i = 0; i < withs.length; i++) {
    const w = withs[i];
    if (w.kind === "input") input = w.path.length ? setPath(input, w.path, vs[i]) : vs[i];
    else if (w.kind === "data") {
      data = setPath(data, w.path, vs[i]);
      masks = new Set(masks);
      masks.add(w.path.join("\0"));
    } else {
      fns = new Map(fns);
      const o: FnOverride = w.valueFn
        ? { fn: w.valueFn }
        : { value: vs[i], ruleRef: refersToRules(c, w.value) || undefined };
      fns.set(w.fnName!, o);
    }
  }
  return new Ctx(c.sh, input, data, masks, fns);
}

/** Copy-on-write set along a path (only the objects on the path are copied). */
function setPath(base: Value | undefined, path: string[], v: Value): Value {
  if (path.length === 0) return v;
  const [h, ...rest] = path;
  const obj: PlainObject = {};
  if (base !== undefined && isObject(base) && !(base instanceof RObj)) Object.assign(obj, base);
  const child = base !== undefined && isObject(base) ? objGet(base, h) : undefined;
  setOwn(obj, h, setPath(child, rest, v));
  return obj;
}

export type { Gen };
