/**
 * Evaluation state. A Frame holds one rule's (or query's) var slots; a Ctx is
 * the document context (input, base data, `with` overrides, memo). `with`
 * makes a child Ctx; everything else (budget, builtin ctx) is Shared.
 */

import type { Location } from "../ast.ts";
import type { BuiltinContext, BuiltinDef } from "../builtins/builtin.ts";
import type { CompiledPolicy } from "../compile/compiler.ts";
import type { FnRef } from "../compile/ir.ts";
import { RegoError, type RegoErrorCode } from "../errors.ts";
import type { Value } from "../value.ts";

export type Slots = (Value | undefined)[];
/** Continuation: return true to stop enumerating. */
export type K = () => boolean;
export type VK = (v: Value) => boolean;

export interface Shared {
  policy: CompiledPolicy;
  builtins: ReadonlyMap<string, BuiltinDef>;
  bctx: BuiltinContext;
  strict: boolean;
  deadline: number;
  maxSteps: number;
  steps: number;
  depth: number;
}

export interface FnOverride {
  value?: Value;
  fn?: FnRef;
}

export class Ctx {
  readonly sh: Shared;
  readonly input: Value | undefined;
  readonly data: Value;
  /** data paths (joined by \0) whose virtual documents are replaced by `with` */
  readonly masks: Set<string> | undefined;
  readonly fns: Map<string, FnOverride> | undefined;
  /** memo for rule values, per node (and per key for partial lookups) */
  readonly memo = new Map<unknown, Value | typeof UNDEF | typeof PENDING>();
  readonly keyMemo = new Map<unknown, Map<string, Value | typeof UNDEF>>();
  private derived: Map<string, Ctx> | undefined;

  constructor(
    sh: Shared,
    input: Value | undefined,
    data: Value,
    masks: Set<string> | undefined,
    fns: Map<string, FnOverride> | undefined,
  ) {
    this.sh = sh;
    this.input = input;
    this.data = data;
    this.masks = masks;
    this.fns = fns;
  }

  /** This context minus the override of one function (a replacement calls the original). */
  without(name: string): Ctx {
    this.derived ??= new Map();
    let d = this.derived.get(name);
    if (!d) {
      const fns = new Map(this.fns);
      fns.delete(name);
      d = new Ctx(this.sh, this.input, this.data, this.masks, fns.size ? fns : undefined);
      this.derived.set(name, d);
    }
    return d;
  }
}

export const UNDEF: unique symbol = Symbol("undefined");
export const PENDING: unique symbol = Symbol("pending");

export interface Frame {
  s: Slots;
  c: Ctx;
}

export function fail(code: RegoErrorCode, message: string, location?: Location): never {
  throw new RegoError([{ code, message, location }]);
}

/** Count a step; enforce the deadline and the step budget. */
export function tick(sh: Shared): void {
  const n = ++sh.steps;
  if ((n & 1023) === 0) {
    if (sh.steps > sh.maxSteps)
      fail("eval_cancel_error", "caller cancelled query execution (step budget exceeded)");
    if (Date.now() > sh.deadline)
      fail("eval_cancel_error", "caller cancelled query execution (deadline exceeded)");
  }
}
