/**
 * Quiet expressions: evaluating one can succeed, fail or bind vars, but not
 * raise an error, print, or run rules. An index that skips values a scan
 * would have visited (ref-plan.ts) may only skip quiet work: on the skipped
 * values the scan's extra evaluations must have been unobservable.
 *
 * Syntax alone decides for everything but the calls: the builtins and user
 * functions an expression calls are collected, to be checked against the
 * policy being run (a builtin replaced at compile time, strict builtin
 * errors, a function that can conflict: see fn-safety.ts).
 */
import { BUILTINS } from "../builtins/index.ts";
import type { FnRef, IRBody, IRExpr, IRTerm } from "../compile/ir.ts";

/** What quiet code calls or reads, for the checks that need the policy. */
export interface Calls {
  builtins: string[];
  fns: FnRef[];
  /** whether `input` is read (a function of its arguments alone must not) */
  input: boolean;
}

export function newCalls(): Calls {
  return { builtins: [], fns: [], input: false };
}

/** Builtins whose calls have effects or evaluate policy code. */
const LOUD_BUILTINS = new Set(["print", "internal.print", "walk", "trace", "http.send", "opa.runtime"]);

/** A builtin whose result can differ between calls with the same arguments (time, randomness, network). */
export function nondeterministic(name: string): boolean {
  return LOUD_BUILTINS.has(name) || BUILTINS.get(name)?.nondeterministic === true;
}

export function quietExpr(x: IRExpr, acc: Calls): boolean {
  if (x.with.length) return false;
  const e = x.e;
  switch (e.k) {
    case "true":
      return true;
    case "eq":
      return quietTerm(e.a, acc) && quietTerm(e.b, acc);
    case "term":
      return quietTerm(e.t, acc);
    case "call":
      return (
        quietCall(e.fn, acc) &&
        e.args.every((t) => quietTerm(t, acc)) &&
        (e.out === undefined || quietTerm(e.out, acc))
      );
    case "somein":
      return (
        (e.key === undefined || quietTerm(e.key, acc)) && quietTerm(e.value, acc) && quietTerm(e.coll, acc)
      );
    case "every":
      return (
        (e.key === undefined || quietTerm(e.key, acc)) &&
        quietTerm(e.value, acc) &&
        quietTerm(e.dom, acc) &&
        quietBody(e.body, acc)
      );
    default:
      return false;
  }
}

export function quietBody(b: IRBody, acc: Calls): boolean {
  return b.every((x) => quietExpr(x, acc));
}

export function quietCall(fn: FnRef, acc: Calls): boolean {
  if (fn.kind === "user") {
    acc.fns.push(fn);
    return true;
  }
  if (LOUD_BUILTINS.has(fn.name)) return false;
  acc.builtins.push(fn.name);
  return true;
}

export function quietTerm(t: IRTerm, acc: Calls): boolean {
  switch (t.t) {
    case "const":
    case "local":
      return true;
    case "input":
      acc.input = true;
      return true;
    case "ref":
      return t.head.t !== "data" && quietTerm(t.head, acc) && t.path.every((p) => quietTerm(p, acc));
    case "array":
    case "set":
      return t.items.every((u) => quietTerm(u, acc));
    case "object":
      return t.entries.every(([k, v]) => quietTerm(k, acc) && quietTerm(v, acc));
    // object comprehensions are not: two values for one key raise a conflict
    case "arraycompr":
    case "setcompr":
      return quietTerm(t.head, acc) && quietBody(t.body, acc);
    case "call":
      return quietCall(t.fn, acc) && t.args.every((u) => quietTerm(u, acc));
    default:
      return false;
  }
}
