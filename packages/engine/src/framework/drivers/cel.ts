import type { CelProgram, FailurePolicy } from "../../cel/index.ts";
import { lazyRequire } from "../../lazy-require.ts";
import { contentHash } from "../compile-cache.ts";
import type { ParsedConstraint } from "../constraint.ts";
import { FrameworkError, fail } from "../errors.ts";
import type { Review } from "../review.ts";
import type { ParsedTemplate } from "../template.ts";
import type { CompiledTemplate, Driver, Violation } from "./driver.ts";

// CEL (and @bufbuild/cel under it) loads with the first CEL template: a
// Rego-only process never pays for it.
const cel = lazyRequire<typeof import("../../cel/index.ts")>(import.meta.url, "../../cel/index.ts");

interface CelReviewValues {
  object: unknown;
  oldObject: unknown;
  request: unknown;
  namespaceObject: unknown;
}

// Kubernetes JSON → CEL values once per review, shared by every CEL constraint.
function reviewValues(review: Review): CelReviewValues {
  let v = review.cache.get("cel") as CelReviewValues | undefined;
  if (v === undefined) {
    const { jsonToCel } = cel();
    const { namespaceObject: _ns, ...request } = review.request;
    v = {
      object: jsonToCel(review.object),
      oldObject: jsonToCel(review.oldObject),
      request: jsonToCel(request),
      namespaceObject: jsonToCel(review.namespaceObject),
    };
    review.cache.set("cel", v);
  }
  return v;
}

// Parameters convert once per constraint object.
const paramsCache = new WeakMap<ParsedConstraint, unknown>();
function paramsOf(c: ParsedConstraint): unknown {
  if (!paramsCache.has(c)) paramsCache.set(c, cel().jsonToCel(c.parameters ?? null));
  return paramsCache.get(c);
}

class CelTemplate implements CompiledTemplate {
  readonly engine = "K8sNativeValidation" as const;
  readonly #program: CelProgram;
  constructor(program: CelProgram) {
    this.#program = program;
  }
  evaluate(review: Review, constraint: ParsedConstraint): Violation[] {
    const v = reviewValues(review);
    try {
      return this.#program
        .evaluate({ ...v, params: paramsOf(constraint) }, { deadline: review.deadline })
        .map((f) => ({ msg: f.message }));
    } catch (e) {
      // Reported as the Rego engine reports its deadline.
      if (e instanceof cel().CelCancelError)
        fail("eval_cancel_error", "caller cancelled query execution (deadline exceeded)");
      throw e;
    }
  }
}

/** defaultFailurePolicy applies to sources that do not set failurePolicy (gator: Fail). */
export function celDriver(defaultFailurePolicy: FailurePolicy = "Fail"): Driver {
  return {
    engine: "K8sNativeValidation",
    // The schema is not part of it: CEL sees parameters only as values.
    cacheKey: (t) => `cel:${defaultFailurePolicy}:${contentHash(t.cel ?? null)}`,
    compile: (t) => compileCel(t, defaultFailurePolicy),
  };
}

function compileCel(t: ParsedTemplate, defaultFailurePolicy: FailurePolicy): CompiledTemplate {
  if (t.cel === undefined) fail("invalid_template", "template has no K8sNativeValidation source");
  const { CelProgram: Program, CelProgramError } = cel();
  try {
    return new CelTemplate(new Program(t.cel, { defaultFailurePolicy }));
  } catch (e) {
    if (e instanceof CelProgramError) {
      throw new FrameworkError(
        e.errors.map((x) => ({
          code: "cel_compile_error",
          message: x.message,
          location: `spec.targets[0].code[K8sNativeValidation].source.${x.path}`,
        })),
      );
    }
    throw e;
  }
}
