/** equal, neq, lt, lte, gt, gte: Rego's total order over all values. */
import { compare, equal, type Value } from "../value.ts";
import type { BuiltinDef } from "./builtin.ts";

function cmpFast(a: Value, b: Value): number {
  // Same-typed strings and numbers dominate; skip the generic dispatch for them.
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  return compare(a, b);
}

export const builtins: BuiltinDef[] = [
  { name: "equal", arity: 2, impl: ([a, b]) => equal(a, b) },
  { name: "neq", arity: 2, impl: ([a, b]) => !equal(a, b) },
  { name: "lt", arity: 2, impl: ([a, b]) => cmpFast(a, b) < 0 },
  { name: "lte", arity: 2, impl: ([a, b]) => cmpFast(a, b) <= 0 },
  { name: "gt", arity: 2, impl: ([a, b]) => cmpFast(a, b) > 0 },
  { name: "gte", arity: 2, impl: ([a, b]) => cmpFast(a, b) >= 0 },
];
