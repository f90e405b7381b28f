/** Shared by the spec-*.test.ts files: evaluate one builtin expression as `opa eval` would. */
import { compile, RegoError } from "../../src/rego/index.ts";
import { toJSON, type Value } from "../../src/rego/value.ts";

/** The expectation for an expression that is undefined (OPA: a builtin error outside strict mode). */
export const UNDEFINED = { undefined: true } as const;

const policy = compile([]);

/** The expression's value as JSON, UNDEFINED, or `{ error: code }` for a compile error. */
export function evalExpr(expr: string): unknown {
  try {
    const rows = policy.prepare(`x := ${expr}`).eval({});
    return rows.length ? toJSON(rows[0].x as Value) : UNDEFINED;
  } catch (e) {
    if (e instanceof RegoError) return { error: e.errors[0].code };
    throw e;
  }
}
