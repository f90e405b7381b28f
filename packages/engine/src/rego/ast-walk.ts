/**
 * The AST's shape in one place: walks over terms (collecting refs, finding
 * calls, checking groundness) enumerate children here, so a term or
 * expression kind added to ast.ts is added to every walk at once.
 * compile/ir-walk.ts is the same for the compiler's IR.
 */
import type { Body, Expr, Module, Rule, Term } from "./ast.ts";

/** Each direct child term of `t` to `term`, each body it holds (comprehensions) to `body`, in source order. */
export function termChildren(t: Term, term: (c: Term) => void, body: (b: Body) => void): void {
  switch (t.type) {
    case "ref":
      term(t.head);
      for (const p of t.path) term(p);
      return;
    case "array":
    case "set":
      for (const x of t.items) term(x);
      return;
    case "object":
      for (const [k, v] of t.entries) {
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
      term(t.op);
      for (const a of t.args) term(a);
      return;
    case "template":
      for (const p of t.parts) if (typeof p !== "string") term(p);
      for (const ws of t.with ?? [])
        for (const w of ws ?? []) {
          term(w.target);
          term(w.value);
        }
      return;
    default:
      return;
  }
}

/** Each term and body an expression holds: its kind's operands in source order, then its `with` targets and values. */
export function exprChildren(e: Expr, term: (t: Term) => void, body: (b: Body) => void): void {
  const k = e.kind;
  switch (k.type) {
    case "term":
      term(k.term);
      break;
    case "call":
      term(k.op);
      for (const a of k.args) term(a);
      break;
    case "some":
      for (const v of k.vars) term(v);
      break;
    case "somein":
      if (k.key) term(k.key);
      term(k.value);
      term(k.collection);
      break;
    case "every":
      if (k.key) term(k.key);
      term(k.value);
      term(k.domain);
      body(k.body);
      break;
    case "or":
    case "and":
      body(k.left);
      body(k.right);
      break;
    case "not":
      body(k.body);
      break;
  }
  for (const w of e.with) {
    term(w.target);
    term(w.value);
  }
}

/** Each term and body of a rule: head ref, key, value, arguments, body, then its `else` links'. */
export function ruleChildren(r: Rule, term: (t: Term) => void, body: (b: Body) => void): void {
  for (let link: Rule | undefined = r; link !== undefined; link = link.else) {
    for (const t of link.head.ref) term(t);
    if (link.head.key) term(link.head.key);
    if (link.head.value) term(link.head.value);
    for (const a of link.head.args ?? []) term(a);
    body(link.body);
  }
}

/**
 * Visits every term under `root` in pre-order, through comprehension,
 * `every`, `or`/`and`/`not` bodies and `with` modifiers (for a module: its
 * import paths, then its rules). `visit` returning false skips the term's
 * children.
 */
export function walkTerms(root: Term | Body | Rule | Module, visit: (t: Term) => boolean | undefined): void {
  const term = (t: Term): void => {
    if (visit(t) !== false) termChildren(t, term, body);
  };
  const body = (b: Body): void => {
    for (const e of b) exprChildren(e, term, body);
  };
  if (Array.isArray(root)) body(root);
  else if ("rules" in root) {
    for (const imp of root.imports) term(imp.path);
    for (const r of root.rules) ruleChildren(r, term, body);
  } else if ("head" in root && "isDefault" in root) ruleChildren(root, term, body);
  else term(root as Term);
}
