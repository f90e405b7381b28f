import {
  type CelEnv,
  type CelResult,
  celEnv,
  celError,
  celMap,
  isCelError,
  isCelList,
  isCelMap,
  parse,
  plan,
} from "@bufbuild/cel";
import { k8sFuncs } from "./k8s-lib.ts";
import { LazyVariables, VariableError } from "./lazy-vars.ts";
import { referencedVariables } from "./references.ts";

export interface CelValidation {
  expression: string;
  message?: string;
  messageExpression?: string;
}
export interface CelVariable {
  name: string;
  expression: string;
}
export interface CelMatchCondition {
  name: string;
  expression: string;
}
export type FailurePolicy = "Fail" | "Ignore";

export interface CelSource {
  validations: CelValidation[];
  /** What an evaluation error means: a violation (Fail) or nothing (Ignore). */
  failurePolicy?: FailurePolicy;
  variables?: CelVariable[];
  matchConditions?: CelMatchCondition[];
}

/** Values already converted with jsonToCel. */
export interface CelActivation {
  object: unknown;
  oldObject: unknown;
  params: unknown;
  request: unknown;
  namespaceObject: unknown;
}

export interface CelFailure {
  message: string;
  /** The validation errored instead of returning false (reported under failurePolicy Fail). */
  error?: string;
}

export interface CelCompileError {
  path: string;
  message: string;
}

export class CelProgramError extends Error {
  errors: CelCompileError[];
  constructor(errors: CelCompileError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join("; "));
    this.name = "CelProgramError";
    this.errors = errors;
  }
}

/** The evaluation deadline passed; the review's remaining expressions did not run. */
export class CelCancelError extends Error {
  constructor() {
    super("evaluation deadline exceeded");
    this.name = "CelCancelError";
  }
}

export interface CelEvalOptions {
  /** Absolute time (Date.now() ms); checked before and after every expression. */
  deadline?: number;
}

type Fn = (ctx: Record<string, unknown>) => CelResult;

interface Compiled {
  source: string;
  fn: Fn;
}

let sharedEnv: CelEnv | undefined;
function env(): CelEnv {
  sharedEnv ??= celEnv({ funcs: k8sFuncs });
  return sharedEnv;
}

// Gatekeeper injects these ahead of the template's own variables.
const BUILTIN_VARS = new Set(["params", "anyObject"]);

function compileOne(expr: string, path: string, errors: CelCompileError[], known: Set<string>): Compiled {
  try {
    const parsed = parse(expr);
    const deps = referencedVariables(parsed.expr);
    for (const d of deps) {
      if (!known.has(d)) errors.push({ path, message: `undefined variable: variables.${d}` });
    }
    const fn = plan(env(), parsed) as unknown as Fn;
    return { source: expr, fn };
  } catch (e) {
    errors.push({ path, message: (e as Error).message });
    return { source: expr, fn: () => null };
  }
}

/** A K8sNativeValidation source, parsed and planned once; evaluated per review. */
export class CelProgram {
  readonly #vars: { name: string; expr: Compiled }[] = [];
  readonly #varIndex = new Map<string, number>();
  readonly #varNames = new Set(BUILTIN_VARS);
  readonly #validations: { v: CelValidation; expr: Compiled; msg?: Compiled }[] = [];
  readonly #conditions: Compiled[] = [];
  readonly #applyConditions: boolean;
  readonly #ignoreErrors: boolean;

  /**
   * matchConditions are compiled (errors reported) but, as in Gatekeeper's own CEL
   * driver (gator v3.23), only gate evaluation when applyMatchConditions is set.
   */
  constructor(
    src: CelSource,
    opts: { applyMatchConditions?: boolean; defaultFailurePolicy?: FailurePolicy } = {},
  ) {
    this.#applyConditions = opts.applyMatchConditions ?? false;
    this.#ignoreErrors = (src.failurePolicy ?? opts.defaultFailurePolicy ?? "Fail") === "Ignore";
    const errors: CelCompileError[] = [];
    const known = new Set(BUILTIN_VARS);
    (src.variables ?? []).forEach((v, i) => {
      const expr = compileOne(v.expression, `variables[${i}].expression`, errors, known);
      if (known.has(v.name) && !BUILTIN_VARS.has(v.name)) {
        errors.push({ path: `variables[${i}].name`, message: `duplicate variable name: ${v.name}` });
      }
      this.#varIndex.set(v.name, this.#vars.length);
      this.#varNames.add(v.name);
      this.#vars.push({ name: v.name, expr });
      known.add(v.name);
    });
    (src.matchConditions ?? []).forEach((m, i) => {
      this.#conditions.push(compileOne(m.expression, `matchConditions[${i}].expression`, errors, known));
    });
    src.validations.forEach((v, i) => {
      const expr = compileOne(v.expression, `validations[${i}].expression`, errors, known);
      const msg =
        v.messageExpression !== undefined
          ? compileOne(v.messageExpression, `validations[${i}].messageExpression`, errors, known)
          : undefined;
      this.#validations.push({ v, expr, msg });
    });
    if (errors.length > 0) throw new CelProgramError(errors);
  }

  /** Failed validations for one review; empty when all pass or a matchCondition excludes it. */
  evaluate(act: CelActivation, opts: CelEvalOptions = {}): CelFailure[] {
    const ctx: Record<string, unknown> = {
      object: act.object,
      oldObject: act.oldObject,
      // Gatekeeper has no param resource: the constraint's parameters are variables.params.
      params: null,
      request: act.request,
      namespaceObject: act.namespaceObject,
      variables: undefined,
    };
    const deadline = opts.deadline;
    // cel-es cannot be interrupted inside an expression, so the deadline is checked
    // around each one; the check after also catches a deadline that passed while a
    // lazily computed variable ran (its error would otherwise read as a CEL error).
    const exec =
      deadline === undefined
        ? (c: Compiled) => run(c, ctx)
        : (c: Compiled) => {
            if (Date.now() > deadline) throw new CelCancelError();
            const r = run(c, ctx);
            if (Date.now() > deadline) throw new CelCancelError();
            return r;
          };
    const vars = new LazyVariables(this.#varNames, (name) => {
      if (name === "params") return act.params;
      if (name === "anyObject") return isDelete(act.request) ? act.oldObject : act.object;
      const r = exec(this.#vars[this.#varIndex.get(name)!].expr);
      if (isCelError(r)) throw new VariableError(`variables.${name}: ${r.message}`);
      return r;
    });
    ctx.variables = celMap(vars as Map<string, any>);

    const evalBool = (c: Compiled): boolean | string | { notBool: string } => {
      const r = exec(c);
      if (isCelError(r)) return goMessage(r.message);
      if (typeof r !== "boolean") return { notBool: celTypeName(r) };
      return r;
    };

    const failures: CelFailure[] = [];
    for (const c of this.#applyConditions ? this.#conditions : []) {
      const r = evalBool(c);
      if (r === false) return [];
      if (r !== true) {
        const error = typeof r === "string" ? r : `must evaluate to bool but got ${r.notBool}`;
        failures.push({ message: `failed to evaluate matchCondition: ${error}`, error });
        return failures;
      }
    }
    for (const { v, expr, msg } of this.#validations) {
      const r = evalBool(expr);
      if (r === true) continue;
      if (typeof r === "object") {
        // Gatekeeper type-checks this when compiling; we only learn it at evaluation.
        const error = `must evaluate to bool but got ${r.notBool}`;
        failures.push({ message: `compilation error: ${error}`, error });
        continue;
      }
      if (typeof r === "string") {
        failures.push({ message: `expression '${v.expression}' resulted in error: ${r}`, error: r });
        continue;
      }
      failures.push({ message: this.#message(v, msg, exec) });
    }
    return this.#ignoreErrors ? failures.filter((f) => f.error === undefined) : failures;
  }

  #message(v: CelValidation, msg: Compiled | undefined, exec: (c: Compiled) => CelResult): string {
    if (msg !== undefined) {
      const r = exec(msg);
      // Kubernetes falls back to `message` when messageExpression errors or is blank.
      if (typeof r === "string" && r.trim() !== "") return r;
    }
    if (v.message !== undefined && v.message !== "") return v.message;
    return `failed expression: ${v.expression}`;
  }
}

function run(c: Compiled, ctx: Record<string, unknown>): CelResult {
  try {
    return c.fn(ctx);
  } catch (e) {
    return celError(e);
  }
}

// cel-go's wording for the errors users meet most (messages are part of the output).
function goMessage(msg: string): string {
  return msg.replace(/^field not found: /, "no such key: ");
}

function celTypeName(v: unknown): string {
  if (v === null) return "null_type";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "double";
  if (typeof v === "string") return "string";
  if (isCelList(v)) return "list";
  if (isCelMap(v)) return "map";
  return typeof v;
}
function isDelete(request: unknown): boolean {
  return request instanceof Map && request.get("operation") === "DELETE";
}
