/**
 * Keys computed from a matched value: `f(x)`, `lower(x.name)`,
 * `concat(",", sort(x.tags))` — a term whose only var is x, with no `input`
 * or `data`, calling builtins and user functions. ref-plan.ts indexes a
 * lookup by such a term's value when the functions it calls are pure
 * (fn-safety.ts), so computing it once per matched value, in any evaluation
 * of the same policy, gives what the scan would compute.
 */
import type { IRTerm } from "../compile/ir.ts";
import { keyOf, type Value } from "../value.ts";
import { Ctx, Frame } from "./ctx.ts";
import { compileOne, NOTDET } from "./one.ts";
import { type Calls, nondeterministic, quietCall } from "./quiet.ts";
import type { KeysOf } from "./ref-index.ts";

/** Whether `t` is computed from x (slot `target`) alone and mentions it inside a call; its calls go to `acc`. */
export function isKeyTerm(t: IRTerm, target: number, acc: Calls): boolean {
  // a bare x, or a field path into it, is the field index's (ref-plan.ts)
  if (t.t === "local" || t.t === "ref") return false;
  return keyPart(t, target, acc) === "x";
}

/** "x" when the term depends on x, "c" when it is constant, undefined when it is neither or not allowed. */
function keyPart(t: IRTerm, target: number, acc: Calls): "x" | "c" | undefined {
  switch (t.t) {
    case "const":
      return "c";
    case "local":
      return t.slot === target && !t.wildcard ? "x" : undefined;
    case "ref":
      if (!t.path.every((p) => p.t === "const")) return undefined;
      return keyPart(t.head, target, acc);
    case "array":
    case "set":
      return parts(t.items, target, acc);
    case "object":
      return parts(t.entries.flat(), target, acc);
    case "call":
      if (t.fn.kind === "builtin" && nondeterministic(t.fn.name)) return undefined;
      if (!quietCall(t.fn, acc)) return undefined;
      return parts(t.args, target, acc);
    default:
      return undefined;
  }
}

function parts(ts: IRTerm[], target: number, acc: Calls): "x" | "c" | undefined {
  let r: "x" | "c" = "c";
  for (const u of ts) {
    const p = keyPart(u, target, acc);
    if (p === undefined) return undefined;
    if (p === "x") r = "x";
  }
  return r;
}

const NONE: readonly string[] = [];

/**
 * The key of each matched value: the term's value with x bound to it (none
 * when undefined). Evaluated in a context of its own (no input; its own
 * function memo, dropped with it) that shares the evaluation's budget.
 */
export function termKeys(term: IRTerm, target: number, c: Ctx): KeysOf | undefined {
  const one = compileOne(term);
  if (one === undefined) return undefined;
  let f: Frame | undefined;
  return (v: Value) => {
    f ??= new Frame(new Array(target + 1), new Ctx(c.sh, undefined, c.data, undefined, undefined));
    f.s[target] = v;
    const r = one(f);
    if (r === undefined) return NONE;
    if (r === NOTDET) throw new Error("key term is not single-valued");
    return [keyOf(r)];
  };
}

/** The term with x's slot left out: equal for the same computation at different call sites. */
export function termSignature(term: IRTerm, target: number): string {
  return JSON.stringify(term, (k, v) => {
    if (k === "loc") return undefined;
    if (v === null || typeof v !== "object") return v;
    if (v.t === "local") return v.slot === target ? "$x" : v;
    if (v.t === "const") return { c: keyOf(v.v) };
    return v;
  });
}
