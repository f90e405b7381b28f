/**
 * Nesting limits. The parser, the compiler's passes and evaluation recurse over
 * terms; a program nested deeper than Node's stack allows would otherwise end in
 * a raw RangeError. The parser bounds its own recursion (MAX_PARSE_DEPTH: one
 * level per nested term, paren, call, comprehension or ref bracket) and then the
 * nesting of the AST it built (MAX_AST_DEPTH: also counts left-deep operator
 * chains such as `1 + 1 + … + 1`, which it parses in a loop). Both are far
 * below the depth at which the later recursive passes run out of stack.
 */
import type { Location } from "../ast.ts";
import { RegoError, type RegoErrorCode } from "../errors.ts";

export const MAX_PARSE_DEPTH = 200;
export const MAX_AST_DEPTH = 1000;

/** A limit error: never swallowed by the parser's backtracking. */
export class NestingError extends RegoError {
  constructor(location: Location | undefined, limit: number, code: RegoErrorCode = "rego_parse_error") {
    super([{ code, message: `nesting too deep (limit ${limit})`, ...(location ? { location } : {}) }]);
  }
}

function isNode(v: unknown): v is { type?: unknown; loc?: Location } {
  return typeof v === "object" && v !== null;
}

/**
 * Throws NestingError at the first term nested deeper than `limit` terms (an
 * explicit stack: no recursion). Counts objects that carry a `type` (terms and
 * expression kinds); arrays and other records are free.
 *
 * `sourceLength` (the parsed text's) allows a first walk without remembering
 * visited objects (a Set of every node is most of this check's cost): a parse
 * tree has a few nodes per character, so when that walk stays within a budget
 * derived from it and finds nothing too deep, no path is, and the exact walk
 * (which visits shared subterms once) would find nothing either. Otherwise the
 * exact walk decides.
 */
export function checkDepth(root: unknown, limit: number = MAX_AST_DEPTH, sourceLength?: number): void {
  if (sourceLength !== undefined && walkDepth(root, limit, 16 * sourceLength + 1024)) return;
  walkDepth(root, limit, Number.POSITIVE_INFINITY, new Set<object>());
}

/**
 * Without `seen`: whether every path stays within `limit` (false when one does
 * not, or when more than `budget` objects were visited). With it: throws at
 * the first term too deep, visiting each object once.
 */
function walkDepth(root: unknown, limit: number, budget: number, seen?: Set<object>): boolean {
  // two parallel stacks (node, depth): no pair allocated per node
  const nodes: unknown[] = [root];
  const depths: number[] = [0];
  let visited = 0;
  while (nodes.length > 0) {
    const v = nodes.pop();
    let depth = depths.pop() as number;
    if (!isNode(v)) continue;
    if (seen) {
      if (seen.has(v)) continue;
      seen.add(v);
    } else if (++visited > budget) return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (isNode(x)) {
          nodes.push(x);
          depths.push(depth);
        }
      }
      continue;
    }
    if (typeof v.type === "string" && ++depth > limit) {
      if (!seen) return false;
      throw new NestingError(v.loc, limit);
    }
    for (const k in v) {
      if (k === "loc" || k === "annotations") continue;
      const x = (v as Record<string, unknown>)[k];
      if (isNode(x)) {
        nodes.push(x);
        depths.push(depth);
      }
    }
  }
  return true;
}

export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** Runs `f`; a stack overflow becomes a located NestingError (a safety net behind the limits). */
export function guardStack<T>(
  f: () => T,
  location: Location | undefined,
  code: RegoErrorCode,
  limit: number,
): T {
  try {
    return f();
  } catch (e) {
    if (isStackOverflow(e)) throw new NestingError(location, limit, code);
    throw e;
  }
}
