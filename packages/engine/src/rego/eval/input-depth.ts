/**
 * Input and data nested deeper than Rego source may be (MAX_AST_DEPTH) get
 * their own error. Evaluation recurses over values (equality, json.marshal,
 * walk, …), so a deep enough document runs it out of stack; measuring every
 * input up front would cost each evaluation a full walk, so the documents are
 * measured only when the stack ran out, to say which one was too deep.
 */
import type { Location } from "../ast.ts";
import { RegoError } from "../errors.ts";
import { isStackOverflow, MAX_AST_DEPTH } from "../syntax/limits.ts";
import { isObject, objEntries, RSet, type Value } from "../value.ts";

/** Whether `v` nests more than `limit` arrays, sets or objects (an explicit stack: no recursion). */
export function deeperThan(v: Value | undefined, limit: number): boolean {
  const stack: [Value, number][] = [];
  if (v !== undefined) stack.push([v, 0]);
  while (stack.length > 0) {
    const [x, d] = stack.pop() as [Value, number];
    if (x === null || typeof x !== "object") continue;
    if (d + 1 > limit) return true;
    if (Array.isArray(x)) for (const e of x) stack.push([e, d + 1]);
    else if (x instanceof RSet) for (const e of x) stack.push([e, d + 1]);
    else if (isObject(x))
      for (const [k, e] of objEntries(x)) {
        stack.push([k, d + 1]);
        stack.push([e, d + 1]);
      }
  }
  return false;
}

/** The error for a stack overflow during evaluation: naming the document that is too deep, if one is. */
export function outOfStack(
  e: RangeError,
  docs: { input?: Value; data?: Value },
  location: Location | undefined,
): RegoError {
  const deep = isStackOverflow(e)
    ? (["input", "data"] as const).find((name) => deeperThan(docs[name], MAX_AST_DEPTH))
    : undefined;
  const message =
    deep !== undefined
      ? `${deep} nested too deep: more than ${MAX_AST_DEPTH} levels of arrays, sets and objects`
      : `nesting too deep: evaluation ran out of stack (${e.message})`;
  return new RegoError([{ code: "eval_internal_error", message, ...(location ? { location } : {}) }]);
}
