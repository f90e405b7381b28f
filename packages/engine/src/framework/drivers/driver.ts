import type { ParsedConstraint } from "../constraint.ts";
import type { Review } from "../review.ts";
import type { ParsedTemplate } from "../template.ts";

export interface Violation {
  msg: string;
  details?: unknown;
}

/** A template compiled for one engine; evaluated per (review, constraint). */
export interface CompiledTemplate {
  engine: "Rego" | "K8sNativeValidation";
  evaluate(review: Review, constraint: ParsedConstraint, inventory: unknown): Violation[];
}

export interface Driver {
  engine: CompiledTemplate["engine"];
  /**
   * Identifies what compile(t) would produce: the template's engine-relevant content
   * and the driver's own configuration, hashed. Equal keys may share one compile.
   */
  cacheKey(t: ParsedTemplate): string;
  compile(t: ParsedTemplate): CompiledTemplate;
}
