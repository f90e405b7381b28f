/**
 * The Rego engine's public API: compile modules once, prepare queries once,
 * evaluate many times.
 */
import type { Location, Module } from "./ast.ts";
import type { BuiltinDef } from "./builtins/builtin.ts";
import { BUILTINS } from "./builtins/index.ts";
import { type CompiledPolicy, compileModules, compileQuery } from "./compile/compiler.ts";
import { RegoError, type RegoErrorDetail } from "./errors.ts";
import { CORE_ARITY } from "./eval/calls.ts";
import { QueryRunner } from "./eval/query.ts";
import { parseModule, parseQuery } from "./syntax/index.ts";
import { guardStack, MAX_AST_DEPTH } from "./syntax/limits.ts";
import type { Value } from "./value.ts";

export type { Location, Module } from "./ast.ts";
export type { BuiltinContext, BuiltinDef } from "./builtins/builtin.ts";
export { BuiltinError } from "./builtins/builtin.ts";
export { RegoError, type RegoErrorCode, type RegoErrorDetail } from "./errors.ts";
export { type DataEdit, noteDataCopy, noteDataEdit } from "./eval/data-revisions.ts";
export {
  GATEKEEPER_DISABLED_BUILTINS,
  type HttpRequestSpec,
  type HttpResult,
  type LookupResult,
  type NetworkProvider,
  networkBuiltins,
} from "./network.ts";
export type { Value } from "./value.ts";

export interface ModuleInput {
  file: string;
  source: string;
  regoVersion?: 0 | 1;
}

export interface CompileOptions {
  /** OPA's strict mode (`opa check --strict`): unused imports, assignments and args are errors. */
  strict?: boolean;
  /** Rego version for modules that don't say (default 1). */
  regoVersion?: 0 | 1;
  /** Extra builtins, or overrides of registry ones. */
  builtins?: BuiltinDef[];
  /** Builtins left out, as when OPA's capabilities omit them: calls fail to compile ("undefined function"). */
  disabledBuiltins?: readonly string[];
}

export interface EvalOptions {
  input?: Value;
  /**
   * Base documents; read in place, never copied. Indexes over them (for
   * referential lookups) are kept by object identity, so data once evaluated
   * must not be mutated in place: pass new objects for changed parts (as
   * copy-on-write does), or report each copy and edit with noteDataCopy /
   * noteDataEdit so the indexes follow.
   */
  data?: Value;
  strictBuiltinErrors?: boolean;
  /** Absolute deadline (Date.now() ms); past it evaluation fails with eval_cancel_error. */
  deadline?: number;
  /** Step budget (expressions evaluated). */
  maxSteps?: number;
  print?: (line: string) => void;
  nowNs?: bigint;
  /** Answer referential lookups from indexes over `data` (default true); false always scans (for differential tests). */
  refIndex?: boolean;
}

export interface PreparedQuery {
  /** One row per solution with the query's user vars; [] means undefined. */
  eval(opts?: EvalOptions): Record<string, Value>[];
}

export interface RuleInfo {
  /** Package path below data. */
  path: string[];
  /** Rule name (the first component of the head ref). */
  name: string;
  loc: Location;
  kind: "value" | "multi" | "function";
  isDefault: boolean;
  annotations?: Record<string, unknown>;
}

export interface Policy {
  prepare(query: string, opts?: { regoVersion?: 0 | 1 }): PreparedQuery;
  readonly modules: Module[];
  /** Every rule, in module order (e.g. for a test runner listing `test_` rules). */
  rules(): RuleInfo[];
}

export function compile(modules: ModuleInput[], opts: CompileOptions = {}): Policy {
  // like OPA, parse errors of every module are reported together
  const parsed: Module[] = [];
  const errors: RegoErrorDetail[] = [];
  for (const m of modules) {
    try {
      parsed.push(parseModule(m.source, m.file, { regoVersion: m.regoVersion ?? opts.regoVersion ?? 1 }));
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      errors.push(...e.errors);
    }
  }
  if (errors.length) throw new RegoError(errors);
  return compileParsed(parsed, opts);
}

/** Registries without some builtins, one per list (the framework compiles every template with the same one). */
const reduced = new WeakMap<readonly string[], ReadonlyMap<string, BuiltinDef>>();
function withoutBuiltins(names: readonly string[]): ReadonlyMap<string, BuiltinDef> {
  let m = reduced.get(names);
  if (!m) {
    const copy = new Map(BUILTINS);
    for (const n of names) copy.delete(n);
    reduced.set(names, (m = copy));
  }
  return m;
}

/** Compile already-parsed modules. */
export function compileParsed(parsed: Module[], opts: CompileOptions = {}): Policy {
  let builtins: ReadonlyMap<string, BuiltinDef> = BUILTINS;
  const disabled = opts.disabledBuiltins;
  if (opts.builtins?.length) {
    const m = new Map(BUILTINS);
    for (const b of opts.builtins) m.set(b.name, b);
    for (const name of disabled ?? []) m.delete(name);
    builtins = m;
  } else if (disabled?.length) builtins = withoutBuiltins(disabled);
  const arity = (name: string): number | undefined => builtins.get(name)?.arity ?? CORE_ARITY.get(name);
  const first = parsed[0];
  const cp = guardStack(
    () => compileModules(parsed, arity, { strict: opts.strict }),
    first?.packageLoc,
    "rego_compile_error",
    MAX_AST_DEPTH,
  );
  return new CompiledPolicyImpl(cp, builtins);
}

class CompiledPolicyImpl implements Policy {
  readonly modules: Module[];
  private readonly cp: CompiledPolicy;
  private readonly builtins: ReadonlyMap<string, BuiltinDef>;
  constructor(cp: CompiledPolicy, builtins: ReadonlyMap<string, BuiltinDef>) {
    this.cp = cp;
    this.modules = cp.modules;
    this.builtins = builtins;
  }
  prepare(query: string, opts: { regoVersion?: 0 | 1 } = {}): PreparedQuery {
    const body = parseQuery(query, { regoVersion: opts.regoVersion ?? 1 });
    const q = guardStack(
      () => compileQuery(body, this.cp),
      body[0]?.loc,
      "rego_compile_error",
      MAX_AST_DEPTH,
    );
    const runner = new QueryRunner(this.cp, q, this.builtins);
    return { eval: (o?: EvalOptions) => runner.run(o) };
  }
  rules(): RuleInfo[] {
    const out: RuleInfo[] = [];
    for (const m of this.modules)
      for (const r of m.rules) {
        const first = r.head.ref[0];
        const name = first.type === "string" ? first.value : first.type === "var" ? first.name : "";
        out.push({
          path: m.package,
          name,
          loc: r.loc,
          kind: r.head.kind === "function" ? "function" : r.head.kind === "set" ? "multi" : "value",
          isDefault: r.isDefault,
          annotations: r.annotations,
        });
      }
    return out;
  }
}
