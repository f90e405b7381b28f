/**
 * The planner: IR → closures. A term becomes a generator of values
 * (`Gen`), a pattern becomes a matcher against a value (`UnifyV`), an
 * expression a `Step` that calls its continuation once per solution.
 * Bindings live in frame slots and are undone on backtrack; whether a var is
 * bound is decided at run time, so one plan serves every binding pattern.
 */
import type { Location } from "../ast.ts";
import type { IRBody, IRTerm, IRWith } from "../compile/ir.ts";
import {
  equal,
  isObject,
  isSet,
  makeObject,
  objEntries,
  objGet,
  objSize,
  type PlainObject,
  RObj,
  RSet,
  setOwn,
  sortedEntries,
  sortedKeys,
  termString,
  type Value,
} from "../value.ts";
import { compileBody, withStep } from "./body.ts";
import { type CallArgs, callGen } from "./calls.ts";
import { memoCompr } from "./compr-memo.ts";
import { type Frame, fail, type K, type VK } from "./ctx.ts";
import { compileOne, iteratesAlways, NOTDET, type One } from "./one.ts";
import { walkData } from "./rules.ts";
import { RefPath } from "./walk.ts";

export type Gen = (f: Frame, k: VK) => boolean;
export type Step = (f: Frame, k: K) => boolean;
export type UnifyV = (f: Frame, v: Value, k: K) => boolean;

// ---- operands of refs ------------------------------------------------------

export type Operand =
  | { k: "const"; v: Value }
  | { k: "local"; slot: number; wild: boolean }
  | { k: "pat"; u: UnifyV; pats: number[]; g: Gen; t: IRTerm; consts: boolean }
  | { k: "gen"; g: Gen };

export function compileOperand(t: IRTerm): Operand {
  if (t.t === "const") return { k: "const", v: t.v };
  if (t.t === "local") return { k: "local", slot: t.slot, wild: !!t.wildcard };
  if (t.t === "array" || t.t === "object")
    return { k: "pat", u: unifyV(t), pats: patSlots(t), g: gen(t), t, consts: hasConstPart(t) };
  return { k: "gen", g: gen(t) };
}

/** Whether an operand needs iteration (has unbound vars) in this frame. */
export function operandIterates(op: Operand, f: Frame): boolean {
  if (op.k === "local") return f.s[op.slot] === undefined;
  if (op.k === "pat") return hasUnbound(op.pats, f);
  return false;
}

/** The ground key(s) of a non-iterating operand. */
export function operandKeys(op: Operand, f: Frame, k: VK): boolean {
  switch (op.k) {
    case "const":
      return k(op.v);
    case "local":
      return k(f.s[op.slot]!);
    case "pat":
    case "gen":
      return op.g(f, k);
  }
}

/** Match an iterating operand against one candidate key. */
export function operandMatch(op: Operand, f: Frame, key: Value, k: K): boolean {
  if (op.k === "local") {
    if (op.wild) return k();
    f.s[op.slot] = key;
    const r = k();
    f.s[op.slot] = undefined;
    return r;
  }
  if (op.k === "pat") return op.u(f, key, k);
  return false;
}

export function lookup(v: Value, key: Value): Value | undefined {
  if (Array.isArray(v)) {
    if (typeof key !== "number" || !Number.isInteger(key) || key < 0) return undefined;
    return v[key];
  }
  if (v instanceof RSet) return v.has(key) ? key : undefined;
  if (isObject(v)) return objGet(v, key);
  return undefined;
}

/** Iterate a collection's (key, value) pairs, in OPA's order. */
export function iterate(v: Value, f: (key: Value, val: Value) => boolean): boolean {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (f(i, v[i])) return true;
    return false;
  }
  if (v instanceof RSet) {
    for (const x of v.sorted()) if (f(x, x)) return true;
    return false;
  }
  if (v instanceof RObj) {
    for (const [k, x] of sortedEntries(v)) if (f(k, x)) return true;
    return false;
  }
  if (isObject(v)) {
    const o = v as PlainObject;
    for (const k of sortedKeys(o)) {
      const x = o[k];
      // tolerate JS objects with `undefined` members: they are absent in JSON
      if (x !== undefined && f(k, x)) return true;
    }
  }
  return false;
}

/** Base documents (`data`) are also indexed by integers: `data.x[2]` reads key "2". */
export function lookupData(v: Value, key: Value): Value | undefined {
  if (typeof key === "number" && isObject(v) && !(v instanceof RObj)) return objGet(v, String(key));
  return lookup(v, key);
}

// ---- helpers -----------------------------------------------------------------

function patSlots(t: IRTerm): number[] {
  const out: number[] = [];
  const visit = (u: IRTerm) => {
    if (u.t === "local") out.push(u.slot);
    else if (u.t === "array") for (const x of u.items) visit(x);
    else if (u.t === "object") for (const [, v] of u.entries) visit(v);
  };
  visit(t);
  return out;
}

/** Whether a pattern has a constant part (a scalar or ground collection among its items or values). */
function hasConstPart(t: IRTerm): boolean {
  if (t.t === "const") return true;
  if (t.t === "array") return t.items.some(hasConstPart);
  if (t.t === "object") return t.entries.some(([, v]) => hasConstPart(v));
  return false;
}

/** Whether a pattern operand has a ground part now: a constant or a bound var. */
export function patternHasGround(op: Operand & { k: "pat" }, f: Frame): boolean {
  if (op.consts) return true;
  for (const s of op.pats) if (f.s[s] !== undefined) return true;
  return false;
}

function hasUnbound(slots: number[], f: Frame): boolean {
  for (const s of slots) if (f.s[s] === undefined) return true;
  return false;
}

function bind(f: Frame, slot: number, v: Value, k: K): boolean {
  f.s[slot] = v;
  const r = k();
  f.s[slot] = undefined;
  return r;
}

function unboundVar(t: IRTerm & { t: "local" }): never {
  return fail("eval_internal_error", `var ${t.name} is unbound`);
}

// ---- terms ---------------------------------------------------------------------

/** A generator of the term's values. */
export function gen(t: IRTerm): Gen {
  // composites too: `[label, value]` in a comprehension head is built directly, not through
  // a chain of per-item continuations
  if (
    (t.t === "ref" || t.t === "call" || t.t === "array" || t.t === "set" || t.t === "object") &&
    !iteratesAlways(t)
  ) {
    const one = compileOne(t);
    if (one) {
      const slow = genSlow(t);
      return (f, k) => {
        const v = one(f);
        if (v === NOTDET) return slow(f, k);
        return v !== undefined && k(v);
      };
    }
  }
  return genSlow(t);
}

export function genSlow(t: IRTerm): Gen {
  switch (t.t) {
    case "const": {
      const v = t.v;
      return (_f, k) => k(v);
    }
    case "local": {
      const slot = t.slot;
      return (f, k) => {
        const v = f.s[slot];
        if (v === undefined) return unboundVar(t);
        return k(v);
      };
    }
    case "input":
      return (f, k) => f.c.input !== undefined && k(f.c.input);
    case "data": {
      const empty = new RefPath([]);
      return (f, k) => walkData(f, empty, k);
    }
    case "ref":
      return genRef(t);
    case "array": {
      const items = t.items.map(gen);
      const n = items.length;
      return (f, k) => {
        const out: Value[] = new Array(n);
        const step = (i: number): boolean => {
          if (i === n) return k(out.slice());
          return items[i](f, (v) => {
            out[i] = v;
            return step(i + 1);
          });
        };
        return step(0);
      };
    }
    case "set": {
      const g = gen({ t: "array", items: t.items });
      return (f, k) => g(f, (arr) => k(new RSet(arr as Value[])));
    }
    case "object": {
      const ks = t.entries.map(([key]) => gen(key));
      const vs = t.entries.map(([, v]) => gen(v));
      const n = ks.length;
      return (f, k) => {
        const kv: [Value, Value][] = new Array(n);
        const step = (i: number): boolean => {
          if (i === n) return k(makeObject(kv));
          return ks[i](f, (key) =>
            vs[i](f, (val) => {
              kv[i] = [key, val];
              return step(i + 1);
            }),
          );
        };
        return step(0);
      };
    }
    case "arraycompr": {
      const body = compileBody(t.body);
      const head = gen(t.head);
      const v = memoCompr(t, t.free, (f) => {
        const acc: Value[] = [];
        body(f, () => {
          head(f, (v) => {
            acc.push(v);
            return false;
          });
          return false;
        });
        return acc;
      });
      return (f, k) => k(v(f));
    }
    case "setcompr": {
      const body = compileBody(t.body);
      const head = gen(t.head);
      const v = memoCompr(t, t.free, (f) => {
        const acc = new RSet();
        body(f, () => {
          head(f, (v) => {
            acc.add(v);
            return false;
          });
          return false;
        });
        return acc;
      });
      return (f, k) => k(v(f));
    }
    case "objectcompr": {
      const body = compileBody(t.body);
      const kg = gen(t.key);
      const vg = gen(t.value);
      const loc = locOfBody(t.body);
      const v = memoCompr(t, t.free, (f) => {
        const acc = new ObjBuilder();
        body(f, () => {
          kg(f, (key) =>
            vg(f, (val) => {
              acc.put(key, val, loc);
              return false;
            }),
          );
          return false;
        });
        return acc.build();
      });
      return (f, k) => k(v(f));
    }
    case "call":
      if (t.fn.kind === "builtin" && t.fn.name === "print") return printGen(t.args);
      return callGen(t.fn, compileArgs(t.args), t.loc);
    case "template":
      return genTemplate(t.parts, t.withs);
  }
}

function locOfBody(b: IRBody): Location | undefined {
  return b[0]?.loc;
}

/** Builds an object, raising OPA's conflict error on a key with two values. */
export class ObjBuilder {
  private readonly plain: PlainObject = {};
  private other: RObj | undefined;
  put(key: Value, val: Value, loc?: Location): void {
    if (typeof key === "string") {
      if (Object.hasOwn(this.plain, key)) {
        if (!equal(this.plain[key], val)) fail("eval_conflict_error", "object keys must be unique", loc);
        return;
      }
      setOwn(this.plain, key, val);
      return;
    }
    this.other ??= new RObj();
    const old = this.other.get(key);
    if (old !== undefined) {
      if (!equal(old, val)) fail("eval_conflict_error", "object keys must be unique", loc);
      return;
    }
    this.other.set(key, val);
  }
  build(): Value {
    if (!this.other) return this.plain;
    return makeObject([...objEntries(this.plain), ...this.other.entries()]);
  }
}

export function compileArgs(args: IRTerm[]): CallArgs {
  const ones = args.map(compileOne);
  if (
    ones.every((o) => o) &&
    !args.every((a) => a.t === "const" || a.t === "local") &&
    !args.some(iteratesAlways)
  ) {
    const os = ones as One[];
    const n = os.length;
    const slow = compileArgsSlow(args);
    return (f, k) => {
      const out: Value[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = os[i](f);
        if (v === NOTDET) return slow(f, k);
        if (v === undefined) return false;
        out[i] = v;
      }
      return k(out);
    };
  }
  return compileArgsSlow(args);
}

function compileArgsSlow(args: IRTerm[]): CallArgs {
  const simple = args.every((a) => a.t === "const" || a.t === "local");
  if (simple) {
    const getters = args.map((a) => {
      if (a.t === "const") {
        const v = a.v;
        return (_f: Frame) => v;
      }
      const slot = (a as { slot: number }).slot;
      return (f: Frame) => {
        const v = f.s[slot];
        if (v === undefined) return unboundVar(a as IRTerm & { t: "local" });
        return v;
      };
    });
    const n = getters.length;
    return (f, k) => {
      const out: Value[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = getters[i](f);
      return k(out);
    };
  }
  const items = args.map(gen);
  const ones = args.map((a) => (iteratesAlways(a) ? undefined : compileOne(a)));
  const n = items.length;
  /** Arguments from i on: single values are filled in place; only generating ones take a continuation. */
  const from = (i: number, f: Frame, out: Value[], k: (args: Value[]) => boolean): boolean => {
    for (; i < n; i++) {
      const one = ones[i];
      if (one !== undefined) {
        const v = one(f);
        if (v === undefined) return false;
        if (v !== NOTDET) {
          out[i] = v;
          continue;
        }
      }
      return eachArg(items[i], i, from, f, out, k);
    }
    // a fresh array per solution: callees may keep their arguments (function memo)
    return k(out.slice());
  };
  const last = n - 1;
  // `f(x, coll[_])`: the leading arguments once, then each value of the last straight into a copy
  if (last > 0 && ones[last] === undefined && ones.every((o, i) => i === last || o !== undefined)) {
    const tail = items[last];
    return (f, k) => {
      const out: Value[] = new Array(n);
      for (let i = 0; i < last; i++) {
        const v = (ones[i] as One)(f);
        if (v === undefined) return false;
        if (v === NOTDET) return eachArg(items[i], i, from, f, out, k);
        out[i] = v;
      }
      return eachLast(tail, last, f, out, k);
    };
  }
  return (f, k) => from(0, f, new Array(n), k);
}

function eachLast(g: Gen, i: number, f: Frame, out: Value[], k: (args: Value[]) => boolean): boolean {
  return g(f, (v) => {
    // a fresh array per solution: callees may keep their arguments (function memo)
    const a = out.slice();
    a[i] = v;
    return k(a);
  });
}

type ArgsFrom = (i: number, f: Frame, out: Value[], k: (args: Value[]) => boolean) => boolean;

function eachArg(
  g: Gen,
  i: number,
  from: ArgsFrom,
  f: Frame,
  out: Value[],
  k: (args: Value[]) => boolean,
): boolean {
  return g(f, (v) => {
    out[i] = v;
    return from(i + 1, f, out, k);
  });
}

function genRef(t: IRTerm & { t: "ref" }): Gen {
  const path = new RefPath(t.path.map(compileOperand));
  const head = t.head;
  if (head.t === "data") return (f, k) => walkData(f, path, k);
  const walk = path.from(0, false);
  if (head.t === "input")
    return (f, k) => {
      const v = f.c.input;
      return v !== undefined && walk(f, v, k);
    };
  if (head.t === "local") {
    const slot = head.slot;
    return (f, k) => {
      const v = f.s[slot];
      if (v === undefined) return unboundVar(head);
      return walk(f, v, k);
    };
  }
  const hg = gen(head);
  return (f, k) => hg(f, (v) => walk(f, v, k));
}

/** A term's values under `with` modifiers (a template part like `{a with input as x}`). */
function genWith(ws: IRWith[], g: Gen): Gen {
  return (f, k) => {
    const vals: Value[] = [];
    withStep(
      ws,
      (f2, k2) =>
        g(f2, (v) => {
          vals.push(v);
          return false;
        }) || k2(),
    )(f, () => false);
    for (const v of vals) if (k(v)) return true;
    return false;
  };
}

/** print: each arg contributes all its values (or <undefined>); one line per combination. */
export function printGen(args: IRTerm[]): Gen {
  const gs = args.map(gen);
  return (f, k) => {
    const sets = gs.map((g) => {
      // each distinct value once, in the order produced
      const vals: Value[] = [];
      g(f, (v) => {
        if (!vals.some((x) => equal(x, v))) vals.push(v);
        return false;
      });
      return vals.length ? vals.map((v) => (typeof v === "string" ? v : termString(v))) : ["<undefined>"];
    });
    const rec = (i: number, acc: string[]): void => {
      if (i === sets.length) {
        f.c.sh.bctx.print(acc.join(" "));
        return;
      }
      for (const s of sets[i]) rec(i + 1, [...acc, s]);
    };
    rec(0, []);
    return k(true);
  };
}

function genTemplate(parts: (string | IRTerm)[], withs?: (IRWith[] | undefined)[]): Gen {
  const ps = parts.map((p, i) => {
    if (typeof p === "string") return p;
    const ws = withs?.[i];
    return ws?.length ? genWith(ws, gen(p)) : gen(p);
  });
  return (f, k) => {
    let s = "";
    for (const p of ps) {
      if (typeof p === "string") {
        s += p;
        continue;
      }
      let got: Value | undefined;
      let multi = false;
      p(f, (v) => {
        if (got === undefined) got = v;
        else if (!equal(got, v)) multi = true;
        return false;
      });
      if (multi) fail("eval_conflict_error", "template expression produced multiple outputs");
      s += got === undefined ? "<undefined>" : typeof got === "string" ? got : termString(got);
    }
    return k(s);
  };
}

// ---- unification ----------------------------------------------------------------

/** Match a term (pattern) against a value, binding its unbound vars. */
export function unifyV(t: IRTerm): UnifyV {
  switch (t.t) {
    case "const": {
      const c = t.v;
      return (_f, v, k) => equal(c, v) && k();
    }
    case "local": {
      const slot = t.slot;
      if (t.wildcard) return (f, v, k) => (f.s[slot] === undefined ? k() : equal(f.s[slot]!, v) && k());
      return (f, v, k) => {
        const x = f.s[slot];
        if (x === undefined) return bind(f, slot, v, k);
        return equal(x, v) && k();
      };
    }
    case "array": {
      const us = t.items.map(unifyV);
      const n = us.length;
      return (f, v, k) => {
        if (!Array.isArray(v) || v.length !== n) return false;
        const step = (i: number): boolean => (i === n ? k() : us[i](f, v[i], () => step(i + 1)));
        return step(0);
      };
    }
    case "object": {
      const ks = t.entries.map(([key]) => gen(key));
      const us = t.entries.map(([, val]) => unifyV(val));
      const n = ks.length;
      return (f, v, k) => {
        if (!isObject(v) || objSize(v) !== n) return false;
        const step = (i: number): boolean => {
          if (i === n) return k();
          return ks[i](f, (key) => {
            const w = objGet(v, key);
            return w !== undefined && us[i](f, w, () => step(i + 1));
          });
        };
        return step(0);
      };
    }
    case "arraycompr":
    case "setcompr":
    case "objectcompr": {
      // OPA unifies a comprehension only with a value of its kind: else it fails unevaluated
      const kind = t.t === "arraycompr" ? Array.isArray : t.t === "setcompr" ? isSet : isObject;
      const g = gen(t);
      return (f, v, k) => kind(v) && g(f, (w) => equal(w, v) && k());
    }
    default: {
      const g = gen(t);
      return (f, v, k) => g(f, (w) => equal(w, v) && k());
    }
  }
}

function isPatternTerm(t: IRTerm): boolean {
  return t.t === "local" || t.t === "array" || t.t === "object";
}

/** `a = b` for two terms. */
/** Pairs of sub-terms when both sides are arrays of one length or objects with the same constant keys. */
export function structuralPairs(a: IRTerm, b: IRTerm): [IRTerm, IRTerm][] | undefined {
  if (a.t === "array" && b.t === "array" && a.items.length === b.items.length)
    return a.items.map((x, i) => [x, b.items[i]]);
  if (a.t === "object" && b.t === "object" && a.entries.length === b.entries.length) {
    const pairs: [IRTerm, IRTerm][] = [];
    for (const [ka, va] of a.entries) {
      if (ka.t !== "const") return undefined;
      const m = b.entries.find(([kb]) => kb.t === "const" && equal(kb.v, ka.v));
      if (!m) return undefined;
      pairs.push([va, m[1]]);
    }
    return pairs;
  }
  return undefined;
}

export function unifyTT(a: IRTerm, b: IRTerm): Step {
  const sp = structuralPairs(a, b);
  if (sp) {
    const pairs = sp.map(([x, y]) => ({
      step: unifyTT(x, y),
      pa: isPatternTerm(x) ? patSlots(x) : [],
      pb: isPatternTerm(y) ? patSlots(y) : [],
    }));
    return (f, k) => {
      const run = (pending: number[]): boolean => {
        if (pending.length === 0) return k();
        let pick = 0;
        for (let j = 0; j < pending.length; j++) {
          const p = pairs[pending[j]];
          if (!hasUnbound(p.pa, f) || !hasUnbound(p.pb, f)) {
            pick = j;
            break;
          }
        }
        const rest = pending.slice(0, pick).concat(pending.slice(pick + 1));
        return pairs[pending[pick]].step(f, () => run(rest));
      };
      return run(pairs.map((_, i) => i));
    };
  }
  if (a.t !== "local" && b.t === "local") return unifyTT(b, a);
  // OPA unifies a ref before a comprehension: an undefined ref leaves the comprehension unevaluated
  if ((a.t === "arraycompr" || a.t === "setcompr" || a.t === "objectcompr") && b.t === "ref")
    return unifyTT(b, a);
  if (a.t === "local" && b.t !== "local" && !a.wildcard) {
    const one = compileOne(b);
    if (one && !isPatternTerm(b)) {
      const slot = a.slot;
      const slow = unifyGeneral(a, b);
      return (f, k) => {
        const v = one(f);
        if (v === NOTDET) return slow(f, k);
        if (v === undefined) return false;
        const x = f.s[slot];
        if (x === undefined) return bind(f, slot, v, k);
        return equal(x, v) && k();
      };
    }
  }
  return unifyGeneral(a, b);
}

function unifyGeneral(a: IRTerm, b: IRTerm): Step {
  if (a.t === "local" && b.t === "local") {
    const sa = a.slot;
    const sb = b.slot;
    return (f, k) => {
      const x = f.s[sa];
      const y = f.s[sb];
      if (x !== undefined) {
        if (y !== undefined) return equal(x, y) && k();
        return bind(f, sb, x, k);
      }
      if (y !== undefined) return bind(f, sa, y, k);
      return unboundVar(a);
    };
  }
  const pa = isPatternTerm(a) ? patSlots(a) : [];
  const pb = isPatternTerm(b) ? patSlots(b) : [];
  const ga = gen(a);
  const gb = gen(b);
  const ua = unifyV(a);
  const ub = unifyV(b);
  if (pa.length === 0) return (f, k) => ga(f, (v) => ub(f, v, k));
  return (f, k) => {
    if (hasUnbound(pa, f)) {
      if (
        pb.length &&
        hasUnbound(pb, f) &&
        !hasUnbound(
          pa.filter((s) => !pb.includes(s)),
          f,
        )
      )
        return ga(f, (v) => ub(f, v, k));
      return gb(f, (v) => ua(f, v, k));
    }
    return ga(f, (v) => ub(f, v, k));
  };
}
