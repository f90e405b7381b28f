/**
 * Running a compiled query: one Ctx per evaluation, one row per solution.
 */
import type { BuiltinContext, BuiltinDef } from "../builtins/builtin.ts";
import type { CompiledPolicy, CompiledQuery } from "../compile/compiler.ts";
import { RegoError } from "../errors.ts";
import type { Value } from "../value.ts";
import { compileBody } from "./body.ts";
import { Ctx, Frame, type Shared } from "./ctx.ts";
import { outOfStack } from "./input-depth.ts";
import type { Step } from "./plan.ts";

export interface RunOptions {
  input?: Value;
  data?: Value;
  strictBuiltinErrors?: boolean;
  deadline?: number;
  maxSteps?: number;
  print?: (line: string) => void;
  nowNs?: bigint;
  refIndex?: boolean;
}

const noPrint = (): void => {};

/**
 * The builtins' view of one evaluation. The clock and the cache cost nothing
 * until a builtin asks: the time is read on first use (most policies never
 * look), then stays fixed for the rest of the evaluation.
 */
class EvalBuiltinContext implements BuiltinContext {
  readonly strict: boolean;
  readonly print: (line: string) => void;
  private now: bigint | undefined;
  private cached: Map<string, unknown> | undefined;
  constructor(strict: boolean, nowNs: bigint | undefined, print: (line: string) => void) {
    this.strict = strict;
    this.print = print;
    this.now = nowNs;
  }
  get nowNs(): bigint {
    return (this.now ??= BigInt(Date.now()) * 1000000n);
  }
  get cache(): Map<string, unknown> {
    return (this.cached ??= new Map());
  }
}

export class QueryRunner {
  private readonly policy: CompiledPolicy;
  private readonly q: CompiledQuery;
  private readonly builtins: ReadonlyMap<string, BuiltinDef>;
  private step: Step | undefined;

  constructor(policy: CompiledPolicy, q: CompiledQuery, builtins: ReadonlyMap<string, BuiltinDef>) {
    this.policy = policy;
    this.q = q;
    this.builtins = builtins;
  }

  run(opts: RunOptions = {}): Record<string, Value>[] {
    this.step ??= compileBody(this.q.body);
    const sh: Shared = {
      policy: this.policy,
      builtins: this.builtins,
      bctx: new EvalBuiltinContext(!!opts.strictBuiltinErrors, opts.nowNs, opts.print ?? noPrint),
      strict: !!opts.strictBuiltinErrors,
      deadline: opts.deadline ?? Number.POSITIVE_INFINITY,
      maxSteps: opts.maxSteps ?? Number.POSITIVE_INFINITY,
      steps: 0,
      depth: 0,
      memoFns: !opts.print,
      refIndex: opts.refIndex ?? true,
    };
    const c = new Ctx(sh, opts.input, opts.data ?? {}, undefined, undefined);
    const f = new Frame(new Array(this.q.nslots), c);
    const rows: Record<string, Value>[] = [];
    const vars = this.q.vars;
    try {
      this.step(f, () => {
        const row: Record<string, Value> = {};
        for (const [name, slot] of vars) {
          const v = f.s[slot];
          if (v !== undefined) row[name] = v;
        }
        rows.push(row);
        return false;
      });
    } catch (e) {
      if (e instanceof RegoError) throw e;
      if (e instanceof RangeError) throw outOfStack(e, opts, this.q.body[0]?.loc);
      throw new RegoError([{ code: "eval_internal_error", message: String((e as Error)?.message ?? e) }]);
    }
    return rows;
  }
}
