/**
 * Evaluation state. A Frame holds one rule's (or query's) var slots; a Ctx is
 * the document context (input, base data, `with` overrides, memo). `with`
 * makes a child Ctx; everything else (budget, builtin ctx) is Shared.
 */

import type { Location } from "../ast.ts";
import type { BuiltinContext, BuiltinDef } from "../builtins/builtin.ts";
import type { CompiledPolicy } from "../compile/compiler.ts";
import type { FnRef } from "../compile/ir.ts";
import type { RNode } from "../compile/tree.ts";
import { RegoError, type RegoErrorCode } from "../errors.ts";
import type { Value, ValueMap } from "../value.ts";
import type { ComprEntry } from "./compr-memo.ts";

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
  /** memoise function results per Ctx (off when print output is observed: a cached call would not print again) */
  memoFns: boolean;
  /** answer referential lookups from indexes over base data (ref-plan.ts); off: always scan */
  refIndex: boolean;
  /** function calls answered with their first value while a conflict waits (rules.ts FnConflict) */
  fnPins?: { node: RNode; args: Value[]; first: Value }[];
}

export interface FnOverride {
  value?: Value;
  fn?: FnRef;
  /** the mock is a ref to rules (not a function): OPA's call test takes the ref itself as true */
  ruleRef?: boolean;
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
  /** partial rules looked up by key (made on first use) */
  keyMemo: Map<unknown, ValueMap<Value | typeof UNDEF>> | undefined;
  /** function results per function node (made on first call) */
  fnMemo: Map<unknown, FnMemo> | undefined;
  /** calls over a function's arguments, by shape, for the function call in progress (one.ts memoCall) */
  argMemo: Map<string, { args: Value[]; v: Value | typeof UNDEF }> | undefined;
  /** the last result of each comprehension (compr-memo.ts; made on first use) */
  comprMemo: Map<object, ComprEntry> | undefined;
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

/** One rule's (or query's) evaluation: its var slots, its document context, and what its body produced. */
export class Frame {
  s: Slots;
  c: Ctx;
  /** function arguments, matched against the rule's argument patterns */
  args: Value[] | undefined = undefined;
  /** complete rules and functions: whether the body succeeded, the value, a conflict */
  found = false;
  out: Value | undefined = undefined;
  conflict = false;
  /** partial rules: the object builder or set the solutions go into */
  sink: unknown = undefined;
  constructor(s: Slots, c: Ctx) {
    this.s = s;
    this.c = c;
  }
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

/**
 * Results of one function's calls in one Ctx, keyed by the identity of the
 * arguments (===, so equal numbers and strings match too). A Map on the
 * first argument (SameValueZero: identity for composites, value for
 * primitives, as ===) finds the calls to compare: a function called once per
 * container of a 64-container Pod would otherwise scan every earlier call.
 */
export class FnMemo {
  // the first call inline: most functions are called with few distinct arguments
  private args0: Value[] | undefined = undefined;
  private result0: Value | typeof UNDEF | undefined = undefined;
  private byFirst: Map<Value | undefined, MemoEntry | MemoEntry[]> | undefined = undefined;

  get(a: Value[]): Value | typeof UNDEF | undefined {
    const b0 = this.args0;
    if (b0 === undefined) return undefined;
    if (sameArgs(a, b0)) return this.result0;
    const e = this.byFirst?.get(a[0]);
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) return sameArgs(a, e.args) ? e.result : undefined;
    for (let i = 0; i < e.length; i++) if (sameArgs(a, e[i].args)) return e[i].result;
    return undefined;
  }

  put(a: Value[], v: Value | typeof UNDEF): void {
    if (this.args0 === undefined) {
      this.args0 = a;
      this.result0 = v;
      return;
    }
    const m = (this.byFirst ??= new Map());
    const entry: MemoEntry = { args: a, result: v };
    const e = m.get(a[0]);
    if (e === undefined) m.set(a[0], entry);
    else if (Array.isArray(e)) e.push(entry);
    else m.set(a[0], [e, entry]);
  }
}

interface MemoEntry {
  args: Value[];
  result: Value | typeof UNDEF;
}

function sameArgs(a: Value[], b: Value[]): boolean {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}
