/**
 * Virtual documents: evaluating the rules hung in the rule tree, merged with
 * base data. Complete rules and full extents are memoised per Ctx; a partial
 * rule indexed by a ground key evaluates only the rules matching that key.
 */
import type { Location } from "../ast.ts";
import type { IRBody, IRExpr, IRTerm } from "../compile/ir.ts";
import { irTermChildren, skipBodies } from "../compile/ir-walk.ts";
import type { CompiledRule, RNode } from "../compile/tree.ts";
import { ownRules } from "../compile/tree.ts";
import { RegoError, type RegoErrorDetail } from "../errors.ts";
import {
  compare,
  compareStrings,
  equal,
  isObject,
  objEntries,
  type PlainObject,
  RObj,
  RSet,
  setOwn,
  type Value,
  ValueMap,
} from "../value.ts";
import { compileBody } from "./body.ts";
import { type Ctx, FnMemo, Frame, fail, PENDING, UNDEF, type VK } from "./ctx.ts";
import { skipsMemo } from "./fn-light.ts";
import { bindLeaves, NEVER, type PreBind, preBind } from "./key-pattern.ts";
import { compileOne, markFunctionBody, NOTDET } from "./one.ts";
import {
  type Gen,
  gen,
  iterate,
  lookup,
  lookupData,
  type Operand,
  operandIterates,
  operandKeys,
  operandMatch,
  patternHasGround,
  type Step,
  type UnifyV,
  unifyV,
} from "./plan.ts";
import type { RefPath, TreePrefix } from "./walk.ts";

interface RulePlan {
  /** arguments bound (functions), then the body, then `emit` records the head */
  run: Step;
  keyU: UnifyV[];
  valueU: UnifyV;
  nslots: number;
  /**
   * rule index: the refs (and function arguments) OPA's index reads for this rule, with the
   * pattern each must match, checked before making a frame
   */
  guards: Guard[];
}

/**
 * A value the index requires: defined (`any`), equal to a scalar, an array of such patterns, or
 * (`scalar in ref`) a collection holding the scalar as an item or object value.
 */
type Pat =
  | { k: "any" }
  | { k: "eq"; v: Value }
  | { k: "arr"; items: Pat[] }
  | { k: "has"; v: Value }
  | AffixPat;

/**
 * `startswith(ref, "p")`, `endswith`, `strings.any_prefix_match(ref, ["p", …])` and
 * `strings.any_suffix_match`: the index requires the call to be true of the ref's value.
 */
interface AffixPat {
  k: "affix";
  suffix: boolean;
  /** the any_… forms: the value may also be an array or set of strings */
  many: boolean;
  affixes: string[];
}

const AFFIX_BUILTINS: Record<string, { suffix: boolean; many: boolean }> = {
  startswith: { suffix: false, many: false },
  endswith: { suffix: true, many: false },
  "strings.any_prefix_match": { suffix: false, many: true },
  "strings.any_suffix_match": { suffix: true, many: true },
};
const ANY: Pat = { k: "any" };

/** `root` "arg": `path` is [the function argument's position]; else a ref below input or data. */
interface Guard {
  root?: "data" | "arg";
  path: Value[];
  pat: Pat;
}

/**
 * What OPA's index knows of a rule before running its body. Its compiler moves the input/data
 * refs of the head, of call arguments and of collections into body expressions `__localN__ = ref`,
 * and the index reads every `ref = pattern` (a pattern: a var, a scalar, or an array of those):
 * a rule whose ref is undefined or does not match is skipped, so its body's errors (strict
 * builtin errors, conflicts) never happen.
 */
function guardsOf(r: CompiledRule): Guard[] {
  const out: Guard[] = [];
  if (printsIn(r.body)) return out; // OPA does not index a rule that prints (outside comprehensions)
  const refs: [IRTerm, Pat][] = [];
  const argSlots = (r.kind === "function" ? (r.args ?? []) : []).map((t) =>
    t.t === "local" && !t.wildcard ? t.slot : -1,
  );
  const bound = new Map<number, IRTerm>();
  for (const x of r.body) {
    // a `with` value needing evaluation is moved ahead of its expression (RewriteWithValues)
    for (const w of x.with) if (!w.valueFn) nestedRefs(w.value, refs);
    if (!x.with.length) {
      movedRefs(x, refs, argSlots, out);
      affixRef(x, refs, bound);
    }
  }
  // a head key or value needing evaluation is compiled to `__localN__ = term` at the body's end
  for (const t of [r.value, ...r.keys]) nestedRefs(t, refs);
  for (const [t, pat] of refs) {
    if (t.t !== "ref" || (t.head.t !== "input" && t.head.t !== "data")) continue;
    if (t.path.length === 0 || !t.path.every((p) => p.t === "const" && isKey(p.v))) continue;
    const path = t.path.map((p) => (p as { v: Value }).v);
    out.push(t.head.t === "data" ? { root: "data", path, pat } : { path, pat });
  }
  return out;
}

function printsIn(body: IRBody): boolean {
  return body.some((x) => {
    const e = x.e;
    if (e.k === "call") return e.fn.kind === "builtin" && e.fn.name === "print";
    if (e.k === "every") return printsIn(e.body);
    if (e.k === "logic") return printsIn(e.left) || (e.right !== undefined && printsIn(e.right));
    return false;
  });
}

/** A ref step the index can look up as a ground key. */
function isKey(v: Value): boolean {
  return typeof v === "string" || (typeof v === "number" && Number.isInteger(v));
}

function isScalar(v: Value): boolean {
  return v === null || typeof v !== "object";
}

/**
 * The index's pattern for the other side of `ref = term`, if it indexes that term: calls (and
 * refs in an array) are moved into vars ahead, comprehensions are not.
 */
function patternOf(t: IRTerm): Pat | undefined {
  if (t.t === "local" || t.t === "call") return ANY;
  if (t.t === "const") {
    if (isScalar(t.v)) return { k: "eq", v: t.v };
    if (Array.isArray(t.v) && t.v.every(isScalar))
      return { k: "arr", items: t.v.map((v) => ({ k: "eq", v })) };
    return undefined;
  }
  if (t.t !== "array") return undefined;
  const items: Pat[] = [];
  for (const i of t.items) {
    if (i.t === "local" || i.t === "call" || i.t === "ref") items.push(ANY);
    else if (i.t === "const" && isScalar(i.v)) items.push({ k: "eq", v: i.v });
    else return undefined;
  }
  return { k: "arr", items };
}

function matches(p: Pat, v: Value): boolean {
  if (p.k === "any") return true;
  if (p.k === "eq") return equal(v, p.v);
  if (p.k === "affix") return affixMatches(p, v);
  if (p.k === "has") {
    if (v instanceof RSet) return v.has(p.v);
    if (Array.isArray(v)) return v.some((x) => equal(x, p.v));
    if (isObject(v)) for (const [, x] of objEntries(v)) if (equal(x, p.v)) return true;
    return false;
  }
  return Array.isArray(v) && v.length === p.items.length && p.items.every((q, i) => matches(q, v[i]));
}

/**
 * The refs of one body expression that OPA's index reads: `ref = pattern` (also `:=`, `==`),
 * a lone `ref` test, and the refs its compiler pulls out of call arguments, collections, ref keys
 * and `every` domains into `__localN__ = ref` ahead of the expression (outside a negation; not out
 * of comprehensions, nor a `some … in` collection that is a ref itself). `arg = pattern` on a function argument
 * goes to `out` directly.
 */
function movedRefs(x: IRExpr, refs: [IRTerm, Pat][], argSlots: number[], out: Guard[]): void {
  const e = x.e;
  // `a == b` is compiled to `a = b` (OPA's RewriteEquals)
  const isEqual = e.k === "call" && !e.out && e.fn.kind === "builtin" && e.fn.name === "equal";
  if (e.k === "eq" || isEqual) {
    const [a, b] = e.k === "eq" ? [e.a, e.b] : e.args;
    for (const [s, o] of [
      [a, b],
      [b, a],
    ]) {
      if (s.t === "local") {
        const i = x.negated ? -1 : argSlots.indexOf(s.slot);
        const pat = i >= 0 ? patternOf(o) : undefined;
        if (pat && pat.k !== "any") out.push({ root: "arg", path: [i], pat });
      } else if (s.t !== "ref") nestedRefs(s, refs);
      else {
        const pat = x.negated ? undefined : patternOf(o);
        if (pat) refs.push([s, pat]);
        refKeys(s, refs);
      }
    }
  } else if (e.k === "call") {
    if (e.fn.kind === "builtin" && e.fn.name === "print") return;
    // `scalar in ref` is indexed too: the ref must hold the scalar
    const [m, coll] = e.args;
    if (e.fn.kind === "builtin" && e.fn.name === "internal.member_2" && !e.out && !x.negated)
      if (m?.t === "const" && isScalar(m.v) && coll?.t === "ref") {
        refs.push([coll, { k: "has", v: m.v }]);
        refKeys(coll, refs);
        return;
      }
    for (const a of e.args) nestedRefs(a, refs);
    if (e.out) nestedRefs(e.out, refs);
  } else if (e.k === "term") {
    if (e.t.t === "ref" && x.negated) refKeys(e.t, refs);
    else nestedRefs(e.t, refs);
  } else if (e.k === "every") nestedRefs(e.dom, refs);
  else if (e.k === "somein") {
    if (e.coll.t === "ref") refKeys(e.coll, refs);
    else nestedRefs(e.coll, refs);
  }
}

/**
 * An affix test (AFFIX_BUILTINS) on a ref, or on a local an earlier `local = ref` bound, with a
 * constant affix: indexed like glob.match. `bound` collects those locals as the body goes.
 */
function affixRef(x: IRExpr, refs: [IRTerm, Pat][], bound: Map<number, IRTerm>): void {
  const e = x.e;
  if (x.negated) return;
  if (e.k === "eq") {
    if (e.a.t === "local" && e.b.t === "ref") bound.set(e.a.slot, e.b);
    else if (e.b.t === "local" && e.a.t === "ref") bound.set(e.b.slot, e.a);
    return;
  }
  if (e.k !== "call" || e.out || e.fn.kind !== "builtin" || e.args.length !== 2) return;
  const kind = AFFIX_BUILTINS[e.fn.name];
  if (!kind) return;
  const [subject, affix] = e.args;
  if (affix.t !== "const") return;
  let affixes: string[];
  if (typeof affix.v === "string") affixes = [affix.v];
  else if (kind.many && (Array.isArray(affix.v) || affix.v instanceof RSet)) {
    const items = Array.isArray(affix.v) ? affix.v : affix.v.sorted();
    if (!items.every((i) => typeof i === "string")) return;
    affixes = items as string[];
  } else return;
  const ref = subject.t === "local" ? bound.get(subject.slot) : subject;
  if (ref?.t === "ref") refs.push([ref, { k: "affix", ...kind, affixes }]);
}

function affixMatches(p: AffixPat, v: Value): boolean {
  const test = (s: string) => p.affixes.some((a) => (p.suffix ? s.endsWith(a) : s.startsWith(a)));
  if (typeof v === "string") return test(v);
  if (!p.many || !(Array.isArray(v) || v instanceof RSet)) return false;
  const items = Array.isArray(v) ? v : v.sorted();
  // items that are not strings are passed over (the call itself would fail on them)
  return items.some((i) => typeof i === "string" && test(i));
}

/** Refs in a term, outside comprehensions: each, and each in its keys, is a `__localN__ = ref` of its own. */
function nestedRefs(t: IRTerm, refs: [IRTerm, Pat][]): void {
  switch (t.t) {
    case "ref":
      refs.push([t, ANY]);
      refKeys(t, refs);
      return;
    case "array":
    case "set":
    case "object":
    case "call":
      irTermChildren(t, (c) => nestedRefs(c, refs), skipBodies);
      return;
  }
}

function refKeys(t: IRTerm & { t: "ref" }, refs: [IRTerm, Pat][]): void {
  // a call or a literal heading the ref (`f(input.x)[_]`, `{k: input.x}[_]`) is moved ahead of the
  // expression, its refs with it
  const h = t.head.t;
  if (h === "call" || h === "array" || h === "object" || h === "set") nestedRefs(t.head, refs);
  for (const p of t.path) if (p.t !== "const") nestedRefs(p, refs);
}

function guardsPass(p: RulePlan, c: Ctx, args?: Value[]): boolean {
  const gs = p.guards;
  if (gs.length === 0) return true;
  if (c.fns !== undefined) return true; // `with equal as ...` could change what the tests mean
  for (const g of gs) {
    let v: Value | undefined;
    if (g.root === "arg") v = args?.[g.path[0] as number];
    else if (g.root === "data") {
      // a data ref into rules is a virtual document, not indexed
      if (c.sh.policy.root.children.get(String(g.path[0]))?.hasRules) continue;
      v = c.data;
      for (let i = 0; v !== undefined && i < g.path.length; i++) v = lookupData(v, g.path[i]);
    } else {
      v = c.input;
      for (let i = 0; v !== undefined && i < g.path.length; i++) v = lookup(v, g.path[i]);
    }
    if (v === undefined || !matches(g.pat, v)) return false;
  }
  return true;
}

function planOf(r: CompiledRule): RulePlan {
  if (r.plan) return r.plan as RulePlan;
  if (r.kind === "function") markFunctionBody(r.node.key, r.args ?? [], r.body, r.value);
  const value = gen(r.value);
  const keys = r.keys.map(gen);
  const emit =
    r.kind === "function" || (r.kind === "value" && r.keys.length === 0)
      ? emitValue(r, value)
      : emitPartial(r, value, keys);
  const p: RulePlan = {
    run: bindArgs(r.args ?? [], compileBody(r.body, emit)),
    keyU: r.keys.map(unifyV),
    valueU: unifyV(r.value),
    nslots: r.nslots,
    guards: guardsOf(r),
  };
  r.plan = p;
  return p;
}

/**
 * The end of a complete rule's or function's body: record the value in the
 * frame. A second, different value is a conflict (`f.conflict`, raised by
 * the caller with the chain's location). A constant value can't conflict with
 * itself: stop at the first solution (as OPA does).
 */
function emitValue(r: CompiledRule, value: Gen): Step {
  const early = r.value.t === "const";
  const one = compileOne(r.value);
  const record = (f: Frame, v: Value): boolean => {
    if (f.out === undefined) f.out = v;
    else if (!equal(f.out, v)) {
      f.conflict = true;
      return true;
    }
    return false;
  };
  if (r.value.t === "const") {
    const v = r.value.v;
    return (f) => {
      f.found = true;
      return record(f, v) || early;
    };
  }
  if (r.value.t === "local") {
    const slot = r.value.slot;
    return (f) => {
      f.found = true;
      const v = f.s[slot];
      if (v === undefined) return value(f, (w) => record(f, w)) || early; // raises: unbound
      return record(f, v) || early;
    };
  }
  return (f) => {
    f.found = true;
    const v = one ? one(f) : NOTDET;
    if (v === NOTDET) return value(f, (w) => record(f, w)) || early;
    if (v === undefined) return early;
    return record(f, v) || early;
  };
}

/** The end of a partial rule's body: insert the solution's keys and value into `f.sink`. */
function emitPartial(r: CompiledRule, value: Gen, keys: Gen[]): Step {
  const multi = r.kind === "multi";
  const nkeys = keys.length;
  const loc = r.loc;
  if (nkeys === 0) {
    // a set at this node
    const t = r.value;
    if (t.t === "local") {
      const slot = t.slot;
      return (f) => {
        const v = f.s[slot];
        if (v === undefined) return value(f, () => false); // raises: unbound
        (f.sink as RSet).add(v);
        return false;
      };
    }
    const one = compileOne(t);
    return (f) => {
      const v = one ? one(f) : NOTDET;
      if (v === NOTDET) return addEach(value, f);
      if (v !== undefined) (f.sink as RSet).add(v);
      return false;
    };
  }
  return (f) => {
    const b = f.sink as Builder;
    const path: Value[] = new Array(nkeys);
    const step = (i: number): boolean => {
      if (i === nkeys) {
        value(f, (v) => {
          insert(b, path, v, multi, loc);
          return false;
        });
        return false;
      }
      return keys[i](f, (kv) => {
        path[i] = kv;
        return step(i + 1);
      });
    };
    return step(0);
  };
}

function addEach(value: Gen, f: Frame): boolean {
  return value(f, (v) => {
    (f.sink as RSet).add(v);
    return false;
  });
}

/** Bind a function's argument patterns to `f.args` before its body. */
function bindArgs(pats: IRTerm[], body: Step): Step {
  if (pats.length > 0 && pats.every((t) => t.t === "local" || t.t === "const")) {
    // the usual `f(x, "lit", _)`: one pass; the frame is fresh, and dropped after the call
    const slots = pats.map((t) => (t.t === "local" && !t.wildcard ? t.slot : -1));
    const consts = pats.map((t) => (t.t === "const" ? t.v : undefined));
    const n = pats.length;
    return (f, k) => {
      const a = f.args!;
      const s = f.s;
      for (let i = 0; i < n; i++) {
        const c = consts[i];
        if (c !== undefined) {
          if (!equal(c, a[i])) return false;
          continue;
        }
        const slot = slots[i];
        if (slot < 0) continue;
        const x = s[slot];
        if (x === undefined) s[slot] = a[i];
        else if (!equal(x, a[i])) return false;
      }
      return body(f, k);
    };
  }
  let s = body;
  for (let i = pats.length - 1; i >= 0; i--) {
    const t = pats[i];
    const rest = s;
    if (t.t === "local" && t.wildcard) continue; // `_` matches anything and binds nothing
    if (t.t === "local") {
      const slot = t.slot;
      s = (f, k) => {
        const v = f.args![i];
        const x = f.s[slot];
        if (x === undefined) {
          f.s[slot] = v;
          const r = rest(f, k);
          f.s[slot] = undefined;
          return r;
        }
        return equal(x, v) && rest(f, k);
      };
    } else if (t.t === "const") {
      const c = t.v;
      s = (f, k) => equal(c, f.args![i]) && rest(f, k);
    } else {
      const u = unifyV(t);
      s = (f, k) => u(f, f.args![i], () => rest(f, k));
    }
  }
  return s;
}

const NOOP_K = (): boolean => false;

interface NodePlan {
  /** the partial rules here build a set (else an object) */
  isSet: boolean;
  /** functions: definitions by constant first argument */
  fnIndex?: FnIndex;
  /** complete rules / functions: stop at the first definition that gives a value (see sameConstValue) */
  earlyExit: boolean;
  /** functions: cheaper to run again than to memoise a call with a composite argument (fn-light.ts) */
  light?: boolean;
  /** functions: calls with a composite argument stored in, and answered from, the memo (see MEMO_TRIAL) */
  memoStores: number;
  memoHits: number;
}

function nodePlan(node: RNode): NodePlan {
  let p = node.plan as NodePlan | undefined;
  if (p === undefined) {
    p = {
      isSet: node.partial.some((r) => r.kind === "multi" && r.keys.length === 0),
      earlyExit: sameConstValue(
        node.complete.length ? node.complete : node.funcs.filter((r) => !r.isDefault),
      ),
      memoStores: 0,
      memoHits: 0,
    };
    node.plan = p;
  }
  return p;
}

/**
 * Every definition (else links too) has one and the same constant value: they cannot conflict, so,
 * as OPA's rule index reports "early exit" here, the definitions after the first one that succeeds
 * are not evaluated (nor are their errors raised).
 */
function sameConstValue(rules: CompiledRule[]): boolean {
  let first: Value | undefined;
  for (const r of rules)
    for (let link: CompiledRule | undefined = r; link; link = link.else) {
      if (link.value.t !== "const") return false;
      if (first === undefined) first = link.value.v;
      else if (!equal(first, link.value.v)) return false;
    }
  return first !== undefined;
}

function isMasked(node: RNode, c: Ctx): boolean {
  return c.masks?.has(node.key) === true;
}

// ---- complete rules -----------------------------------------------------------

function evalComplete(node: RNode, c: Ctx): Value | undefined {
  const pins = c.sh.fnPins;
  if (pins !== undefined) for (const p of pins) if (p.node === node) return p.first;
  const m = c.memo.get(node);
  if (m !== undefined) {
    if (m === PENDING) fail("rego_recursion_error", `rule data.${node.path.join(".")} is recursive`);
    return m === UNDEF ? undefined : m;
  }
  c.memo.set(node, PENDING);
  let result: Value | undefined;
  try {
    const early = nodePlan(node).earlyExit;
    for (const r of node.complete) {
      const v = result === undefined ? evalChain(r, c) : laterDefinition(r, c, undefined, node, result);
      if (v === undefined) continue;
      if (result === undefined) {
        result = v;
        if (early) break;
        // as for functions (FnConflict), OPA runs what uses the first value before it meets a conflict
      } else if (!equal(result, v))
        throw new FnConflict(
          [{ node, args: NO_ARGS, first: result }],
          conflictDetail(r.loc, COMPLETE_CONFLICT),
        );
    }
    if (result === undefined && node.defaults.length) result = evalChain(node.defaults[0], c);
  } catch (e) {
    c.memo.delete(node);
    throw e;
  }
  c.memo.set(node, result === undefined ? UNDEF : result);
  return result;
}

const COMPLETE_CONFLICT = "complete rules must not produce multiple outputs";
const NO_ARGS: Value[] = [];

function conflict(loc: Location): never {
  return fail("eval_conflict_error", COMPLETE_CONFLICT, loc);
}

/** The value of a rule and its else chain. */
function evalChain(r: CompiledRule, c: Ctx, args?: Value[]): Value | undefined {
  for (let link: CompiledRule | undefined = r; link; link = link.else) {
    const p = planOf(link);
    if (!guardsPass(p, c, args)) continue;
    const f = new Frame(new Array(p.nslots), c);
    f.args = args;
    try {
      p.run(f, NOOP_K);
    } catch (e) {
      rerunLink(e, p, c, args);
    }
    if (f.conflict) {
      if (args)
        fail("eval_conflict_error", "functions must not produce multiple outputs for same inputs", r.loc);
      conflict(r.loc);
    }
    // a body whose head value is undefined (an undefined ref, a builtin error) did not succeed: try the next else
    if (f.found && f.out !== undefined) return f.out;
  }
  return undefined;
}

/** evalChain's rerun on a conflict, in a helper: a closure in the loop would cost a context per link. */
function rerunLink(e: unknown, p: RulePlan, c: Ctx, args: Value[] | undefined): never {
  return rerunPinned(
    e,
    c,
    () => {
      const g = new Frame(new Array(p.nslots), c);
      g.args = args;
      p.run(g, NOOP_K);
    },
    true,
  );
}

// ---- functions -------------------------------------------------------------------

export function callFunction(node: RNode, args: Value[], c: Ctx, loc: Location): Value | undefined {
  if (!c.sh.memoFns) return callFunctionUncached(node, args, c, loc);
  let np: NodePlan | undefined;
  if (hasComposite(args)) {
    np = nodePlan(node);
    np.light ??= skipsMemo(node, c.sh.policy);
    if (np.light) return callFunctionUncached(node, args, c, loc);
  }
  // Per-evaluation memo, as OPA's virtual cache: keyed by argument identity
  // (values are immutable; equal but distinct arguments merely miss).
  const memos = (c.fnMemo ??= new Map());
  let m = memos.get(node);
  if (m === undefined) {
    m = new FnMemo();
    memos.set(node, m);
  }
  const hit = m.get(args);
  if (hit !== undefined) {
    if (np !== undefined) np.memoHits++;
    return hit === UNDEF ? undefined : hit;
  }
  const v = callFunctionUncached(node, args, c, loc);
  m.put(args, v === undefined ? UNDEF : v);
  if (np !== undefined && ++np.memoStores === MEMO_TRIAL && np.memoHits * 4 < MEMO_TRIAL) np.light = true;
  return v;
}

/**
 * Calls with a composite argument stored before the memo is judged: if fewer
 * than a quarter of them were answered from it (`has_field(c.securityContext, f)`
 * with a distinct object per container), the stores cost more than the hits
 * save, and later calls skip it, as for a light function.
 */
const MEMO_TRIAL = 256;

function hasComposite(args: Value[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a === "object" && a !== null) return true;
  }
  return false;
}

function callFunctionUncached(node: RNode, args: Value[], c: Ctx, loc: Location): Value | undefined {
  const sh = c.sh;
  if (sh.fnPins !== undefined)
    for (const p of sh.fnPins) if (p.node === node && equal(p.args, args)) return p.first;
  if (++sh.depth > 2000) fail("eval_internal_error", "function call depth exceeded", loc);
  try {
    let result: Value | undefined;
    let dflt: CompiledRule | undefined;
    const idx = fnIndex(node);
    // candidates: the definitions indexed by the first argument, then the rest; or all
    const indexed = idx.byFirst && args.length > 0 ? (idx.byFirst.get(args[0]) ?? NONE) : undefined;
    const early = nodePlan(node).earlyExit;
    for (let l = 0; l < 2 && !(early && result !== undefined); l++) {
      const rs = l === 0 ? (indexed ?? node.funcs) : indexed ? idx.generic : NONE;
      for (let j = 0; j < rs.length; j++) {
        const r = rs[j];
        if (r.isDefault) {
          dflt = r;
          continue;
        }
        const v = result === undefined ? evalChain(r, c, args) : laterDefinition(r, c, args, node, result);
        if (v === undefined) continue;
        if (result === undefined) {
          result = v;
          if (early) break;
        } else if (!equal(result, v))
          throw new FnConflict([{ node, args, first: result }], conflictDetail(r.loc, FN_CONFLICT));
      }
    }
    if (result === undefined && dflt) result = evalChain(dflt, c, args);
    return result;
  } finally {
    sh.depth--;
  }
}

const NONE: CompiledRule[] = [];

/** A function call answered with its first value while its conflict waits. */
interface FnPin {
  node: RNode;
  args: Value[];
  first: Value;
}

/**
 * Two definitions of a function giving different values for one call. OPA runs the caller on the
 * first value before it evaluates the next definition, and that continuation reaches past the
 * caller's body into whatever used the caller's value (a function's or complete rule's caller,
 * and so on up): an error met there comes first. So the rule whose body made the call runs again
 * with the call pinned to its first value (rerunPinned); if that run ends without an error of its
 * own, the conflict goes on to the rule that used this one's value, which does the same, up to a
 * partial rule or the query, where it is raised.
 */
class FnConflict extends RegoError {
  /** the calls to pin on the rerun: this conflict's, and those met before it */
  readonly pins: FnPin[];
  /** `errors`: the conflict, or the error a later definition raised (see laterDefinition) */
  constructor(pins: FnPin[], errors: RegoErrorDetail[]) {
    super(errors);
    this.pins = pins;
  }
}

const FN_CONFLICT = "functions must not produce multiple outputs for same inputs";

function conflictDetail(loc: Location, message: string): RegoErrorDetail[] {
  return [{ code: "eval_conflict_error", message, location: loc }];
}

/**
 * A definition evaluated after an earlier one gave `first`: OPA has already run what uses `first`,
 * so an error raised here comes after that run's own errors: it is deferred like a conflict.
 */
function laterDefinition(r: CompiledRule, c: Ctx, args: Value[] | undefined, node: RNode, first: Value) {
  try {
    return evalChain(r, c, args);
  } catch (e) {
    if (!(e instanceof RegoError) || e.errors.some((d) => d.code === "eval_cancel_error")) throw e;
    const pin: FnPin = { node, args: args ?? NO_ARGS, first };
    throw new FnConflict(e instanceof FnConflict ? [pin, ...e.pins] : [pin], e.errors);
  }
}

const samePin = (a: FnPin, b: FnPin): boolean => a.node === b.node && equal(a.args, b.args);

/**
 * After a rule body threw `e`: on a function conflict, run the body again with the calls pinned
 * (see FnConflict). `onward`: the rule's value feeds its caller (functions, complete rules), so a
 * conflict that survives the rerun is passed up rather than raised here.
 */
function rerunPinned(e: unknown, c: Ctx, rerun: () => void, onward: boolean): never {
  if (!(e instanceof FnConflict)) throw e;
  const pins = (c.sh.fnPins ??= []);
  const added: FnPin[] = [];
  let last = e;
  try {
    for (;;) {
      let fresh = false;
      for (const p of last.pins)
        if (!pins.some((q) => samePin(p, q))) {
          pins.push(p);
          added.push(p);
          fresh = true;
        }
      // a conflict on a call already pinned cannot be resolved by another run
      if (!fresh) throw new RegoError(last.errors);
      try {
        rerun();
        break;
      } catch (e2) {
        if (!(e2 instanceof FnConflict)) throw e2;
        // a conflict met on the pinned run (another call, e.g. `f(f(x))`) comes before this one in OPA's order
        last = e2;
      }
    }
  } finally {
    for (const p of added) pins.splice(pins.indexOf(p), 1);
  }
  if (onward) throw new FnConflict([...added], last.errors);
  throw new RegoError(last.errors);
}

interface FnIndex {
  /** definitions by their constant first argument (absent when too few are constant) */
  byFirst?: ValueMap<CompiledRule[]>;
  /** definitions whose first argument is not constant, and defaults */
  generic: CompiledRule[];
}

/** Index function definitions on a constant first argument (e.g. `mem_multiple("Gi") = ...`). */
function fnIndex(node: RNode): FnIndex {
  const np = nodePlan(node);
  let idx = np.fnIndex;
  if (idx) return idx;
  const byFirst = new ValueMap<CompiledRule[]>();
  const generic: CompiledRule[] = [];
  for (const r of node.funcs) {
    const a = r.args?.[0];
    if (!r.isDefault && a?.t === "const") {
      const l = byFirst.get(a.v);
      if (l) l.push(r);
      else byFirst.set(a.v, [r]);
    } else generic.push(r);
  }
  idx = byFirst.size >= 2 ? { byFirst, generic } : { generic: node.funcs };
  np.fnIndex = idx;
  return idx;
}

// ---- partial rules -------------------------------------------------------------

/** Mutable nested object/set under construction. */
class Builder {
  readonly entries = new ValueMap<[Value, Value | Builder | RSet]>();
  /** the entries' sets that collect multi-value rules (the other sets are values, compared whole) */
  readonly multis = new Set<RSet>();
}

function insert(b: Builder, path: Value[], leaf: Value, multi: boolean, loc: Location): void {
  let cur = b;
  for (let i = 0; i < path.length; i++) {
    const k = path[i];
    const last = i === path.length - 1;
    const ex = cur.entries.get(k);
    if (last && !multi) {
      if (ex) {
        const old = ex[1];
        if (old instanceof Builder || (old instanceof RSet && cur.multis.has(old)) || !equal(old, leaf))
          fail("eval_conflict_error", "object keys must be unique", loc);
        return;
      }
      cur.entries.set(k, [k, leaf]);
      return;
    }
    if (last && multi) {
      if (ex) {
        if (!(ex[1] instanceof RSet && cur.multis.has(ex[1])))
          fail("eval_conflict_error", "object keys must be unique", loc);
        ex[1].add(leaf);
      } else {
        const set = new RSet([leaf]);
        cur.multis.add(set);
        cur.entries.set(k, [k, set]);
      }
      return;
    }
    if (ex) {
      if (!(ex[1] instanceof Builder)) fail("eval_conflict_error", "object keys must be unique", loc);
      cur = ex[1];
    } else {
      const nb = new Builder();
      cur.entries.set(k, [k, nb]);
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

/** Run one partial rule; for each solution insert its keys/value into the builder (or set). */
function runPartial(
  r: CompiledRule,
  c: Ctx,
  b: Builder | undefined,
  set: RSet | undefined,
  pre?: Value,
): void {
  const p = planOf(r);
  if (!guardsPass(p, c)) return;
  try {
    runPartialBody(p, r, c, b, set, pre);
  } catch (e) {
    rerunPinned(e, c, () => runPartialBody(p, r, c, b, set, pre), false);
  }
}

function runPartialBody(
  p: RulePlan,
  r: CompiledRule,
  c: Ctx,
  b: Builder | undefined,
  set: RSet | undefined,
  pre?: Value,
): void {
  const f = new Frame(new Array(p.nslots), c);
  f.sink = r.keys.length === 0 ? set : b;
  if (pre === undefined) p.run(f, NOOP_K);
  else runFor(p, f, r.keys.length === 0 ? p.valueU : p.keyU[0], pre);
}

/** Run a partial rule for one key only: the key (or set member) is matched before the body. */
function runFor(p: RulePlan, f: Frame, u: UnifyV, pre: Value): void {
  u(f, pre, () => p.run(f, NOOP_K));
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
    let v: Value;
    if (nodePlan(node).isSet) {
      const set = new RSet();
      for (const r of node.partial) runPartial(r, c, undefined, set);
      v = set;
    } else {
      const b = new Builder();
      for (const r of node.partial) runPartial(r, c, b, undefined);
      v = build(b);
    }
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
  let km = c.keyMemo?.get(node);
  const hit = km?.get(key);
  if (hit !== undefined) return hit === UNDEF ? undefined : hit;
  const set = nodePlan(node).isSet ? new RSet() : undefined;
  const b = new Builder();
  for (const r of node.partial) runPartial(r, c, b, set, key);
  let v: Value | undefined;
  if (set) v = set.has(key) ? key : undefined;
  else {
    const e = b.entries.get(key);
    v = e ? (e[1] instanceof Builder ? build(e[1]) : e[1]) : undefined;
  }
  if (!km) {
    km = new ValueMap();
    (c.keyMemo ??= new Map()).set(node, km);
  }
  km.set(key, v === undefined ? UNDEF : v);
  return v;
}

/**
 * `set[pattern]` with a partly ground pattern, as OPA's topdown does it: each rule runs with
 * its member unified with the pattern first, so only members the pattern can match are
 * built (no memo: they depend on the pattern's bindings). OPA builds a partial object's
 * whole extent for a pattern key, so objects do not come here.
 */
function partialByPattern(
  node: RNode,
  op: Operand & { k: "pat" },
  path: RefPath,
  i: number,
  f: Frame,
  k: VK,
): boolean {
  const c = f.c;
  const binds = preBindsOf(op, node);
  const set = new RSet();
  const rules = node.partial;
  for (let j = 0; j < rules.length; j++) {
    const leaves = binds[j];
    if (leaves !== NEVER) runPartialPre(rules[j], c, set, f, leaves);
  }
  return path.from(i, false)(f, set, k);
}

/** The pattern's pre-unification with each rule at the node (an operand meets one node in practice). */
function preBindsOf(op: Operand & { k: "pat" }, node: RNode): PreBind[] {
  let m = preBindCache.get(op);
  if (m === undefined) preBindCache.set(op, (m = new Map()));
  let binds = m.get(node);
  if (binds === undefined) {
    binds = node.partial.map((r) => preBind(op.t, r.value));
    m.set(node, binds);
  }
  return binds;
}
const preBindCache = new WeakMap<Operand, Map<RNode, PreBind[]>>();

function runPartialPre(
  r: CompiledRule,
  c: Ctx,
  set: RSet,
  cf: Frame,
  leaves: Exclude<PreBind, typeof NEVER>,
): void {
  const p = planOf(r);
  if (!guardsPass(p, c)) return;
  const run = (): void => {
    const f = new Frame(new Array(p.nslots), c);
    f.sink = set;
    bindLeaves(leaves, 0, cf, f, () => p.run(f, NOOP_K));
  };
  try {
    run();
  } catch (e) {
    rerunPinned(e, c, run, false);
  }
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

const sortedKids = new WeakMap<RNode, [string, RNode][]>();

/** A node's children in key order: OPA evaluates a package's rules in that order, which decides which error comes first. */
function sortedChildren(node: RNode): [string, RNode][] {
  let kids = sortedKids.get(node);
  if (!kids) {
    kids = [...node.children].sort((a, b) => compareStrings(a[0], b[0]));
    sortedKids.set(node, kids);
  }
  return kids;
}

/** Add a node's partial rules and its children's documents to a builder. */
function fillBuilder(node: RNode, b: Builder, c: Ctx): RSet | undefined {
  let set: RSet | undefined;
  if (node.partial.length) {
    if (nodePlan(node).isSet) set = new RSet();
    for (const r of node.partial) runPartial(r, c, b, set);
    if (set) return set;
  }
  for (const [name, child] of sortedChildren(node)) {
    if (!child.hasRules || isMasked(child, c)) continue;
    if (child.funcs.length) continue;
    const loc = child.complete[0]?.loc ?? child.defaults[0]?.loc ?? child.partial[0]?.loc;
    if (child.complete.length || child.defaults.length) {
      const v = evalComplete(child, c);
      if (v !== undefined) insert(b, [name], v, false, loc!);
      continue;
    }
    let sub = b.entries.get(name);
    if (nodePlan(child).isSet) {
      const cs = evalPartial(child, c) as RSet;
      if (sub && !(sub[1] instanceof RSet && b.multis.has(sub[1])))
        fail("eval_conflict_error", "object keys must be unique", loc);
      if (sub) for (const x of cs) (sub[1] as RSet).add(x);
      else {
        const set = new RSet(cs);
        b.multis.add(set);
        b.entries.set(name, [name, set]);
      }
      continue;
    }
    if (sub && !(sub[1] instanceof Builder)) fail("eval_conflict_error", "object keys must be unique", loc);
    if (!sub) {
      sub = [name, new Builder()];
      b.entries.set(name, sub);
    }
    fillBuilder(child, sub[1] as Builder, c);
  }
  return undefined;
}

/** Merge base data into a virtual object; base values win where both define a leaf. */
function mergeBase(v: Value, base: Value): Value {
  if (!isObject(v) || !isObject(base)) return base;
  const out = new ValueMap<[Value, Value]>();
  for (const [k, x] of objEntries(v)) out.set(k, [k, x]);
  for (const [k, x] of objEntries(base)) {
    const ex = out.get(k);
    out.set(k, [k, ex ? mergeBase(ex[1], x) : x]);
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
export function walkData(f: Frame, path: RefPath, k: VK): boolean {
  const c = f.c;
  if (c.masks !== undefined) return walkNode(c.sh.policy.root, c.data, path, 0, f, k);
  // jump over the constant prefix that only descends through the rule tree
  const root = c.sh.policy.root;
  let pre = path.prefix;
  if (pre === undefined || pre.root !== root) pre = path.prefix = treePrefix(root, path);
  let base: Value | undefined = c.data;
  const keys = pre.keys;
  for (let i = 0; i < keys.length && base !== undefined; i++) base = lookupData(base, keys[i]);
  return walkNode(pre.node, base, path, keys.length, f, k);
}

/**
 * The longest run of constant operands along which walkNode would only step
 * to a child node (no rules of its own there, no `with` masks: see walkData).
 */
function treePrefix(root: RNode, path: RefPath): TreePrefix {
  const keys: Value[] = [];
  let node = root;
  for (const op of path.ops) {
    if (!node.hasRules || ownRules(node) || op.k !== "const") break;
    const key = op.v;
    if (typeof key !== "string" && typeof key !== "number") break;
    const child = childNode(node, key);
    if (child === undefined) break;
    keys.push(key);
    node = child;
  }
  return { root, node, keys };
}

function childBase(base: Value | undefined, key: Value): Value | undefined {
  return base === undefined ? undefined : lookupData(base, key);
}

/** The single key of a ground const or bound-var operand, else undefined. */
function groundKey(op: Operand, f: Frame): Value | undefined {
  if (op.k === "const") return op.v;
  if (op.k === "local") return f.s[op.slot];
  return undefined;
}

function walkNode(
  node: RNode | undefined,
  base: Value | undefined,
  path: RefPath,
  i: number,
  f: Frame,
  k: VK,
): boolean {
  const c = f.c;
  const ops = path.ops;
  if (node === undefined || !node.hasRules || isMasked(node, c))
    return base !== undefined && path.from(i, true)(f, base, k);
  if (i === ops.length) {
    const v = materialize(node, base, c);
    return v !== undefined && k(v);
  }
  if (ownRules(node)) {
    if (node.funcs.length) return false;
    if (node.complete.length || node.defaults.length) {
      const v = evalComplete(node, c);
      return v !== undefined && path.from(i, false)(f, v, k);
    }
    const op = ops[i];
    if (node.children.size === 0 && !operandIterates(op, f)) {
      const key = groundKey(op, f);
      if (key !== undefined) {
        const v = lookupPartial(node, key, c);
        return v !== undefined && path.from(i + 1, false)(f, v, k);
      }
      return partialKeys(node, path, i, f, k);
    }
    if (
      node.children.size === 0 &&
      op.k === "pat" &&
      nodePlan(node).isSet &&
      c.memo.get(node) === undefined &&
      patternHasGround(op, f)
    )
      return partialByPattern(node, op, path, i, f, k);
    const v = materialize(node, base, c);
    return v !== undefined && path.from(i, false)(f, v, k);
  }
  const op = ops[i];
  if (!operandIterates(op, f)) {
    const key = groundKey(op, f);
    if (key !== undefined) return walkNode(childNode(node, key), childBase(base, key), path, i + 1, f, k);
    return childKeys(node, base, path, i, f, k);
  }
  return eachChild(node, base, path, i, f, k);
}

// Closures over the walk's state live in these helpers, off walkNode's fast path
// (a function whose closures capture its locals allocates a context per call).

function partialKeys(node: RNode, path: RefPath, i: number, f: Frame, k: VK): boolean {
  return operandKeys(path.ops[i], f, (key) => {
    const v = lookupPartial(node, key, f.c);
    return v !== undefined && path.from(i + 1, false)(f, v, k);
  });
}

function childKeys(node: RNode, base: Value | undefined, path: RefPath, i: number, f: Frame, k: VK): boolean {
  return operandKeys(path.ops[i], f, (key) =>
    walkNode(childNode(node, key), childBase(base, key), path, i + 1, f, k),
  );
}

function eachChild(node: RNode, base: Value | undefined, path: RefPath, i: number, f: Frame, k: VK): boolean {
  const op = path.ops[i];
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
      ? operandMatch(op, f, key, () => walkNode(child, childBase(base, key), path, i + 1, f, k))
      : operandMatch(op, f, key, () => path.from(i + 1, true)(f, lookupData(base!, key)!, k));
    if (r) return true;
  }
  return false;
}

function childNode(node: RNode, key: Value): RNode | undefined {
  if (typeof key === "string") return node.children.get(key);
  if (typeof key === "number") return node.children.get(String(key));
  return undefined;
}
