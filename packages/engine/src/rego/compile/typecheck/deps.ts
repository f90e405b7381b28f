/**
 * Which rules depend on which, for `with`: replacing a document (or a user
 * function) invalidates the types of the rules that read it, directly or
 * through other rules.
 */
import type { IRBody, IRExpr, IRTerm } from "../ir.ts";
import { irExprChildren, irTermChildren } from "../ir-walk.ts";
import type { CompiledRule, RNode } from "../tree.ts";

const hasRules = (n: RNode) => n.complete.length + n.defaults.length + n.partial.length + n.funcs.length > 0;

/** Rule nodes a path below data can refer to: rules at its prefixes, and every rule under it. */
export function rulesAt(root: RNode, path: string[]): RNode[] {
  const out: RNode[] = [];
  let n: RNode | undefined = root;
  for (let i = 0; i < path.length; i++) {
    const p = path[i];
    n = n.children.get(p);
    if (!n) return out;
    if (hasRules(n)) out.push(n);
  }
  const under = (x: RNode) => {
    for (const c of x.children.values()) {
      if (hasRules(c)) out.push(c);
      under(c);
    }
  };
  under(n);
  return out;
}

const graphs = new WeakMap<CompiledRule[], Map<RNode, Set<RNode>>>();

/** The given nodes and every rule node that depends on them, transitively. */
export function dependents(rules: CompiledRule[], root: RNode, start: RNode[]): Set<RNode> {
  let rev = graphs.get(rules);
  if (!rev) {
    rev = reverseDeps(rules, root);
    graphs.set(rules, rev);
  }
  const seen = new Set<RNode>();
  const visit = (n: RNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of rev.get(n) ?? []) visit(d);
  };
  start.forEach(visit);
  return seen;
}

/** node → the rule nodes reading it. */
function reverseDeps(rules: CompiledRule[], root: RNode): Map<RNode, Set<RNode>> {
  const rev = new Map<RNode, Set<RNode>>();
  for (let j = 0; j < rules.length; j++) {
    const r = rules[j];
    const reads = new Set<RNode>();
    const term = (t: IRTerm) => termReads(t, root, reads, body);
    const body = (b: IRBody) => {
      for (let i = 0; i < b.length; i++) {
        const x = b[i];
        exprReads(x, term, body, root, reads);
      }
    };
    for (let l: CompiledRule | undefined = r; l; l = l.else) {
      body(l.body);
      term(l.value);
      l.keys.forEach(term);
      l.args?.forEach(term);
    }
    for (const n of reads) {
      let s = rev.get(n);
      if (!s) rev.set(n, (s = new Set()));
      s.add(r.node);
    }
  }
  return rev;
}

function fnNode(root: RNode, path: string[] | undefined, acc: Set<RNode>): void {
  if (!path) return;
  let n: RNode | undefined = root;
  for (let i = 0; i < path.length; i++) {
    const p = path[i];
    n = n?.children.get(p);
  }
  if (n) acc.add(n);
}

function exprReads(
  x: IRExpr,
  term: (t: IRTerm) => void,
  body: (b: IRBody) => void,
  root: RNode,
  acc: Set<RNode>,
): void {
  if (x.e.k === "call" && x.e.fn.kind === "user") fnNode(root, x.e.fn.path, acc);
  irExprChildren(x, term, body);
  for (let i = 0; i < x.with.length; i++) {
    const w = x.with[i];
    if (w.valueFn?.kind === "user") fnNode(root, w.valueFn.path, acc);
  }
}

function termReads(t: IRTerm, root: RNode, acc: Set<RNode>, body: (b: IRBody) => void): void {
  const rec = (u: IRTerm) => termReads(u, root, acc, body);
  if (t.t === "data") walkAll(root, acc);
  else if (t.t === "ref" && t.head.t === "data") {
    walkPath(root, t.path, 0, acc);
    t.path.forEach(rec);
  } else {
    if (t.t === "call" && t.fn.kind === "user") fnNode(root, t.fn.path, acc);
    irTermChildren(t, rec, body);
  }
}

function walkPath(n: RNode, path: IRTerm[], i: number, acc: Set<RNode>): void {
  if (hasRules(n)) acc.add(n);
  if (i === path.length) {
    walkAll(n, acc);
    return;
  }
  const p = path[i];
  if (p.t === "const") {
    const c = typeof p.v === "string" ? n.children.get(p.v) : undefined;
    if (c) walkPath(c, path, i + 1, acc);
    return;
  }
  for (const c of n.children.values()) walkPath(c, path, i + 1, acc);
}

function walkAll(n: RNode, acc: Set<RNode>): void {
  if (hasRules(n)) acc.add(n);
  for (const c of n.children.values()) walkAll(c, acc);
}
