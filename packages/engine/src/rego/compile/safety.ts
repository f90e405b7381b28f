/**
 * Safety: every var must be bound before it is read. Like OPA, body
 * expressions are reordered so that producers run before consumers; what
 * cannot be ordered is reported as rego_unsafe_var_error.
 */
import type { Location } from "../ast.ts";
import type { RegoErrorDetail } from "../errors.ts";
import { equal } from "../value.ts";
import type { IRBody, IRExpr, IRTerm } from "./ir.ts";

type Bound = Set<number>;

export interface SafetyCtx {
  names: string[];
  errors: RegoErrorDetail[];
  /** slots already reported unsafe: a comprehension is checked as a head term and as a closure */
  reported?: Set<number>;
}

/** Vars that must be bound before generating the term's values. */
function inVars(t: IRTerm, acc: Set<number>): void {
  switch (t.t) {
    case "local":
      acc.add(t.slot);
      return;
    case "ref":
      if (t.head.t === "local") acc.add(t.head.slot);
      else inVars(t.head, acc);
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        if (p.t !== "local") operandIn(p, acc);
      }
      return;
    case "array":
    case "set":
      for (let i = 0; i < t.items.length; i++) {
        const x = t.items[i];
        inVars(x, acc);
      }
      return;
    case "object":
      for (let i = 0; i < t.entries.length; i++) {
        const k = t.entries[i][0];
        const v = t.entries[i][1];
        inVars(k, acc);
        inVars(v, acc);
      }
      return;
    case "arraycompr":
    case "setcompr":
    case "objectcompr":
      for (let i = 0; i < t.free.length; i++) {
        const s = t.free[i];
        acc.add(s);
      }
      return;
    case "call":
      for (let i = 0; i < t.args.length; i++) {
        const a = t.args[i];
        inVars(a, acc);
      }
      return;
    case "template":
      for (let i = 0; i < t.parts.length; i++) {
        const p = t.parts[i];
        if (typeof p !== "string") inVars(p, acc);
      }
      return;
    default:
      return;
  }
}

/** A ref operand: vars in its pattern positions are outputs (iteration), the rest are inputs. */
function operandIn(t: IRTerm, acc: Set<number>): void {
  if (t.t === "local") return;
  if (t.t === "array")
    for (let i = 0; i < t.items.length; i++) {
      const x = t.items[i];
      operandIn(x, acc);
    }
  else if (t.t === "object")
    for (let i = 0; i < t.entries.length; i++) {
      const k = t.entries[i][0];
      const v = t.entries[i][1];
      inVars(k, acc);
      operandIn(v, acc);
    }
  else inVars(t, acc);
}

/** Vars bound by generating the term's values (ref operands). */
function refOuts(t: IRTerm, acc: Set<number>): void {
  switch (t.t) {
    case "ref":
      refOuts(t.head, acc);
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        patVars(p, acc);
        refOuts(p, acc);
      }
      return;
    case "array":
    case "set":
      for (let i = 0; i < t.items.length; i++) {
        const x = t.items[i];
        refOuts(x, acc);
      }
      return;
    case "object":
      for (let i = 0; i < t.entries.length; i++) {
        const k = t.entries[i][0];
        const v = t.entries[i][1];
        refOuts(k, acc);
        refOuts(v, acc);
      }
      return;
    case "call":
      for (let i = 0; i < t.args.length; i++) {
        const a = t.args[i];
        refOuts(a, acc);
      }
      return;
    case "template":
      for (let i = 0; i < t.parts.length; i++) {
        const p = t.parts[i];
        if (typeof p !== "string") refOuts(p, acc);
      }
      return;
    default:
      return;
  }
}

/** Vars in pattern positions. */
function patVars(t: IRTerm, acc: Set<number>): void {
  if (t.t === "local") acc.add(t.slot);
  else if (t.t === "array")
    for (let i = 0; i < t.items.length; i++) {
      const x = t.items[i];
      patVars(x, acc);
    }
  else if (t.t === "object")
    for (let i = 0; i < t.entries.length; i++) {
      const v = t.entries[i][1];
      patVars(v, acc);
    }
}

/** Inputs of a pattern term: everything except its pattern-position vars. */
function patIn(t: IRTerm, acc: Set<number>): void {
  if (t.t === "local") return;
  if (t.t === "array")
    for (let i = 0; i < t.items.length; i++) {
      const x = t.items[i];
      patIn(x, acc);
    }
  else if (t.t === "object")
    for (let i = 0; i < t.entries.length; i++) {
      const k = t.entries[i][0];
      const v = t.entries[i][1];
      inVars(k, acc);
      patIn(v, acc);
    }
  else inVars(t, acc);
}

/** The members of `s` in neither `b` nor `also` (no union set built for the pair). */
function minus(s: Set<number>, b: Bound, also?: Set<number>): Set<number> {
  const out = new Set<number>();
  for (const x of s) if (!b.has(x) && !also?.has(x)) out.add(x);
  return out;
}

function isUnboundPattern(t: IRTerm, b: Bound): boolean {
  const s = new Set<number>();
  patVars(t, s);
  for (const x of s) if (!b.has(x)) return true;
  return false;
}

interface Analysis {
  missing: Set<number>;
  outs: Set<number>;
}

function genAnalysis(t: IRTerm, b: Bound): Analysis {
  const need = new Set<number>();
  inVars(t, need);
  const outs = new Set<number>();
  refOuts(t, outs);
  return { missing: minus(need, b), outs };
}

function unifyAnalysis(a: IRTerm, c: IRTerm, b: Bound): Analysis {
  if (a.t === "array" && c.t === "array" && a.items.length === c.items.length) {
    return pairwise(
      a.items.map((x, i) => [x, c.items[i]]),
      b,
    );
  }
  if (a.t === "object" && c.t === "object" && a.entries.length === c.entries.length) {
    const pairs: [IRTerm, IRTerm][] = [];
    for (let j = 0; j < a.entries.length; j++) {
      const ka = a.entries[j][0];
      const va = a.entries[j][1];
      const m =
        ka.t === "const" ? c.entries.find(([kc]) => kc.t === "const" && equal(kc.v, ka.v)) : undefined;
      if (!m) break;
      pairs.push([va, m[1]]);
    }
    if (pairs.length === a.entries.length) return pairwise(pairs, b);
  }
  const aPat = isUnboundPattern(a, b);
  const cPat = isUnboundPattern(c, b);
  if (aPat && !cPat) return patGen(a, c, b);
  if (cPat && !aPat) return patGen(c, a, b);
  if (aPat && cPat) {
    const x = patGen(a, c, b);
    if (x.missing.size === 0) return x;
    const y = patGen(c, a, b);
    if (y.missing.size === 0) return y;
    return x;
  }
  const x = genAnalysis(a, b);
  const y = genAnalysis(c, b);
  return { missing: new Set([...x.missing, ...y.missing]), outs: new Set([...x.outs, ...y.outs]) };
}

function patGen(pat: IRTerm, gen: IRTerm, b: Bound): Analysis {
  const pv = new Set<number>();
  patVars(pat, pv);
  const need = new Set<number>();
  patIn(pat, need);
  inVars(gen, need);
  const outs = new Set<number>(pv);
  refOuts(gen, outs);
  refOuts(pat, outs);
  const bb = new Set([...b, ...outs]);
  return { missing: minus(need, bb), outs };
}

function pairwise(pairs: [IRTerm, IRTerm][], b: Bound): Analysis {
  const bound = new Set(b);
  const outs = new Set<number>();
  let rest = pairs;
  while (rest.length) {
    const next: [IRTerm, IRTerm][] = [];
    let progressed = false;
    for (let i = 0; i < rest.length; i++) {
      const x = rest[i][0];
      const y = rest[i][1];
      const r = unifyAnalysis(x, y, bound);
      if (r.missing.size === 0) {
        for (const o of r.outs) {
          bound.add(o);
          outs.add(o);
        }
        progressed = true;
      } else next.push([x, y]);
    }
    if (!progressed) {
      const missing = new Set<number>();
      for (let i = 0; i < next.length; i++) {
        const x = next[i][0];
        const y = next[i][1];
        for (const m of unifyAnalysis(x, y, bound).missing) missing.add(m);
      }
      return { missing, outs };
    }
    rest = next;
  }
  return { missing: new Set(), outs };
}

function exprAnalysis(x: IRExpr, b: Bound): Analysis {
  const e = x.e;
  let r: Analysis;
  switch (e.k) {
    case "eq":
      if (e.assign) {
        // since OPA 1.19 `:=` does not make its right side safe by unifying back through the left
        const g = genAnalysis(e.b, b);
        const outs = new Set(g.outs);
        patVars(e.a, outs);
        r = { missing: g.missing, outs };
      } else r = unifyAnalysis(e.a, e.b, b);
      break;
    case "call": {
      const need = new Set<number>();
      const outs = new Set<number>();
      for (let i = 0; i < e.args.length; i++) {
        const a = e.args[i];
        inVars(a, need);
        refOuts(a, outs);
      }
      if (e.out) {
        patVars(e.out, outs);
        patIn(e.out, need);
        refOuts(e.out, outs);
      }
      r = { missing: minus(need, b, outs), outs };
      break;
    }
    case "term":
      r = genAnalysis(e.t, b);
      break;
    case "somein": {
      const g = genAnalysis(e.coll, b);
      const need = new Set<number>();
      const outs = new Set<number>(g.outs);
      for (const t of e.key ? [e.key, e.value] : [e.value]) {
        patVars(t, outs);
        patIn(t, need);
        refOuts(t, outs);
      }
      r = { missing: new Set([...g.missing, ...minus(need, b, outs)]), outs };
      break;
    }
    case "every": {
      const g = genAnalysis(e.dom, b);
      const need = new Set<number>(e.free);
      r = { missing: new Set([...g.missing, ...minus(need, b)]), outs: new Set() };
      break;
    }
    case "logic":
      r = { missing: minus(new Set(e.free), b), outs: new Set() };
      break;
    case "true":
      r = { missing: new Set(), outs: new Set() };
      break;
  }
  for (let i = 0; i < x.with.length; i++) {
    const w = x.with[i];
    const n = new Set<number>();
    inVars(w.value, n);
    for (const m of minus(n, b)) r.missing.add(m);
  }
  if (x.bindsOnlyLocal && e.k === "eq" && e.a.t === "local") {
    const target = e.a.slot;
    for (const o of r.outs) if (o !== target && !b.has(o)) r.missing.add(o);
    r = { missing: r.missing, outs: new Set([target]) };
  }
  if (x.negated) {
    // A negated expression binds nothing outside: its outputs, wildcards too, must already be bound
    // (OPA: `not input.xs[_]` is `var _ is unsafe`; a nested call was hoisted out before this).
    if (!x.negOwnVars) for (const o of r.outs) if (!b.has(o)) r.missing.add(o);
    r = { missing: r.missing, outs: new Set() };
  }
  return r;
}

/** The vars an expression binds when all it needs is bound (OPA's outputVarsForExpr), else none. */
export function exprOutputs(x: IRExpr, b: Bound): Set<number> {
  const r = exprAnalysis(x, b);
  return r.missing.size ? new Set() : r.outs;
}

/** Reorder a body for safety; returns the new order and the vars bound after it. */
export function orderBody(body: IRBody, b0: Bound, ctx: SafetyCtx): { body: IRBody; bound: Bound } {
  const bound = new Set(b0);
  const out: IRBody = [];
  const rest = body.slice();
  while (rest.length) {
    let picked = -1;
    let outs: Set<number> | undefined;
    for (let i = 0; i < rest.length; i++) {
      const a = exprAnalysis(rest[i], bound);
      if (a.missing.size === 0) {
        picked = i;
        outs = a.outs;
        break;
      }
    }
    if (picked < 0) {
      // report every unsafe var once, at the first expression that needs it; a generated local
      // only when no var of the user's is unsafe (it is unbound because of that one)
      const seen = new Set<number>();
      const generated: [number, Location][] = [];
      let reported = false;
      for (let j = 0; j < rest.length; j++) {
        const x = rest[j];
        for (const m of exprAnalysis(x, bound).missing) {
          if (seen.has(m)) continue;
          seen.add(m);
          if (ctx.names[m]?.startsWith("$")) generated.push([m, x.loc]);
          else {
            unsafe(ctx, m, x.loc);
            reported = true;
          }
        }
      }
      if (!reported) for (let j = 0; j < generated.length; j++) unsafe(ctx, generated[j][0], generated[j][1]);
      out.push(...rest);
      break;
    }
    const x = rest[picked];
    for (const o of outs!) bound.add(o);
    out.push(x);
    rest.splice(picked, 1);
  }
  // nested closures see the bindings in effect before them; order them with what the outer body binds
  for (let j = 0; j < out.length; j++) {
    const x = out[j];
    orderNested(x, bound, ctx);
  }
  return { body: out, bound };
}

function unsafe(ctx: SafetyCtx, slot: number, loc: Location): void {
  ctx.reported ??= new Set();
  if (ctx.reported.has(slot)) return;
  ctx.reported.add(slot);
  const name = ctx.names[slot];
  ctx.errors.push({ code: "rego_unsafe_var_error", message: `var ${name} is unsafe`, location: loc });
}

/** Check that head terms only use bound vars. */
export function checkHead(terms: IRTerm[], bound: Bound, ctx: SafetyCtx, loc: Location): void {
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i];
    const r = genAnalysis(t, bound);
    for (const m of r.missing) unsafe(ctx, m, loc);
    orderTermNested(t, ctx);
  }
}

function orderNested(x: IRExpr, _outer: Bound, ctx: SafetyCtx): void {
  const e = x.e;
  switch (e.k) {
    case "eq":
      orderTermNested(e.a, ctx);
      orderTermNested(e.b, ctx);
      break;
    case "call":
      for (let i = 0; i < e.args.length; i++) {
        const a = e.args[i];
        orderTermNested(a, ctx);
      }
      if (e.out) orderTermNested(e.out, ctx);
      break;
    case "term":
      orderTermNested(e.t, ctx);
      break;
    case "somein":
      orderTermNested(e.coll, ctx);
      break;
    case "every": {
      orderTermNested(e.dom, ctx);
      const b = new Set<number>(e.free);
      if (e.key) patVars(e.key, b);
      patVars(e.value, b);
      e.body = orderBody(e.body, b, ctx).body;
      break;
    }
    case "logic":
      e.left = orderBody(e.left, new Set(e.free), ctx).body;
      if (e.right) e.right = orderBody(e.right, new Set(e.free), ctx).body;
      break;
    case "true":
      break;
  }
  for (let i = 0; i < x.with.length; i++) {
    const w = x.with[i];
    orderTermNested(w.value, ctx);
  }
}

function orderTermNested(t: IRTerm, ctx: SafetyCtx): void {
  switch (t.t) {
    case "ref":
      orderTermNested(t.head, ctx);
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        orderTermNested(p, ctx);
      }
      return;
    case "array":
    case "set":
      for (let i = 0; i < t.items.length; i++) {
        const x = t.items[i];
        orderTermNested(x, ctx);
      }
      return;
    case "object":
      for (let i = 0; i < t.entries.length; i++) {
        const k = t.entries[i][0];
        const v = t.entries[i][1];
        orderTermNested(k, ctx);
        orderTermNested(v, ctx);
      }
      return;
    case "call":
      for (let i = 0; i < t.args.length; i++) {
        const a = t.args[i];
        orderTermNested(a, ctx);
      }
      return;
    case "template":
      for (let i = 0; i < t.parts.length; i++) {
        const p = t.parts[i];
        if (typeof p !== "string") orderTermNested(p, ctx);
      }
      return;
    case "arraycompr":
    case "setcompr": {
      const r = orderBody(t.body, new Set(t.free), ctx);
      t.body = r.body;
      checkHead([t.head], r.bound, ctx, locOf(t.body));
      return;
    }
    case "objectcompr": {
      const r = orderBody(t.body, new Set(t.free), ctx);
      t.body = r.body;
      checkHead([t.key, t.value], r.bound, ctx, locOf(t.body));
      return;
    }
    default:
      return;
  }
}

function locOf(b: IRBody): Location {
  return b[0]?.loc ?? { file: "", row: 0, col: 0 };
}
