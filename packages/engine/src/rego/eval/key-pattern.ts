/**
 * A partial rule read with a pattern key, e.g. `p[{"msg": msg, "field": "containers"}]`:
 * OPA's topdown unifies each rule's head key with the pattern before running the body
 * (evalOneRulePreUnify), so only the members the pattern can match are computed, and
 * errors of the others never happen. This pairs a pattern's ground parts with the
 * head-key terms they bind; the evaluator binds those in the rule's frame first.
 */
import type { IRTerm } from "../compile/ir.ts";
import type { Value } from "../value.ts";
import type { Frame, K } from "./ctx.ts";
import { structuralPairs, type UnifyV, unifyV } from "./plan.ts";

/** One part of the pattern (read in the caller's frame) and the head term it unifies with. */
interface Leaf {
  /** the pattern part's value, undefined while it is an unbound var */
  get: (f: Frame) => Value | undefined;
  u: UnifyV;
}

/** The leaves a rule's head key is pre-unified with, or NEVER when no member can match. */
export type PreBind = Leaf[] | typeof NEVER;
export const NEVER = "never";

/** Pair the pattern `pat` (a ref operand) with a rule's head key `head`. */
export function preBind(pat: IRTerm, head: IRTerm): PreBind {
  const out: Leaf[] = [];
  return visit(pat, head, out) ? out : NEVER;
}

/** false when `a` and `b` can never unify (different shapes) */
function visit(a: IRTerm, b: IRTerm, out: Leaf[]): boolean {
  // only head vars and constants are bound ahead: any other head term is computed by the body
  const headBinds = b.t === "local" || b.t === "const";
  if (a.t === "const") {
    if (headBinds) {
      const v = a.v;
      out.push({ get: () => v, u: unifyV(b) });
    }
    return true;
  }
  if (a.t === "local") {
    if (headBinds && !a.wildcard) {
      const slot = a.slot;
      out.push({ get: (f) => f.s[slot], u: unifyV(b) });
    }
    return true;
  }
  if ((a.t === "array" || a.t === "object") && (b.t === "array" || b.t === "object")) {
    const pairs = structuralPairs(a, b);
    if (pairs) return pairs.every(([x, y]) => visit(x, y, out));
    if (a.t !== b.t || a.t === "array") return false; // array vs object, or two lengths
    // objects: different constant key sets never unify; a computed key could still match
    return !(constKeys(a) && constKeys(b as IRTerm & { t: "object" }));
  }
  return true;
}

function constKeys(t: IRTerm & { t: "object" }): boolean {
  return t.entries.every(([k]) => k.t === "const");
}

/** Bind the head's terms from the pattern's ground parts (caller frame `cf`) in the rule frame `f`. */
export function bindLeaves(leaves: Leaf[], j: number, cf: Frame, f: Frame, k: K): boolean {
  for (; j < leaves.length; j++) {
    const v = leaves[j].get(cf);
    if (v === undefined) continue;
    const next = j + 1;
    return leaves[j].u(f, v, () => bindLeaves(leaves, next, cf, f, k));
  }
  return k();
}
