/**
 * The contract between the evaluator and builtin implementations.
 * Each OPA namespace has its own file in this folder exporting a
 * `BuiltinDef[]`; index.ts merges them into one registry.
 */
import type { Value } from "../value.ts";

export interface BuiltinContext {
  /** Builtin errors abort evaluation instead of making the call undefined. */
  strict: boolean;
  /** Evaluation time (for time.now_ns), fixed for one evaluation. */
  nowNs: bigint;
  /** Per-evaluation cache builtins may use (e.g. memoised rand.intn / uuid.rfc4122 results). */
  cache: Map<string, unknown>;
  /** Receives `print` output lines. */
  print: (line: string) => void;
}

/**
 * A builtin's implementation. Returns the result, or `undefined` for "undefined".
 * Errors are raised by throwing BuiltinError; the evaluator decides (strict
 * mode, halting errors) whether they abort or make the expression undefined.
 */
export type BuiltinImpl = (args: Value[], ctx: BuiltinContext) => Value | undefined;

export interface BuiltinDef {
  /** Full name as in capabilities.json: "strings.replace_n", "count". */
  name: string;
  /** Number of arguments (excluding the output). */
  arity: number;
  impl: BuiltinImpl;
  /** Result may differ between evaluations with the same args (time.now_ns, rand.intn, uuid.rfc4122...). */
  nondeterministic?: boolean;
}

/** An error raised by a builtin. `code` is OPA's: eval_type_error or eval_builtin_error. `halt` errors always abort (e.g. http.send disabled). */
export class BuiltinError extends Error {
  readonly code: "eval_type_error" | "eval_builtin_error";
  readonly halt: boolean;
  constructor(
    message: string,
    code: "eval_type_error" | "eval_builtin_error" = "eval_builtin_error",
    halt = false,
  ) {
    super(message);
    this.code = code;
    this.halt = halt;
  }
}
