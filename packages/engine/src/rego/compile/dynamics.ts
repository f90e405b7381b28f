/**
 * OPA evaluates call operands that are refs or calls *before* the expression
 * (its compiler assigns them to generated locals). For a negated expression
 * that is observable: `not f(input.missing)` makes the body undefined rather
 * than true. We hoist the same subterms out of negated expressions.
 */
import type { IRExpr, IRTerm } from "./ir.ts";
import { irTermChildren, skipBodies } from "./ir-walk.ts";

type Alloc = () => IRTerm & { t: "local" };

/** Returns the support expressions to run first, and rewrites `x` in place. */
export function hoistNegated(x: IRExpr, alloc: Alloc): IRExpr[] {
  const support: IRExpr[] = [];
  // inCall: under a nested call, which OPA moves out of the negation before its safety check
  // (RewriteExprTerms), so the refs in its operands may bind vars; a ref outside any call may not.
  let inCall = 0;
  const gen = (t: IRTerm): IRTerm => {
    const v = alloc();
    const s: IRExpr = { e: { k: "eq", a: v, b: t }, negated: false, with: x.with, loc: x.loc };
    if (t.t === "ref" && !inCall && !x.negOwnVars) s.bindsOnlyLocal = true;
    support.push(s);
    return v;
  };
  /** rewriteDynamicsOne: refs and calls are extracted; composites recurse. */
  const one = (t: IRTerm): IRTerm => {
    switch (t.t) {
      case "ref":
        if (t.head.t !== "data" && t.head.t !== "input" && t.head.t !== "local") return gen(t);
        return gen({ ...t, path: t.path.map(one) });
      case "call": {
        inCall++;
        const args = t.args.map(one);
        inCall--;
        return gen({ ...t, args });
      }
      case "array":
        return { t: "array", items: t.items.map(one) };
      case "set":
        return { t: "set", items: t.items.map(one) };
      case "object":
        return { t: "object", entries: t.entries.map(([k, v]) => [one(k), one(v)] as [IRTerm, IRTerm]) };
      default:
        return t;
    }
  };
  /** rewriteDynamicsInTerm: a top-level ref stays, its operands are rewritten. */
  const inTerm = (t: IRTerm): IRTerm => {
    if (t.t === "ref") return { ...t, path: t.path.map(one) };
    if (t.t === "arraycompr" || t.t === "setcompr" || t.t === "objectcompr") return t;
    return one(t);
  };
  const e = x.e;
  switch (e.k) {
    case "eq":
      x.e = { ...e, a: inTerm(e.a), b: inTerm(e.b) };
      break;
    case "call":
      if (e.fn.kind === "builtin" && (e.fn.name === "equal" || e.fn.name === "print")) {
        if (e.fn.name === "equal") x.e = { ...e, args: e.args.map(inTerm) };
        break;
      }
      x.e = { ...e, args: e.args.map(one) };
      break;
    case "term":
      if (e.t.t === "call") {
        const c = e.t;
        if (!(c.fn.kind === "builtin" && (c.fn.name === "equal" || c.fn.name === "print")))
          x.e = { k: "term", t: { ...c, args: c.args.map(one) } };
        else if (c.fn.name === "equal") x.e = { k: "term", t: { ...c, args: c.args.map(inTerm) } };
      } else x.e = { k: "term", t: inTerm(e.t) };
      break;
    case "every":
      x.e = { ...e, dom: inTerm(e.dom) };
      break;
    default:
      break;
  }
  return support;
}

/**
 * OPA's compiler also moves the calls nested in any expression ahead of it (RewriteExprTerms),
 * in evaluation order, so they run before the expression's refs: `data.a.b >= f(x)` raises f's
 * error even when data.a.b is undefined. Done only when some ref would otherwise be evaluated
 * before a call (the common shapes keep their plans), then for every nested call whose vars
 * occur nowhere else in the expression (one the expression itself binds must stay in place).
 */
export function hoistCalls(x: IRExpr, alloc: Alloc): IRExpr[] {
  const e = x.e;
  if (e.k !== "eq" && e.k !== "call" && e.k !== "term" && e.k !== "every") return [];
  if (e.k === "call" && e.fn.kind === "builtin" && e.fn.name === "print") return [];
  // first pass (no copies: most expressions need nothing): is some call preceded by a ref?
  const scan = { seenRef: false };
  let need: boolean;
  if (e.k === "eq") need = callAfterRef(e.a, false, scan) || callAfterRef(e.b, false, scan);
  else if (e.k === "call") {
    need = false;
    for (let j = 0; j < e.args.length && !need; j++) need = callAfterRef(e.args[j], false, scan);
    if (!need && e.out) need = callAfterRef(e.out, false, scan);
  } else if (e.k === "term") need = callAfterRef(e.t, true, scan);
  else need = callAfterRef(e.dom, false, scan);
  if (!need) return [];
  const tops: IRTerm[] =
    e.k === "eq"
      ? [e.a, e.b]
      : e.k === "call"
        ? [...e.args, ...(e.out ? [e.out] : [])]
        : e.k === "term"
          ? [e.t]
          : [e.dom];
  // second pass: move the calls
  const uses = new Map<number, number>();
  const count = (t: IRTerm, m: Map<number, number>): void => {
    if (t.t === "local") m.set(t.slot, (m.get(t.slot) ?? 0) + 1);
    else if (t.t === "arraycompr" || t.t === "setcompr" || t.t === "objectcompr")
      for (let i = 0; i < t.free.length; i++) {
        const s = t.free[i];
        m.set(s, (m.get(s) ?? 0) + 1);
      }
    else irTermChildren(t, (c) => count(c, m), skipBodies);
  };
  for (let j = 0; j < tops.length; j++) {
    const t = tops[j];
    count(t, uses);
  }
  const support: IRExpr[] = [];
  const movable = (c: IRTerm): boolean => {
    const own = new Map<number, number>();
    count(c, own);
    for (const [s, n] of own) if ((uses.get(s) ?? 0) > n) return false;
    return true;
  };
  const visit = (t: IRTerm, top: boolean): IRTerm => {
    switch (t.t) {
      case "ref":
        return t.path.some((p) => p.t !== "const") ? { ...t, path: t.path.map((p) => visit(p, false)) } : t;
      case "call": {
        const c: IRTerm = { ...t, args: t.args.map((a) => visit(a, false)) };
        if (top || !movable(c)) return c;
        const v = alloc();
        support.push({ e: { k: "eq", a: v, b: c }, negated: false, with: x.with, loc: x.loc });
        return v;
      }
      case "array":
        return { t: "array", items: t.items.map((i) => visit(i, false)) };
      case "set":
        return { t: "set", items: t.items.map((i) => visit(i, false)) };
      case "object":
        return {
          t: "object",
          entries: t.entries.map(([k, v]) => [visit(k, false), visit(v, false)] as [IRTerm, IRTerm]),
        };
      default:
        return t;
    }
  };
  if (e.k === "eq") {
    const a = visit(e.a, false);
    const b = visit(e.b, false);
    if (support.length) x.e = { ...e, a, b };
  } else if (e.k === "call") {
    const args = e.args.map((a) => visit(a, false));
    if (support.length) x.e = { ...e, args };
  } else if (e.k === "term") {
    const t = visit(e.t, true);
    if (support.length) x.e = { k: "term", t };
  } else {
    const dom = visit(e.dom, false);
    if (support.length) x.e = { ...e, dom };
  }
  return support;
}

/** Whether a call nested in `t` is reached after a ref, in evaluation order (`scan` carries the refs seen). */
function callAfterRef(t: IRTerm, top: boolean, scan: { seenRef: boolean }): boolean {
  switch (t.t) {
    case "ref":
      scan.seenRef = true;
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        if (callAfterRef(p, false, scan)) return true;
      }
      return false;
    case "call":
      if (scan.seenRef && !top) return true;
      for (let i = 0; i < t.args.length; i++) {
        const a = t.args[i];
        if (callAfterRef(a, false, scan)) return true;
      }
      return false;
    case "array":
    case "set":
      for (let i = 0; i < t.items.length; i++) {
        const x = t.items[i];
        if (callAfterRef(x, false, scan)) return true;
      }
      return false;
    case "object":
      for (let i = 0; i < t.entries.length; i++) {
        const k = t.entries[i][0];
        const v = t.entries[i][1];
        if (callAfterRef(k, false, scan) || callAfterRef(v, false, scan)) return true;
      }
      return false;
    default:
      return false;
  }
}
