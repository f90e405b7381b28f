/**
 * Running a compiled query: one Ctx per evaluation, one row per solution.
 */
import type { BuiltinDef } from "../builtins/builtin.ts";
import type { CompiledPolicy, CompiledQuery } from "../compile/compiler.ts";
import { RegoError } from "../errors.ts";
import type { Value } from "../value.ts";
import { Ctx, type Shared } from "./ctx.ts";
import { compileBody, type Step } from "./plan.ts";

export interface RunOptions {
  input?: Value;
  data?: Value;
  strictBuiltinErrors?: boolean;
  deadline?: number;
  maxSteps?: number;
  print?: (line: string) => void;
  nowNs?: bigint;
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
      bctx: {
        strict: !!opts.strictBuiltinErrors,
        nowNs: opts.nowNs ?? BigInt(Date.now()) * 1000000n,
        cache: new Map(),
        print: opts.print ?? (() => {}),
      },
      strict: !!opts.strictBuiltinErrors,
      deadline: opts.deadline ?? Number.POSITIVE_INFINITY,
      maxSteps: opts.maxSteps ?? Number.POSITIVE_INFINITY,
      steps: 0,
      depth: 0,
    };
    const c = new Ctx(sh, opts.input, opts.data ?? {}, undefined, undefined);
    const f = { s: new Array(this.q.nslots), c };
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
      if (e instanceof RangeError)
        throw new RegoError([{ code: "eval_internal_error", message: `evaluation too deep: ${e.message}` }]);
      throw new RegoError([{ code: "eval_internal_error", message: String((e as Error)?.message ?? e) }]);
    }
    return rows;
  }
}
