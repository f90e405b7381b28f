/**
 * Referential lookups answered from an index instead of a scan. The shape,
 * in a body:
 *
 *     x := data.a.b[v1][_]["K"][v2]        # enumerate base data (vars unbound)
 *     ...                                  # quiet expressions (see below)
 *     k == p                               # k keys x; p is bound before
 *
 * where k is a field of x (`x.f[_].g`), or a key term: a term computed from
 * x alone that calls functions (`f(x)`, `lower(x.name)`; fn-key.ts). Either
 * may be named first in between: `y := x.f.g` / `y := f(x)`, then `y == p`.
 *
 * The enumeration is then a probe of an index on (data node at the constant
 * prefix, pattern below it, field path or key term) for p's value: only the
 * matches whose k can equal p are visited, in the scan's order, each running
 * the rest of the body (the comparison included) exactly as the scan would.
 * The matches skipped are those the comparison would reject whatever the
 * expressions in between did, so those expressions must be unable to raise
 * or print (quiet.ts): calls of the registry's builtins (not strict) and of
 * user functions that cannot raise (fn-safety.ts), on plain terms. A key
 * term's functions must moreover be pure (their value depends on their
 * arguments alone), so that its value, computed once per matched value when
 * the index is built or updated, is the one the scan would compute; such an
 * index belongs to one policy.
 *
 * Anything else — `with` in effect, rules under the path, a var of the pattern
 * or x already bound, p unbound, a function the checks cannot clear, the
 * index turned off — runs the scan.
 */
import type { IRBody, IRExpr, IRTerm } from "../compile/ir.ts";
import type { RNode } from "../compile/tree.ts";
import { ownRules } from "../compile/tree.ts";
import { keyOf, type Value } from "../value.ts";
import { isNative } from "./calls.ts";
import { type Frame, type K, tick } from "./ctx.ts";
import { isKeyTerm, termKeys, termSignature } from "./fn-key.ts";
import { fnVerdict } from "./fn-safety.ts";
import { compileOne, NOTDET, type One } from "./one.ts";
import { lookupData, type Step } from "./plan.ts";
import { type Calls, newCalls, quietExpr } from "./quiet.ts";
import { ANY, type FieldStep, fieldKeys, type PatternStep, refIndexFor } from "./ref-index.ts";

interface Shape {
  /** the slot of x */
  target: number;
  /** constant keys from data to the indexed node */
  prefix: string[];
  pattern: PatternStep[];
  /** per ANY step of the pattern: the var's slot, -1 for `_` */
  slots: number[];
  /** what the matches are keyed by: a field path in x, or a term computed from x (fn-key.ts) */
  field?: FieldStep[];
  keyTerm?: IRTerm;
  /** p, evaluated before the enumeration */
  probe: One;
  /** what the expressions in between call: must be quiet */
  calls: Calls;
  /** what the key term calls: must be pure */
  keyCalls?: Calls;
  key: string;
}

/** The shape starting at body[i], if it is one. */
export function refShape(body: IRBody, i: number): Shape | undefined {
  const enumx = enumeration(body[i]);
  if (enumx === undefined) return undefined;
  const calls = newCalls();
  // `y := <a field of x, or a key term of x>` in between: y stands for that term
  const derived = new Map<number, IRTerm>();
  for (let j = i + 1; j < body.length; j++) {
    const cmp = comparison(body[j], enumx.target, enumx.slots, derived);
    if (cmp !== undefined) {
      const pattern = enumx.pattern.map((p) => (p === ANY ? null : p));
      if (cmp.field !== undefined) {
        const key = JSON.stringify([pattern, cmp.field.map((s) => (s === ANY ? { any: true } : keyOf(s)))]);
        return { ...enumx, field: cmp.field, probe: cmp.probe, calls, key };
      }
      const key = JSON.stringify([pattern, termSignature(cmp.keyTerm!, enumx.target)]);
      return { ...enumx, keyTerm: cmp.keyTerm, keyCalls: cmp.keyCalls, probe: cmp.probe, calls, key };
    }
    const d = derivation(body[j], enumx.target, calls);
    if (d !== undefined) derived.set(d.slot, d.term);
    else if (!quietExpr(body[j], calls)) return undefined;
  }
  return undefined;
}

/** `x := data.<consts>[...]` (or `=`, either side) with at least one var in the path. */
function enumeration(x: IRExpr) {
  if (x.negated || x.with.length || x.e.k !== "eq") return undefined;
  let { a, b } = x.e;
  if (a.t !== "local") [a, b] = [b, a];
  if (a.t !== "local" || a.wildcard || b.t !== "ref" || b.head.t !== "data") return undefined;
  const prefix: string[] = [];
  const pattern: PatternStep[] = [];
  const slots: number[] = [];
  for (const op of b.path) {
    if (op.t === "const" && typeof op.v === "string") {
      if (slots.length === 0) prefix.push(op.v);
      else pattern.push(op.v);
    } else if (op.t === "local") {
      if (op.slot === a.slot) return undefined;
      if (!op.wildcard && slots.includes(op.slot)) return undefined; // [v][v]: keys must agree
      pattern.push(ANY);
      slots.push(op.wildcard ? -1 : op.slot);
    } else return undefined;
  }
  if (slots.length === 0) return undefined;
  return { target: a.slot, prefix, pattern, slots };
}

/** `y := t` with t a field of x or a key term of x (its calls must be quiet wherever y is used). */
function derivation(x: IRExpr, target: number, calls: Calls): { slot: number; term: IRTerm } | undefined {
  if (x.negated || x.with.length || x.e.k !== "eq" || !x.e.assign) return undefined;
  const { a, b } = x.e;
  if (a.t !== "local" || a.wildcard || a.slot === target) return undefined;
  if (fieldOf(b, target) === undefined && !isKeyTerm(b, target, calls)) return undefined;
  return { slot: a.slot, term: b };
}

/** `k == p` (or `=`, either side), k a field of x or a key term of x: how to key x, and p's evaluator. */
function comparison(x: IRExpr, target: number, slots: number[], derived: Map<number, IRTerm>) {
  if (x.negated || x.with.length) return undefined;
  const e = x.e;
  let a: IRTerm;
  let b: IRTerm;
  if (e.k === "eq" && !e.assign) ({ a, b } = e);
  else if (
    e.k === "call" &&
    !e.out &&
    e.fn.kind === "builtin" &&
    e.fn.name === "equal" &&
    e.args.length === 2
  )
    [a, b] = e.args;
  else return undefined;
  for (const [k, p] of [
    [a, b],
    [b, a],
  ]) {
    if (!probeTerm(p, target, slots) || (p.t === "local" && derived.has(p.slot))) continue;
    const t = k.t === "local" ? (derived.get(k.slot) ?? k) : k;
    const field = fieldOf(t, target);
    const keyCalls = newCalls();
    if (field === undefined && !isKeyTerm(t, target, keyCalls)) continue;
    const probe = compileOne(p);
    if (probe === undefined) return undefined;
    return field !== undefined ? { field, probe } : { keyTerm: t, keyCalls, probe };
  }
  return undefined;
}

function fieldOf(t: IRTerm, target: number): FieldStep[] | undefined {
  if (t.t === "local") return t.slot === target ? [] : undefined;
  if (t.t !== "ref" || t.head.t !== "local" || t.head.slot !== target) return undefined;
  const out: FieldStep[] = [];
  for (const op of t.path) {
    if (op.t === "const") out.push(op.v);
    else if (op.t === "local" && op.slot !== target)
      out.push(ANY); // any key: the index over-approximates
    else return undefined;
  }
  return out;
}

/** A term with one value that is known before the enumeration runs (if its vars are bound then). */
function probeTerm(t: IRTerm, target: number, slots: number[]): boolean {
  if (t.t === "const") return true;
  if (t.t === "array" || t.t === "set") return t.items.every((u) => probeTerm(u, target, slots));
  if (t.t === "object")
    return t.entries.every(([k, v]) => probeTerm(k, target, slots) && probeTerm(v, target, slots));
  if (t.t === "local") return !t.wildcard && t.slot !== target && !slots.includes(t.slot);
  if (t.t !== "ref") return false;
  if (t.head.t !== "input" && !(t.head.t === "local" && probeTerm(t.head, target, slots))) return false;
  return t.path.every((p) => p.t === "const");
}

/**
 * The enumeration at body[i] as an index probe when it can be; `scan` is its
 * ordinary plan and `next` the rest of the body.
 */
export function indexedStep(shape: Shape, scan: Step, next: Step): Step {
  const { target, prefix, pattern, slots, field, keyTerm, probe, key } = shape;
  const byField = field !== undefined ? fieldKeys(field) : undefined;
  let treeRoot: RNode | undefined;
  let treeClear = false;
  let builtins: readonly string[] = [];
  /** the index's key: a function's keys hold for one policy only */
  let ixKey = key;
  return (f, k) => {
    const c = f.c;
    const sh = c.sh;
    if (!sh.refIndex || c.masks !== undefined || c.fns !== undefined) return scan(f, k);
    if (treeRoot !== sh.policy.root) {
      treeRoot = sh.policy.root;
      const calls = callsAllowed(shape, treeRoot);
      treeClear = calls !== undefined && noRulesAlong(treeRoot, prefix);
      builtins = calls ?? [];
      if (keyTerm !== undefined) ixKey = `${policyId(treeRoot)}:${key}`;
    }
    if (!treeClear) return scan(f, k);
    if (builtins.length && (sh.strict || !builtins.every((b) => isNative(b, sh)))) return scan(f, k);
    if (!isNative("equal", sh) || f.s[target] !== undefined) return scan(f, k);
    for (const s of slots) if (s >= 0 && f.s[s] !== undefined) return scan(f, k);
    const p = probe(f);
    if (p === undefined || p === NOTDET) return scan(f, k);
    let base: Value | undefined = c.data;
    for (let i = 0; i < prefix.length && base !== undefined; i++) base = lookupData(base, prefix[i]);
    if (base === undefined || base === null || typeof base !== "object") return scan(f, k);
    let ix: ReturnType<typeof refIndexFor>;
    if (byField !== undefined) ix = refIndexFor(base, key, pattern, byField);
    else {
      const keys = termKeys(keyTerm!, target, c);
      if (keys === undefined) return scan(f, k);
      ix = refIndexFor(base, ixKey, pattern, keys, treeRoot);
    }
    if (ix === null) return scan(f, k);
    tick(sh);
    const matches = ix.get(keyOf(p));
    if (matches === undefined) return false;
    return visit(matches, target, slots, next, f, k);
  };
}

/**
 * Whether the shape's calls are what the index needs in this policy (quiet
 * in between, pure in the key): the builtins they reach, or undefined.
 */
function callsAllowed(shape: Shape, root: RNode): readonly string[] | undefined {
  const out = [...shape.calls.builtins, ...(shape.keyCalls?.builtins ?? [])];
  for (const fn of shape.calls.fns) {
    const v = fnVerdict(root, fn);
    if (!v.quiet) return undefined;
    out.push(...v.builtins);
  }
  for (const fn of shape.keyCalls?.fns ?? []) {
    const v = fnVerdict(root, fn);
    if (!v.pure) return undefined;
    out.push(...v.builtins);
  }
  return [...new Set(out)];
}

const policyIds = new WeakMap<object, number>();
let nextPolicyId = 0;

function policyId(policy: object): number {
  let id = policyIds.get(policy);
  if (id === undefined) {
    id = nextPolicyId++;
    policyIds.set(policy, id);
  }
  return id;
}

function visit(
  matches: readonly { keys: Value[]; value: Value }[],
  target: number,
  slots: number[],
  next: Step,
  f: Frame,
  k: K,
): boolean {
  const s = f.s;
  let r = false;
  for (let m = 0; m < matches.length && !r; m++) {
    const x = matches[m];
    for (let j = 0; j < slots.length; j++) if (slots[j] >= 0) s[slots[j]] = x.keys[j];
    s[target] = x.value;
    r = next(f, k);
  }
  for (const j of slots) if (j >= 0) s[j] = undefined;
  s[target] = undefined;
  return r;
}

/** Whether the data path under `prefix` is plain base data (no rules or packages along or below it). */
function noRulesAlong(root: RNode, prefix: string[]): boolean {
  let node: RNode | undefined = root;
  for (const key of prefix) {
    if (!node.hasRules) return true;
    if (ownRules(node)) return false;
    node = node.children.get(key);
    if (node === undefined) return true;
  }
  return !node.hasRules;
}
