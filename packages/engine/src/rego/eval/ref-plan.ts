/**
 * Referential lookups answered from an index instead of a scan. The shape,
 * in a body:
 *
 *     x := data.a.b[v1][_]["K"][v2]        # enumerate base data (vars unbound)
 *     ...                                  # quiet expressions (see below)
 *     x.f[_].g == p                        # a field of x against p, bound before
 *
 * The enumeration is then a probe of an index on (data node at the constant
 * prefix, pattern below it, field path) for p's value: only the matches whose
 * field can equal p are visited, in the scan's order, each running the rest of
 * the body (the comparison included) exactly as the scan would. The matches
 * skipped are those the comparison would reject whatever the expressions in
 * between did, so those expressions must be unable to raise or print: calls of
 * the registry's builtins (not strict) on plain terms.
 *
 * Anything else — `with` in effect, rules under the path, a var of the pattern
 * or x already bound, p unbound, the index turned off — runs the scan.
 */
import type { IRBody, IRExpr, IRTerm } from "../compile/ir.ts";
import type { RNode } from "../compile/tree.ts";
import { ownRules } from "../compile/tree.ts";
import { keyOf, type Value } from "../value.ts";
import { isNative } from "./calls.ts";
import { type Frame, type K, tick } from "./ctx.ts";
import { compileOne, NOTDET, type One } from "./one.ts";
import { lookupData, type Step } from "./plan.ts";
import { ANY, type FieldStep, type PatternStep, refIndexFor } from "./ref-index.ts";

interface Shape {
  /** the slot of x */
  target: number;
  /** constant keys from data to the indexed node */
  prefix: string[];
  pattern: PatternStep[];
  /** per ANY step of the pattern: the var's slot, -1 for `_` */
  slots: number[];
  field: FieldStep[];
  /** p, evaluated before the enumeration */
  probe: One;
  /** builtins called in between: must be the registry's own */
  builtins: string[];
  key: string;
}

/** Builtins whose calls have effects or evaluate policy code. */
const LOUD_BUILTINS = new Set(["print", "internal.print", "walk", "trace", "http.send", "opa.runtime"]);

/** The shape starting at body[i], if it is one. */
export function refShape(body: IRBody, i: number): Shape | undefined {
  const enumx = enumeration(body[i]);
  if (enumx === undefined) return undefined;
  const builtins: string[] = [];
  for (let j = i + 1; j < body.length; j++) {
    const cmp = comparison(body[j], enumx.target, enumx.slots);
    if (cmp !== undefined) {
      const key = JSON.stringify([
        enumx.pattern.map((p) => (p === ANY ? null : p)),
        cmp.field.map((s) => (s === ANY ? { any: true } : keyOf(s))),
      ]);
      return { ...enumx, ...cmp, builtins, key };
    }
    if (!quiet(body[j], builtins)) return undefined;
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

/** `x.<path> == p` (or `=`, either side): the field path and p's evaluator. */
function comparison(x: IRExpr, target: number, slots: number[]) {
  if (x.negated || x.with.length) return undefined;
  const e = x.e;
  let a: IRTerm;
  let b: IRTerm;
  if (e.k === "eq") ({ a, b } = e);
  else if (
    e.k === "call" &&
    !e.out &&
    e.fn.kind === "builtin" &&
    e.fn.name === "equal" &&
    e.args.length === 2
  )
    [a, b] = e.args;
  else return undefined;
  let field = fieldOf(a, target);
  if (field === undefined) {
    [a, b] = [b, a];
    field = fieldOf(a, target);
  }
  if (field === undefined || !probeTerm(b, target, slots)) return undefined;
  const probe = compileOne(b);
  if (probe === undefined) return undefined;
  return { field, probe };
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
  if (t.t === "local") return !t.wildcard && t.slot !== target && !slots.includes(t.slot);
  if (t.t !== "ref") return false;
  if (t.head.t !== "input" && !(t.head.t === "local" && probeTerm(t.head, target, slots))) return false;
  return t.path.every((p) => p.t === "const");
}

/** An expression that cannot raise, print or run rules (builtins it calls are collected). */
function quiet(x: IRExpr, builtins: string[]): boolean {
  if (x.with.length) return false;
  const e = x.e;
  switch (e.k) {
    case "true":
      return true;
    case "eq":
      return quietTerm(e.a, builtins) && quietTerm(e.b, builtins);
    case "term":
      return quietTerm(e.t, builtins);
    case "call":
      return (
        quietCall(e.fn.kind, e.fn.name, builtins) &&
        e.args.every((t) => quietTerm(t, builtins)) &&
        (e.out === undefined || quietTerm(e.out, builtins))
      );
    default:
      return false;
  }
}

function quietCall(kind: string, name: string, builtins: string[]): boolean {
  if (kind !== "builtin" || LOUD_BUILTINS.has(name)) return false;
  builtins.push(name);
  return true;
}

function quietTerm(t: IRTerm, builtins: string[]): boolean {
  switch (t.t) {
    case "const":
    case "local":
    case "input":
      return true;
    case "ref":
      return (
        t.head.t !== "data" && quietTerm(t.head, builtins) && t.path.every((p) => quietTerm(p, builtins))
      );
    case "array":
    case "set":
      return t.items.every((u) => quietTerm(u, builtins));
    case "object":
      return t.entries.every(([k, v]) => quietTerm(k, builtins) && quietTerm(v, builtins));
    case "call":
      return quietCall(t.fn.kind, t.fn.name, builtins) && t.args.every((u) => quietTerm(u, builtins));
    default:
      return false;
  }
}

/**
 * The enumeration at body[i] as an index probe when it can be; `scan` is its
 * ordinary plan and `next` the rest of the body.
 */
export function indexedStep(shape: Shape, scan: Step, next: Step): Step {
  const { target, prefix, pattern, slots, field, probe, builtins, key } = shape;
  let treeRoot: RNode | undefined;
  let treeClear = false;
  return (f, k) => {
    const c = f.c;
    const sh = c.sh;
    if (!sh.refIndex || c.masks !== undefined || c.fns !== undefined) return scan(f, k);
    if (builtins.length && (sh.strict || !builtins.every((b) => isNative(b, sh)))) return scan(f, k);
    if (!isNative("equal", sh)) return scan(f, k);
    if (treeRoot !== sh.policy.root) {
      treeRoot = sh.policy.root;
      treeClear = noRulesAlong(treeRoot, prefix);
    }
    if (!treeClear || f.s[target] !== undefined) return scan(f, k);
    for (const s of slots) if (s >= 0 && f.s[s] !== undefined) return scan(f, k);
    const p = probe(f);
    if (p === undefined || p === NOTDET) return scan(f, k);
    let base: Value | undefined = c.data;
    for (let i = 0; i < prefix.length && base !== undefined; i++) base = lookupData(base, prefix[i]);
    if (base === undefined || base === null || typeof base !== "object") return scan(f, k);
    const ix = refIndexFor(base, key, pattern, field);
    if (ix === null) return scan(f, k);
    tick(sh);
    const matches = ix.get(keyOf(p));
    if (matches === undefined) return false;
    return visit(matches, target, slots, next, f, k);
  };
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
