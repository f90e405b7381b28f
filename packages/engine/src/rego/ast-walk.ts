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
      term(t.op);
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
      for (let i = 0; i < k.args.length; i++) {
        const a = k.args[i];
        term(a);
      }
      break;
    case "some":
      for (let i = 0; i < k.vars.length; i++) {
        const v = k.vars[i];
        term(v);
      }
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
  for (let i = 0; i < e.with.length; i++) {
    const w = e.with[i];
    term(w.target);
    term(w.value);
  }
}

/** Each term and body of a rule: head ref, key, value, arguments, body, then its `else` links'. */
export function ruleChildren(r: Rule, term: (t: Term) => void, body: (b: Body) => void): void {
  for (let link: Rule | undefined = r; link !== undefined; link = link.else) {
    for (let i = 0; i < link.head.ref.length; i++) {
      const t = link.head.ref[i];
      term(t);
    }
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
    for (let i = 0; i < b.length; i++) {
      const e = b[i];
      exprChildren(e, term, body);
    }
  };
  if (Array.isArray(root)) body(root);
  else if ("rules" in root) {
    for (let i = 0; i < root.imports.length; i++) {
      const imp = root.imports[i];
      term(imp.path);
    }
    for (let i = 0; i < root.rules.length; i++) {
      const r = root.rules[i];
      ruleChildren(r, term, body);
    }
  } else if ("head" in root && "isDefault" in root) ruleChildren(root, term, body);
  else term(root as Term);
}
