/**
 * Calls: user functions, registry builtins, and the builtins that need the
 * evaluator (print, walk, internal.member_*, trace, internal.test_case, rego.metadata.*).
 * `with f as ...` overrides are looked up first.
 */
import type { Location } from "../ast.ts";
import { type BuiltinDef, BuiltinError } from "../builtins/builtin.ts";
import { BUILTINS } from "../builtins/index.ts";
import type { FnRef } from "../compile/ir.ts";
import { nodeAt, type RNode } from "../compile/tree.ts";
import { RegoError } from "../errors.ts";
import { compare, equal, isObject, RSet, termString, typeName, type Value } from "../value.ts";
import { Frame, fail, type Shared, type VK } from "./ctx.ts";
import { parseModuleBuiltin } from "./parse_module.ts";
import { iterate, lookup } from "./plan.ts";
import { callFunction } from "./rules.ts";

/** FnRef → its rule node, resolved once (FnRefs belong to one compiled policy). */
const fnNodes = new WeakMap<FnRef, RNode | null>();

export type CallArgs = (f: Frame, k: (args: Value[]) => boolean) => boolean;

/** Builtins implemented by the evaluator: name → arity (-1 = variadic). */
export const CORE_ARITY: ReadonlyMap<string, number> = new Map([
  ["print", -1],
  ["internal.print", 1],
  ["walk", 1],
  ["internal.member_2", 2],
  ["internal.member_3", 3],
  ["trace", 1],
  // OPA 1.2: marks a parametrised `opa test` case; evaluation just succeeds
  ["internal.test_case", 1],
  ["rego.metadata.chain", 0],
  ["rego.metadata.rule", 0],
  ["rego.parse_module", 2],
  ["equal", 2],
  ["neq", 2],
  ["lt", 2],
  ["lte", 2],
  ["gt", 2],
  ["gte", 2],
]);

export function callGen(fn: FnRef, args: CallArgs, loc: Location): (f: Frame, k: VK) => boolean {
  if (fn.kind === "builtin") {
    switch (fn.name) {
      case "walk":
        return (f, k) =>
          args(f, (a) => {
            if (f.c.fns?.has(fn.name)) {
              const v = invoke(fn, a, f, loc);
              return v !== undefined && k(v);
            }
            return walk(a[0], [], k);
          });
    }
  }
  const call = invoker(fn, loc);
  return (f, k) =>
    args(f, (a) => {
      const v = call(a, f);
      return v !== undefined && k(v);
    });
}

function walk(v: Value, path: Value[], k: VK): boolean {
  if (k([path.slice(), v])) return true;
  return iterate(v, (key, val) => {
    path.push(key);
    const r = walk(val, path, k);
    path.pop();
    return r;
  });
}

export type Invoker = (a: Value[], f: Frame) => Value | undefined;

/**
 * A call site's invoker: the target (user function node, registry builtin or
 * evaluator builtin) is resolved on first use instead of looked up by name on
 * every call. `with f as ...` overrides take the general path.
 */
export function invoker(fn: FnRef, loc: Location): Invoker {
  let direct: Invoker | undefined;
  return (a, f) => {
    if (f.c.fns !== undefined) return invoke(fn, a, f, loc);
    if (direct === undefined) direct = resolve(fn, f, loc);
    return direct(a, f);
  };
}

function resolve(fn: FnRef, f: Frame, loc: Location): Invoker {
  const sh = f.c.sh;
  if (fn.kind === "user") {
    const node = nodeAt(sh.policy.root, fn.path!, false);
    if (!node) return () => undefined;
    return (a, f) => callFunction(node, a, f.c, loc);
  }
  const op = BINARY.get(fn.name);
  if (op && isNative(fn.name, sh)) return (a) => op(a[0], a[1]);
  const def = sh.builtins.get(fn.name);
  if (def) return (a, f) => callBuiltin(def, fn.name, a, f, loc);
  const name = fn.name;
  return (a, f) => core(name, a, f, loc);
}

/** Whether a policy uses the registry's own definition of a builtin (not a replacement passed to compile). */
export function isNative(name: string, sh: Shared): boolean {
  const d = sh.builtins.get(name);
  return d === undefined || d === BUILTINS.get(name);
}

/** The comparison builtins, evaluated inline (same semantics as builtins/comparison.ts). */
export type Binary = (x: Value, y: Value) => boolean;
export const BINARY: ReadonlyMap<string, Binary> = new Map([
  ["equal", (x: Value, y: Value) => x === y || equal(x, y)],
  ["neq", (x: Value, y: Value) => x !== y && !equal(x, y)],
  ["lt", (x: Value, y: Value) => compare(x, y) < 0],
  ["lte", (x: Value, y: Value) => compare(x, y) <= 0],
  ["gt", (x: Value, y: Value) => compare(x, y) > 0],
  ["gte", (x: Value, y: Value) => compare(x, y) >= 0],
]);

/** Run a registry builtin; its errors become undefined, or abort in strict mode / when halting. */
function callBuiltin(def: BuiltinDef, name: string, a: Value[], f: Frame, loc: Location): Value | undefined {
  const sh = f.c.sh;
  try {
    return def.impl(a, sh.bctx);
  } catch (e) {
    return builtinFailed(e, name, f, loc);
  }
}

function builtinFailed(e: unknown, name: string, f: Frame, loc: Location): undefined {
  const sh = f.c.sh;
  if (e instanceof RegoError) throw e;
  if (e instanceof BuiltinError) {
    if (sh.strict || e.halt) {
      const msg = e.message.startsWith(`${name}:`) ? e.message : `${name}: ${e.message}`;
      fail(e.code, msg, loc);
    }
    return undefined;
  }
  if (e instanceof RangeError) throw e;
  if (sh.strict) fail("eval_builtin_error", `${name}: ${(e as Error).message}`, loc);
  return undefined;
}

export function invoke(fn: FnRef, a: Value[], f: Frame, loc: Location): Value | undefined {
  const o = f.c.fns?.get(fn.name);
  if (o) {
    if (o.fn) return invokeTarget(o.fn, a, new Frame(f.s, f.c.without(fn.name)), loc);
    return o.value;
  }
  return invokeTarget(fn, a, f, loc);
}

function invokeTarget(fn: FnRef, a: Value[], f: Frame, loc: Location): Value | undefined {
  if (fn.kind === "user") {
    let node = fnNodes.get(fn);
    if (node === undefined) {
      node = nodeAt(f.c.sh.policy.root, fn.path!, false) ?? null;
      fnNodes.set(fn, node);
    }
    if (!node) return undefined;
    return callFunction(node, a, f.c, loc);
  }
  const def = f.c.sh.builtins.get(fn.name);
  if (def) return callBuiltin(def, fn.name, a, f, loc);
  return core(fn.name, a, f, loc);
}

function core(name: string, a: Value[], f: Frame, loc: Location): Value | undefined {
  switch (name) {
    case "internal.member_2":
      return member(a[0], a[1]);
    case "internal.member_3": {
      const w = lookupMember(a[2], a[0]);
      return w !== undefined && equal(w, a[1]);
    }
    case "equal":
      return equal(a[0], a[1]);
    case "neq":
      return !equal(a[0], a[1]);
    case "lt":
      return compare(a[0], a[1]) < 0;
    case "lte":
      return compare(a[0], a[1]) <= 0;
    case "gt":
      return compare(a[0], a[1]) > 0;
    case "gte":
      return compare(a[0], a[1]) >= 0;
    case "trace":
      // its note must be a string: otherwise OPA's operand type error (undefined unless strict)
      if (typeof a[0] !== "string") {
        if (f.c.sh.strict)
          fail("eval_type_error", `trace: operand 1 must be string but got ${typeName(a[0])}`, loc);
        return undefined;
      }
      return true;
    case "internal.test_case":
      return true;
    case "internal.print": {
      // one set of values per printed arg; print their cross product
      const sets = (a[0] as Value[]).map((s) => (s instanceof RSet ? s.sorted() : []));
      const lines: string[] = [];
      const rec = (i: number, acc: string[]) => {
        if (i === sets.length) {
          lines.push(acc.join(" "));
          return;
        }
        if (sets[i].length === 0) rec(i + 1, [...acc, "<undefined>"]);
        for (const v of sets[i]) rec(i + 1, [...acc, typeof v === "string" ? v : termString(v)]);
      };
      rec(0, []);
      for (const l of lines) f.c.sh.bctx.print(l);
      return true;
    }
    case "rego.metadata.chain":
    case "rego.metadata.rule":
      return metadata(name, f);
    case "rego.parse_module":
      return coreBuiltin(name, f, loc, () => {
        if (typeof a[0] !== "string") throw new BuiltinError("operand 1 must be string", "eval_type_error");
        if (typeof a[1] !== "string") throw new BuiltinError("operand 2 must be string", "eval_type_error");
        return parseModuleBuiltin(a[0], a[1]);
      });
  }
  fail("eval_internal_error", `unknown builtin ${name}`, loc);
}

/** Run an evaluator-provided builtin with the registry's error semantics. */
function coreBuiltin(name: string, f: Frame, loc: Location, fn: () => Value | undefined): Value | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BuiltinError) {
      if (f.c.sh.strict || e.halt) fail(e.code, `${name}: ${e.message}`, loc);
      return undefined;
    }
    throw e;
  }
}

function lookupMember(coll: Value, key: Value): Value | undefined {
  if (coll instanceof RSet) return coll.has(key) ? key : undefined;
  if (Array.isArray(coll) || isObject(coll)) return lookup(coll, key);
  return undefined;
}

function member(x: Value, coll: Value): boolean {
  if (coll instanceof RSet) return coll.has(x);
  let found = false;
  if (Array.isArray(coll) || isObject(coll))
    iterate(coll, (_k, v) => {
      if (equal(v, x)) found = true;
      return found;
    });
  return found;
}

function metadata(name: string, _f: Frame): Value {
  return name === "rego.metadata.chain" ? [] : {};
}
