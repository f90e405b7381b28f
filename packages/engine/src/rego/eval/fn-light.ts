/**
 * Light functions: a few expressions over their arguments and input, calling
 * builtins and other light functions, with no comprehension, `every`, `with`
 * or read of `data`. A call of one with a composite argument (a container
 * object) is cheaper to run again than to remember: the function memo keys by
 * the argument's identity, and storing a freshly decoded object in a Map costs
 * about as much as such a body (`is_exempt(container)` in the library's
 * exempt_container lib). Skipping the memo never changes a result: within an
 * evaluation a function gives the same value for the same arguments (print is
 * handled by turning the memo off altogether).
 *
 * Only a function called from one place in the policy qualifies: one called
 * from several rules with the same container (`is_exempt(container)` in each
 * of containerlimits' rules) gains more from the memo's hits than the stores
 * cost. Any other function is judged by its memo's answers instead
 * (MEMO_TRIAL in rules.ts).
 */
import type { CompiledPolicy } from "../compile/compiler.ts";
import type { FnRef, IRBody, IRExpr, IRTerm } from "../compile/ir.ts";
import { irExprChildren, irTermChildren } from "../compile/ir-walk.ts";
import { type CompiledRule, nodeAt, type RNode } from "../compile/tree.ts";
import { nondeterministic } from "./quiet.ts";

/** Expressions (over all definitions, callees included) above which a function is not light. */
const MAX_EXPRS = 24;

/** Whether calls of the function at `node` with a composite argument should skip the memo. */
export function skipsMemo(node: RNode, policy: CompiledPolicy): boolean {
  return (callSites(policy).get(node.key) ?? 0) <= 1 && isLightFunction(node, policy.root);
}

const SITES = new WeakMap<CompiledPolicy, Map<string, number>>();

/** How many call sites (and `with … as f` uses) each user function has in the policy, by node key. */
function callSites(policy: CompiledPolicy): Map<string, number> {
  let m = SITES.get(policy);
  if (m !== undefined) return m;
  const sites = new Map<string, number>();
  const add = (fn: FnRef | undefined, n = 1) => {
    if (fn?.kind === "user" && fn.path) {
      const k = fn.path.join("\0");
      sites.set(k, (sites.get(k) ?? 0) + n);
    }
  };
  const term = (t: IRTerm): void => {
    if (t.t === "call") add(t.fn);
    irTermChildren(t, term, body);
  };
  const expr = (x: IRExpr): void => {
    if (x.e.k === "call") add(x.e.fn);
    for (const w of x.with) add(w.valueFn, 2);
    irExprChildren(x, term, body);
  };
  const body = (b: IRBody): void => {
    for (const x of b) expr(x);
  };
  for (const r of policy.rules)
    for (let link: CompiledRule | undefined = r; link; link = link.else) {
      for (const a of link.args ?? []) term(a);
      for (const k of link.keys) term(k);
      term(link.value);
      body(link.body);
    }
  m = sites;
  SITES.set(policy, m);
  return m;
}

/** Whether the function at `node` is light (see above); `root` resolves the functions it calls. */
export function isLightFunction(node: RNode, root: RNode): boolean {
  const budget = { exprs: 0 };
  return lightNode(node, root, budget, new Set());
}

interface Budget {
  exprs: number;
}

function lightNode(node: RNode, root: RNode, b: Budget, seen: Set<RNode>): boolean {
  if (seen.has(node)) return true; // counted once: a second call site costs no more analysis
  seen.add(node);
  for (const r of node.funcs)
    for (let link: CompiledRule | undefined = r; link; link = link.else) {
      for (const a of link.args ?? []) if (!lightTerm(a, root, b, seen)) return false;
      if (!lightTerm(link.value, root, b, seen) || !lightBody(link.body, root, b, seen)) return false;
    }
  return true;
}

function lightBody(body: IRBody, root: RNode, b: Budget, seen: Set<RNode>): boolean {
  for (const x of body) {
    if (++b.exprs > MAX_EXPRS || x.with.length > 0) return false;
    const e = x.e;
    if (e.k === "every" || e.k === "logic") return false;
    if (e.k === "call" && !lightCall(e.fn, root, b, seen)) return false;
    let ok = true;
    irExprChildren(
      x,
      (t) => {
        ok &&= lightTerm(t, root, b, seen);
      },
      () => {
        ok = false;
      },
    );
    if (!ok) return false;
  }
  return true;
}

function lightTerm(t: IRTerm, root: RNode, b: Budget, seen: Set<RNode>): boolean {
  switch (t.t) {
    case "data":
    case "arraycompr":
    case "setcompr":
    case "objectcompr":
      return false;
    case "call":
      if (!lightCall(t.fn, root, b, seen)) return false;
      break;
  }
  let ok = true;
  irTermChildren(
    t,
    (u) => {
      ok &&= lightTerm(u, root, b, seen);
    },
    () => {
      ok = false;
    },
  );
  return ok;
}

function lightCall(
  fn: { kind: string; name: string; path?: string[] },
  root: RNode,
  b: Budget,
  seen: Set<RNode>,
) {
  if (fn.kind === "builtin") return !nondeterministic(fn.name);
  const callee = fn.path ? nodeAt(root, fn.path, false) : undefined;
  return callee !== undefined && lightNode(callee, root, b, seen);
}
