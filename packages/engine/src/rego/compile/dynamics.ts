/**
 * OPA evaluates call operands that are refs or calls *before* the expression
 * (its compiler assigns them to generated locals). For a negated expression
 * that is observable: `not f(input.missing)` makes the body undefined rather
 * than true. We hoist the same subterms out of negated expressions.
 */
import type { IRExpr, IRTerm } from "./ir.ts";

type Alloc = () => IRTerm & { t: "local" };

/** Returns the support expressions to run first, and rewrites `x` in place. */
export function hoistNegated(x: IRExpr, alloc: Alloc): IRExpr[] {
  const support: IRExpr[] = [];
  const gen = (t: IRTerm): IRTerm => {
    const v = alloc();
    support.push({ e: { k: "eq", a: v, b: t }, negated: false, with: x.with, loc: x.loc });
    return v;
  };
  /** rewriteDynamicsOne: refs and calls are extracted; composites recurse. */
  const one = (t: IRTerm): IRTerm => {
    switch (t.t) {
      case "ref":
        if (t.head.t !== "data" && t.head.t !== "input" && t.head.t !== "local") return gen(t);
        return gen({ ...t, path: t.path.map(one) });
      case "call":
        return gen({ ...t, args: t.args.map(one) });
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
