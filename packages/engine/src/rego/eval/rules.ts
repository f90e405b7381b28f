/**
 * Virtual documents: evaluating the rules hung in the rule tree, merged with
 * base data. Complete rules and full extents are memoised per Ctx; a partial
 * rule indexed by a ground key evaluates only the rules matching that key.
 */
import type { Location } from "../ast.ts";
import type { IRTerm } from "../compile/ir.ts";
import type { CompiledRule, RNode } from "../compile/tree.ts";
import { ownRules } from "../compile/tree.ts";
import {
  compare,
  equal,
  isObject,
  objEntries,
  type PlainObject,
  RObj,
  RSet,
  setOwn,
  type Value,
} from "../value.ts";
import { type Ctx, type Frame, fail, PENDING, UNDEF, type VK } from "./ctx.ts";
import {
  compileBody,
  compileOperand,
  type Gen,
  gen,
  iterate,
  lookup,
  lookupData,
  type Operand,
  operandIterates,
  operandKeys,
  operandMatch,
  type Step,
  type UnifyV,
  unifyV,
  valueWalk,
} from "./plan.ts";

interface RulePlan {
  body: Step;
  value: Gen;
  keys: Gen[];
  keyU: UnifyV[];
  valueU: UnifyV;
  args: UnifyV[];
  nslots: number;
  /** rule index: `input.a.b == const` tests in the body, checked before making a frame */
  guards: { path: Value[]; v: Value }[];
}

/** Constant equality tests on input in a body: a rule whose test fails can be skipped outright. */
function guardsOf(r: CompiledRule): RulePlan["guards"] {
  const out: RulePlan["guards"] = [];
  for (const x of r.body) {
    if (x.negated || x.with.length) continue;
    const e = x.e;
    let a: IRTerm | undefined;
    let b: IRTerm | undefined;
    if (e.k === "eq") [a, b] = [e.a, e.b];
    else if (e.k === "call" && !e.out && e.fn.kind === "builtin" && e.fn.name === "equal") [a, b] = e.args;
    if (!a || !b) continue;
    if (a.t === "const") [a, b] = [b, a];
    if (b.t !== "const" || (typeof b.v === "object" && b.v !== null)) continue;
    if (a.t !== "ref" || a.head.t !== "input" || !a.path.every((p) => p.t === "const")) continue;
    out.push({ path: a.path.map((p) => (p as { v: Value }).v), v: b.v });
  }
  return out;
}

function guardsPass(p: RulePlan, c: Ctx): boolean {
  const gs = p.guards;
  if (gs.length === 0) return true;
  if (c.fns !== undefined) return true; // `with equal as ...` could change what the tests mean
  for (const g of gs) {
    let v: Value | undefined = c.input;
    for (let i = 0; v !== undefined && i < g.path.length; i++) v = lookup(v, g.path[i]);
    if (v === undefined || !equal(v, g.v)) return false;
  }
  return true;
}

function planOf(r: CompiledRule): RulePlan {
  if (r.plan) return r.plan as RulePlan;
  const p: RulePlan = {
    body: compileBody(r.body),
    value: gen(r.value),
    keys: r.keys.map(gen),
    keyU: r.keys.map(unifyV),
    valueU: unifyV(r.value),
    args: (r.args ?? []).map(unifyV),
    nslots: r.nslots,
    guards: guardsOf(r),
  };
  r.plan = p;
  return p;
}

function frame(c: Ctx, n: number): Frame {
  return { s: new Array(n), c };
}

function isMasked(node: RNode, c: Ctx): boolean {
  return c.masks?.has(node.key) === true;
}

// ---- complete rules -----------------------------------------------------------

function evalComplete(node: RNode, c: Ctx): Value | undefined {
  const m = c.memo.get(node);
  if (m !== undefined) {
    if (m === PENDING) fail("rego_recursion_error", `rule data.${node.path.join(".")} is recursive`);
    return m === UNDEF ? undefined : m;
  }
  c.memo.set(node, PENDING);
  let result: Value | undefined;
  try {
    for (const r of node.complete) {
      const v = evalChain(r, c);
      if (v === undefined) continue;
      if (result === undefined) result = v;
      else if (!equal(result, v)) conflict(r.loc);
    }
    if (result === undefined && node.defaults.length) result = evalChain(node.defaults[0], c);
  } catch (e) {
    c.memo.delete(node);
    throw e;
  }
  c.memo.set(node, result === undefined ? UNDEF : result);
  return result;
}

function conflict(loc: Location): never {
  return fail("eval_conflict_error", "complete rules must not produce multiple outputs", loc);
}

/** The value of a rule and its else chain. */
function evalChain(r: CompiledRule, c: Ctx, args?: Value[]): Value | undefined {
  for (let link: CompiledRule | undefined = r; link; link = link.else) {
    const p = planOf(link);
    if (!guardsPass(p, c)) continue;
    const f = frame(c, p.nslots);
    let result: Value | undefined;
    let found = false;
    const onValue = (v: Value): boolean => {
      if (result === undefined) result = v;
      else if (!equal(result, v)) {
        if (args)
          fail("eval_conflict_error", "functions must not produce multiple outputs for same inputs", r.loc);
        conflict(r.loc);
      }
      return false;
    };
    // a constant value can't conflict with itself: stop at the first solution (as OPA does)
    const early = link.value.t === "const";
    const run = () =>
      p.body(f, () => {
        found = true;
        p.value(f, onValue);
        return early;
      });
    if (args) bindArgs(p, f, args, 0, run);
    else run();
    if (found) return result;
  }
  return undefined;
}

function bindArgs(p: RulePlan, f: Frame, args: Value[], i: number, k: () => boolean): boolean {
  if (i === p.args.length) return k();
  return p.args[i](f, args[i], () => bindArgs(p, f, args, i + 1, k));
}

// ---- functions -------------------------------------------------------------------

export function callFunction(node: RNode, args: Value[], c: Ctx, loc: Location): Value | undefined {
  const sh = c.sh;
  if (++sh.depth > 2000) fail("eval_internal_error", "function call depth exceeded", loc);
  try {
    let result: Value | undefined;
    let dflt: CompiledRule | undefined;
    const idx = fnIndex(node);
    const cands =
      idx.byFirst && args.length > 0
        ? [...(idx.byFirst.get(keyOfValue(args[0])) ?? []), ...idx.generic]
        : node.funcs;
    for (const r of cands) {
      if (r.isDefault) {
        dflt = r;
        continue;
      }
      const v = evalChain(r, c, args);
      if (v === undefined) continue;
      if (result === undefined) result = v;
      else if (!equal(result, v))
        fail("eval_conflict_error", "functions must not produce multiple outputs for same inputs", r.loc);
    }
    if (result === undefined && dflt) result = evalChain(dflt, c, args);
    return result;
  } finally {
    sh.depth--;
  }
}

interface FnIndex {
  /** definitions by their constant first argument (absent when too few are constant) */
  byFirst?: Map<string, CompiledRule[]>;
  /** definitions whose first argument is not constant, and defaults */
  generic: CompiledRule[];
}

const fnIndexes = new WeakMap<RNode, FnIndex>();

/** Index function definitions on a constant first argument (e.g. `mem_multiple("Gi") = ...`). */
function fnIndex(node: RNode): FnIndex {
  let idx = fnIndexes.get(node);
  if (idx) return idx;
  const byFirst = new Map<string, CompiledRule[]>();
  const generic: CompiledRule[] = [];
  for (const r of node.funcs) {
    const a = r.args?.[0];
    if (!r.isDefault && a?.t === "const") {
      const k = keyOfValue(a.v);
      const l = byFirst.get(k);
      if (l) l.push(r);
      else byFirst.set(k, [r]);
    } else generic.push(r);
  }
  idx = byFirst.size >= 2 ? { byFirst, generic } : { generic: node.funcs };
  fnIndexes.set(node, idx);
  return idx;
}

// ---- partial rules -------------------------------------------------------------

/** Mutable nested object/set under construction. */
class Builder {
  readonly entries = new Map<string, [Value, Value | Builder | RSet]>();
  leafSet: RSet | undefined;
}

function keyStr(v: Value): string {
  return typeof v === "string" ? `"${v}` : keyOfValue(v);
}

import { keyOf as keyOfValue } from "../value.ts";

function insert(b: Builder, path: Value[], leaf: Value, multi: boolean, loc: Location): void {
  let cur = b;
  for (let i = 0; i < path.length; i++) {
    const k = path[i];
    const ks = keyStr(k);
    const last = i === path.length - 1;
    const ex = cur.entries.get(ks);
    if (last && !multi) {
      if (ex) {
        const old = ex[1];
        if (old instanceof Builder || old instanceof RSet || !equal(old, leaf))
          fail("eval_conflict_error", "object keys must be unique", loc);
        return;
      }
      cur.entries.set(ks, [k, leaf]);
      return;
    }
    if (last && multi) {
      if (ex) {
        if (!(ex[1] instanceof RSet)) fail("eval_conflict_error", "object keys must be unique", loc);
        ex[1].add(leaf);
      } else cur.entries.set(ks, [k, new RSet([leaf])]);
      return;
    }
    if (ex) {
      if (!(ex[1] instanceof Builder)) fail("eval_conflict_error", "object keys must be unique", loc);
      cur = ex[1];
    } else {
      const nb = new Builder();
      cur.entries.set(ks, [k, nb]);
      cur = nb;
    }
  }
}

function build(b: Builder): Value {
  let plain: PlainObject | undefined = {};
  let robj: RObj | undefined;
  for (const [k, v] of b.entries.values()) {
    const val = v instanceof Builder ? build(v) : v;
    if (plain && typeof k === "string") setOwn(plain, k, val);
    else {
      if (plain) {
        robj = new RObj(Object.entries(plain));
        plain = undefined;
      }
      robj!.set(k, val);
    }
  }
  return plain ?? robj!;
}

/** Run one partial rule; for each solution insert its keys/value into the builder. */
function runPartial(r: CompiledRule, c: Ctx, b: Builder, set: RSet | undefined, pre?: Value): void {
  const p = planOf(r);
  if (!guardsPass(p, c)) return;
  const f = frame(c, p.nslots);
  const multi = r.kind === "multi";
  const nkeys = p.keys.length;
  const onSolution = (): boolean => {
    if (nkeys === 0) {
      // a set at this node
      p.value(f, (v) => {
        set!.add(v);
        return false;
      });
      return false;
    }
    const path: Value[] = new Array(nkeys);
    const step = (i: number): boolean => {
      if (i === nkeys) {
        p.value(f, (v) => {
          insert(b, path, v, multi, r.loc);
          return false;
        });
        return false;
      }
      return p.keys[i](f, (kv) => {
        path[i] = kv;
        return step(i + 1);
      });
    };
    return step(0);
  };
  if (pre === undefined) p.body(f, onSolution);
  else if (nkeys === 0) p.valueU(f, pre, () => p.body(f, onSolution));
  else p.keyU[0](f, pre, () => p.body(f, onSolution));
}

/** Full extent of the partial rules at a node (object or set). */
function evalPartial(node: RNode, c: Ctx): Value {
  const m = c.memo.get(node);
  if (m !== undefined) {
    if (m === PENDING) fail("rego_recursion_error", `rule data.${node.path.join(".")} is recursive`);
    return m as Value;
  }
  c.memo.set(node, PENDING);
  try {
    const isSet = node.partial.some((r) => r.kind === "multi" && r.keys.length === 0);
    const b = new Builder();
    const set = isSet ? new RSet() : undefined;
    for (const r of node.partial) runPartial(r, c, b, set);
    const v = set ?? build(b);
    c.memo.set(node, v);
    return v;
  } catch (e) {
    c.memo.delete(node);
    throw e;
  }
}

/** `node[key]` for partial rules without computing the full extent. */
function lookupPartial(node: RNode, key: Value, c: Ctx): Value | undefined {
  const full = c.memo.get(node);
  if (full !== undefined && full !== PENDING) return lookup(full as Value, key);
  let km = c.keyMemo.get(node);
  const ks = keyOfValue(key);
  const hit = km?.get(ks);
  if (hit !== undefined) return hit === UNDEF ? undefined : hit;
  const isSet = node.partial.some((r) => r.kind === "multi" && r.keys.length === 0);
  const b = new Builder();
  const set = isSet ? new RSet() : undefined;
  for (const r of node.partial) runPartial(r, c, b, set, key);
  let v: Value | undefined;
  if (set) v = set.has(key) ? key : undefined;
  else {
    const e = b.entries.get(keyStr(key));
    v = e ? (e[1] instanceof Builder ? build(e[1]) : e[1]) : undefined;
  }
  if (!km) {
    km = new Map();
    c.keyMemo.set(node, km);
  }
  km.set(ks, v === undefined ? UNDEF : v);
  return v;
}

// ---- documents ----------------------------------------------------------------------

/** The document at a node: virtual (rules) merged with base data (base wins on conflicts, as in OPA). */
export function materialize(node: RNode, base: Value | undefined, c: Ctx): Value | undefined {
  if (!node.hasRules || isMasked(node, c)) return base;
  if (node.funcs.length) return undefined;
  if (node.complete.length || node.defaults.length) return evalComplete(node, c);
  if (node.children.size === 0 && node.partial.length) return evalPartial(node, c);
  const m = c.memo.get(node);
  if (m !== undefined) {
    if (m === PENDING) fail("rego_recursion_error", `rule data.${node.path.join(".")} is recursive`);
    return m === UNDEF ? undefined : m;
  }
  c.memo.set(node, PENDING);
  try {
    const b = new Builder();
    const set = fillBuilder(node, b, c);
    let v: Value = set ?? build(b);
    if (base !== undefined && isObject(base) && isObject(v)) v = mergeBase(v, base);
    c.memo.set(node, v);
    return v;
  } catch (e) {
    c.memo.delete(node);
    throw e;
  }
}

/** Add a node's partial rules and its children's documents to a builder. */
function fillBuilder(node: RNode, b: Builder, c: Ctx): RSet | undefined {
  let set: RSet | undefined;
  if (node.partial.length) {
    if (node.partial.some((r) => r.kind === "multi" && r.keys.length === 0)) set = new RSet();
    for (const r of node.partial) runPartial(r, c, b, set);
    if (set) return set;
  }
  for (const [name, child] of node.children) {
    if (!child.hasRules || isMasked(child, c)) continue;
    if (child.funcs.length) continue;
    const loc = child.complete[0]?.loc ?? child.defaults[0]?.loc ?? child.partial[0]?.loc;
    if (child.complete.length || child.defaults.length) {
      const v = evalComplete(child, c);
      if (v !== undefined) insert(b, [name], v, false, loc!);
      continue;
    }
    const ks = keyStr(name);
    let sub = b.entries.get(ks);
    if (child.partial.some((r) => r.kind === "multi" && r.keys.length === 0)) {
      const cs = evalPartial(child, c) as RSet;
      if (sub && !(sub[1] instanceof RSet)) fail("eval_conflict_error", "object keys must be unique", loc);
      if (sub) for (const x of cs) (sub[1] as RSet).add(x);
      else b.entries.set(ks, [name, new RSet(cs)]);
      continue;
    }
    if (sub && !(sub[1] instanceof Builder)) fail("eval_conflict_error", "object keys must be unique", loc);
    if (!sub) {
      sub = [name, new Builder()];
      b.entries.set(ks, sub);
    }
    fillBuilder(child, sub[1] as Builder, c);
  }
  return undefined;
}

/** Merge base data into a virtual object; base values win where both define a leaf. */
function mergeBase(v: Value, base: Value): Value {
  if (!isObject(v) || !isObject(base)) return base;
  const out = new Map<string, [Value, Value]>();
  for (const [k, x] of objEntries(v)) out.set(keyOfValue(k), [k, x]);
  for (const [k, x] of objEntries(base)) {
    const ks = keyOfValue(k);
    const ex = out.get(ks);
    out.set(ks, [k, ex ? mergeBase(ex[1], x) : x]);
  }
  let plain: PlainObject | undefined = {};
  let robj: RObj | undefined;
  for (const [k, x] of out.values()) {
    if (plain && typeof k === "string") setOwn(plain, k, x);
    else {
      if (plain) {
        robj = new RObj(Object.entries(plain));
        plain = undefined;
      }
      robj!.set(k, x);
    }
  }
  return plain ?? robj!;
}

/** Evaluate `data` followed by ref operands. */
export function walkData(f: Frame, ops: Operand[], k: VK): boolean {
  return walkNode(f.c.sh.policy.root, f.c.data, ops, 0, f, k);
}

function childBase(base: Value | undefined, key: Value): Value | undefined {
  return base === undefined ? undefined : lookupData(base, key);
}

function walkNode(
  node: RNode | undefined,
  base: Value | undefined,
  ops: Operand[],
  i: number,
  f: Frame,
  k: VK,
): boolean {
  const c = f.c;
  if (node === undefined || !node.hasRules || isMasked(node, c))
    return base !== undefined && valueWalk(base, ops, i, f, k, true);
  if (i === ops.length) {
    const v = materialize(node, base, c);
    return v !== undefined && k(v);
  }
  if (ownRules(node)) {
    if (node.funcs.length) return false;
    if (node.complete.length || node.defaults.length) {
      const v = evalComplete(node, c);
      return v !== undefined && valueWalk(v, ops, i, f, k);
    }
    const op = ops[i];
    if (node.children.size === 0 && !operandIterates(op, f)) {
      return operandKeys(op, f, (key) => {
        const v = lookupPartial(node, key, c);
        return v !== undefined && valueWalk(v, ops, i + 1, f, k);
      });
    }
    const v = materialize(node, base, c);
    return v !== undefined && valueWalk(v, ops, i, f, k);
  }
  const op = ops[i];
  if (!operandIterates(op, f)) {
    return operandKeys(op, f, (key) => {
      const child =
        typeof key === "string"
          ? node.children.get(key)
          : typeof key === "number"
            ? node.children.get(String(key))
            : undefined;
      return walkNode(child, childBase(base, key), ops, i + 1, f, k);
    });
  }
  // iterate the union of virtual children and base keys, in key order
  const names = new Set<string>(node.children.keys());
  const extra: Value[] = [];
  if (base !== undefined)
    iterate(base, (key) => {
      if (typeof key !== "string" || !names.has(key)) extra.push(key);
      return false;
    });
  const all: Value[] = [...names, ...extra];
  if (extra.length || names.size > 1) all.sort(compare);
  for (const key of all) {
    const child = typeof key === "string" ? node.children.get(key) : undefined;
    const r = child
      ? operandMatch(op, f, key, () => walkNode(child, childBase(base, key), ops, i + 1, f, k))
      : operandMatch(op, f, key, () => valueWalk(lookupData(base!, key)!, ops, i + 1, f, k, true));
    if (r) return true;
  }
  return false;
}

export { compileOperand };
