/** Errors are data: every parse/compile/eval error carries OPA's code and a location. */
import type { Location } from "./ast.ts";

export type RegoErrorCode =
  | "rego_parse_error"
  | "rego_compile_error"
  | "rego_type_error"
  | "rego_unsafe_var_error"
  | "rego_recursion_error"
  | "eval_conflict_error"
  | "eval_type_error"
  | "eval_builtin_error"
  | "eval_cancel_error"
  | "eval_internal_error";

export interface RegoErrorDetail {
  code: RegoErrorCode;
  message: string;
  location?: Location;
}

/** One or more errors from parsing, compiling or evaluating Rego. */
export class RegoError extends Error {
  readonly errors: RegoErrorDetail[];
  constructor(errors: RegoErrorDetail[]) {
    super(errors.map(formatDetail).join("\n"));
    this.errors = errors;
  }
  get code(): RegoErrorCode {
    return this.errors[0]?.code ?? "eval_internal_error";
  }
}

/** OPA's text form: `file:row: rego_parse_error: message`. */
export function formatDetail(e: RegoErrorDetail): string {
  const where = e.location ? `${e.location.file}:${e.location.row}: ` : "";
  return `${where}${e.code}: ${e.message}`;
}
