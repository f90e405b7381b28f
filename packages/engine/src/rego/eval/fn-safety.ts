/**
 * Which user functions an index may rely on (ref-plan.ts). A call is quiet
 * (quiet.ts) when evaluating it cannot raise, print or run rules; it is pure
 * when, in addition, its value depends on its arguments alone. The checks:
 *
 * - every definition (each `else` link too) is quiet: no `with`, no `data`,
 *   no object comprehension, no loud builtin, only quiet functions called;
 * - no conflict: a call never has two different values. Each link yields at
 *   most one value (its value is a constant, or its body cannot enumerate:
 *   every ref's keys are bound when it is evaluated, no `some … in`), and two
 *   definitions either have the same constant value or cannot both succeed
 *   (they require different constants, or one requires `t == c` and the
 *   other `t != c`, for the same path t into the same argument);
 * - pure, in addition: no `input`, no nondeterministic builtin (itself or in
 *   the functions it calls).
 *
 * Builtin errors make a call undefined unless errors are strict: the builtins
 * reached are returned, for the caller to require the registry's own
 * definitions, and non-strict evaluation.
 *
 * Anything the checks cannot see through gives "not quiet"; the index then
 * leaves the lookup to the scan.
 */
import type { FnRef, IRBody, IRTerm } from "../compile/ir.ts";
import { type CompiledRule, nodeAt, type RNode } from "../compile/tree.ts";
import { equal, type Value } from "../value.ts";
import { newCalls, nondeterministic, quietBody, quietTerm } from "./quiet.ts";

export interface FnVerdict {
  quiet: boolean;
  pure: boolean;
  /** the builtins its evaluation may call, its callees' included */
  builtins: readonly string[];
}

const NO: FnVerdict = { quiet: false, pure: false, builtins: [] };

const verdicts = new WeakMap<RNode, FnVerdict>();

export function fnVerdict(root: RNode, fn: FnRef): FnVerdict {
  if (fn.kind !== "user" || fn.path === undefined) return NO;
  const node = nodeAt(root, fn.path, false);
  if (node === undefined || node.funcs.length === 0) return NO;
  let v = verdicts.get(node);
  if (v === undefined) {
    verdicts.set(node, NO); // a cycle (not valid Rego) is not quiet
    v = judge(root, node.funcs);
    verdicts.set(node, v);
  }
  return v;
}

function judge(root: RNode, defs: CompiledRule[]): FnVerdict {
  const acc = newCalls();
  for (const r of defs)
    for (let link: CompiledRule | undefined = r; link; link = link.else) {
      if (!(link.args ?? []).every((a) => quietTerm(a, acc))) return NO;
      if (!quietBody(link.body, acc) || !quietTerm(link.value, acc)) return NO;
      if (link.value.t !== "const" && !singleSolution(link)) return NO;
    }
  if (!noConflicts(defs.filter((r) => !r.isDefault))) return NO;
  let pure = !acc.input && !acc.builtins.some(nondeterministic);
  const builtins = [...acc.builtins];
  for (const g of acc.fns) {
    const v = fnVerdict(root, g);
    if (!v.quiet) return NO;
    pure &&= v.pure;
    builtins.push(...v.builtins);
  }
  return { quiet: true, pure, builtins: [...new Set(builtins)] };
}

// ---- one value per link ----------------------------------------------------------

/** The body has at most one solution once the arguments are bound, and the value one value. */
function singleSolution(r: CompiledRule): boolean {
  const bound = new Set<number>();
  for (const a of r.args ?? []) bindLocals(a, bound);
  for (const x of r.body) {
    if (x.negated) continue; // a test: binds nothing
    const e = x.e;
    switch (e.k) {
      case "true":
      case "every":
        continue;
      case "eq":
        if (!single(e.a, bound) || !single(e.b, bound)) return false;
        bindLocals(e.a, bound);
        bindLocals(e.b, bound);
        continue;
      case "term":
        if (!single(e.t, bound)) return false;
        continue;
      case "call":
        if (!e.args.every((t) => single(t, bound))) return false;
        if (e.out !== undefined) {
          if (!single(e.out, bound)) return false;
          bindLocals(e.out, bound);
        }
        continue;
      default:
        return false;
    }
  }
  return single(r.value, bound);
}

/** Evaluating `t` (vars in `bound` bound) yields one value at most: no ref iterates. */
function single(t: IRTerm, bound: Set<number>): boolean {
  switch (t.t) {
    case "ref":
      return (
        single(t.head, bound) &&
        // a key with an unbound var (`k[i]`, `k[[i, _]]`) enumerates
        t.path.every((p) => allBound(p, bound) && single(p, bound))
      );
    case "array":
      return t.items.every((u) => single(u, bound));
    case "set":
      // unifying a set pattern with unbound vars may match in several ways
      return t.items.every((u) => single(u, bound) && (u.t !== "local" || bound.has(u.slot)));
    case "object":
      return t.entries.every(([k, v]) => single(k, bound) && single(v, bound));
    case "call":
      return t.args.every((u) => single(u, bound));
    default:
      // consts, locals, input; comprehensions collect their own iteration
      return true;
  }
}

/** Every var in `t` (outside comprehensions) is bound. */
function allBound(t: IRTerm, bound: Set<number>): boolean {
  const vars = new Set<number>();
  if (t.t === "local" && t.wildcard) return false;
  if (!noWildcard(t)) return false;
  bindLocals(t, vars);
  for (const v of vars) if (!bound.has(v)) return false;
  return true;
}

function noWildcard(t: IRTerm): boolean {
  switch (t.t) {
    case "local":
      return !t.wildcard;
    case "ref":
      return noWildcard(t.head) && t.path.every(noWildcard);
    case "array":
    case "set":
    case "call":
      return (t.t === "call" ? t.args : t.items).every(noWildcard);
    case "object":
      return t.entries.every(([k, v]) => noWildcard(k) && noWildcard(v));
    default:
      return true;
  }
}

/** The locals `t` binds when unified (comprehension bodies are their own scope). */
function bindLocals(t: IRTerm, bound: Set<number>): void {
  switch (t.t) {
    case "local":
      if (!t.wildcard) bound.add(t.slot);
      return;
    case "ref":
      bindLocals(t.head, bound);
      for (const p of t.path) bindLocals(p, bound);
      return;
    case "array":
    case "set":
      for (const u of t.items) bindLocals(u, bound);
      return;
    case "object":
      for (const [k, v] of t.entries) {
        bindLocals(k, bound);
        bindLocals(v, bound);
      }
      return;
    case "call":
      for (const u of t.args) bindLocals(u, bound);
      return;
    default:
      return;
  }
}

// ---- no two definitions disagree ---------------------------------------------------

function noConflicts(defs: CompiledRule[]): boolean {
  if (defs.length < 2) return true;
  const v0 = defs[0].value;
  if (
    v0.t === "const" &&
    defs.every((r) => r.else === undefined && r.value.t === "const" && equal(r.value.v, v0.v))
  )
    return true;
  if (defs.some((r) => r.else !== undefined)) return false;
  const facts = defs.map((r) => factsOf(r.args ?? [], r.body));
  for (let i = 0; i < defs.length; i++)
    for (let j = i + 1; j < defs.length; j++) if (!exclusive(facts[i], facts[j])) return false;
  return true;
}

/** A value a successful body requires at a path into one argument: equal to `v`, or not. */
interface Fact {
  arg: number;
  path: Value[];
  eq: boolean;
  v: Value;
}

interface At {
  arg: number;
  path: Value[];
}

/** What a definition requires of its arguments, from its argument patterns and its body's top-level tests. */
function factsOf(args: IRTerm[], body: IRBody): Fact[] {
  const alias = new Map<number, At>();
  const facts: Fact[] = [];
  args.forEach((a, arg) => {
    if (a.t === "local" && !a.wildcard) alias.set(a.slot, { arg, path: [] });
    else if (a.t === "const") facts.push({ arg, path: [], eq: true, v: a.v });
  });
  const at = (t: IRTerm): At | undefined => {
    if (t.t === "local") return alias.get(t.slot);
    if (t.t !== "ref" || t.head.t !== "local") return undefined;
    const base = alias.get(t.head.slot);
    if (base === undefined || !t.path.every((p) => p.t === "const")) return undefined;
    return { arg: base.arg, path: [...base.path, ...t.path.map((p) => (p as { v: Value }).v)] };
  };
  const test = (a: IRTerm, b: IRTerm, eq: boolean): void => {
    if (b.t !== "const") [a, b] = [b, a];
    const p = b.t === "const" ? at(a) : undefined;
    if (p !== undefined) facts.push({ ...p, eq, v: (b as { v: Value }).v });
  };
  for (const x of body) {
    if (x.negated || x.with.length) continue;
    const e = x.e;
    if (e.k === "eq") {
      // `l := arg.path`: l names that path from here on
      if (e.assign && e.a.t === "local" && !e.a.wildcard) {
        const p = at(e.b);
        if (p !== undefined) alias.set(e.a.slot, p);
        continue;
      }
      test(e.a, e.b, true);
    } else if (e.k === "call" && e.fn.kind === "builtin" && e.out === undefined && e.args.length === 2) {
      if (e.fn.name === "equal") test(e.args[0], e.args[1], true);
      else if (e.fn.name === "neq") test(e.args[0], e.args[1], false);
    }
  }
  return facts;
}

function exclusive(a: Fact[], b: Fact[]): boolean {
  for (const x of a)
    for (const y of b) {
      if (x.arg !== y.arg || x.path.length !== y.path.length) continue;
      if (!x.path.every((p, i) => equal(p, y.path[i]))) continue;
      const same = equal(x.v, y.v);
      if (x.eq && y.eq ? !same : x.eq !== y.eq && same) return true;
    }
  return false;
}
