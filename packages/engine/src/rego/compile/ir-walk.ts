/**
 * The IR's shape in one place (rego/ast-walk.ts is the same for the AST):
 * walks that only need a term's or an expression's parts enumerate them here.
 */
import type { IRBody, IRExpr, IRTerm } from "./ir.ts";

/** The `body` argument of a walk that does not enter closures. */
export const skipBodies = (_b: IRBody): void => {};

/** Each direct child term of `t` to `term` (a ref's head, then its path), each body it holds to `body`. */
export function irTermChildren(t: IRTerm, term: (c: IRTerm) => void, body: (b: IRBody) => void): void {
  switch (t.t) {
    case "ref":
      term(t.head);
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        term(p);
      }
      return;
    case "array":
    case "set":
      for (let i = 0; i < t.items.length; i++) {
        const x = t.items[i];
        term(x);
      }
      return;
    case "object":
      for (let i = 0; i < t.entries.length; i++) {
        const k = t.entries[i][0];
        const v = t.entries[i][1];
        term(k);
        term(v);
      }
      return;
    case "arraycompr":
    case "setcompr":
      term(t.head);
      body(t.body);
      return;
    case "objectcompr":
      term(t.key);
      term(t.value);
      body(t.body);
      return;
    case "call":
      for (let i = 0; i < t.args.length; i++) {
        const a = t.args[i];
        term(a);
      }
      return;
    case "template":
      for (let i = 0; i < t.parts.length; i++) {
        const p = t.parts[i];
        if (typeof p !== "string") term(p);
      }
      return;
    default:
      return;
  }
}

/**
 * Each term and body of an expression: its operands (a `some … in`'s
 * collection first), then its `with` values. Function references (a call's
 * or a `with`'s) are not terms: walks that follow them do so themselves.
 */
export function irExprChildren(x: IRExpr, term: (t: IRTerm) => void, body: (b: IRBody) => void): void {
  const e = x.e;
  switch (e.k) {
    case "eq":
      term(e.a);
      term(e.b);
      break;
    case "call":
      for (let i = 0; i < e.args.length; i++) {
        const a = e.args[i];
        term(a);
      }
      if (e.out) term(e.out);
      break;
    case "term":
      term(e.t);
      break;
    case "somein":
      term(e.coll);
      if (e.key) term(e.key);
      term(e.value);
      break;
    case "every":
      term(e.dom);
      body(e.body);
      break;
    case "logic":
      body(e.left);
      if (e.right) body(e.right);
      break;
    case "true":
      break;
  }
  for (let i = 0; i < x.with.length; i++) {
    const w = x.with[i];
    term(w.value);
  }
}
