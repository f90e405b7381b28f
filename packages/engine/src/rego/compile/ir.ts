/**
 * The compiler's output: rule bodies with names resolved (locals are frame
 * slots, globals are `data` paths, calls name their target) and expressions
 * ordered for safety. eval/ turns this into closures.
 */
import type { Location } from "../ast.ts";
import type { Value } from "../value.ts";

export type IRTerm =
  | { t: "const"; v: Value }
  /** `declared`: by `:=`, `some` or as a function arg (OPA renames those to generated vars) */
  | { t: "local"; slot: number; name: string; wildcard?: boolean; declared?: true }
  | { t: "input" }
  | { t: "data" }
  | { t: "ref"; head: IRTerm; path: IRTerm[]; loc: Location }
  | { t: "array"; items: IRTerm[] }
  | { t: "set"; items: IRTerm[] }
  | { t: "object"; entries: [IRTerm, IRTerm][] }
  /** comprehensions: `free` are the enclosing scope's slots they read */
  | { t: "arraycompr"; head: IRTerm; body: IRBody; free: number[] }
  | { t: "setcompr"; head: IRTerm; body: IRBody; free: number[] }
  | { t: "objectcompr"; key: IRTerm; value: IRTerm; body: IRBody; free: number[] }
  | { t: "call"; fn: FnRef; args: IRTerm[]; loc: Location }
  /** `$"..."`: `withs[i]` are the `with` modifiers of part i's expression */
  | { t: "template"; parts: (string | IRTerm)[]; withs?: (IRWith[] | undefined)[]; loc: Location };

/** A call target: a builtin by name, or a user function by its data path. */
export interface FnRef {
  kind: "builtin" | "user";
  /** builtin name ("count") or dotted data path ("data.pkg.f") */
  name: string;
  /** user functions: path below data */
  path?: string[];
  arity: number;
}

export interface IRWith {
  /** "input", "data", or a function/builtin key (FnRef.name) */
  kind: "input" | "data" | "fn";
  path: string[];
  fnName?: string;
  value: IRTerm;
  /** `with f as g` where g names a function rather than a value */
  valueFn?: FnRef;
  loc: Location;
}

export type IRExprKind =
  /** `assign`: from `:=`, whose right side must be safe on its own (OPA 1.19) */
  | { k: "eq"; a: IRTerm; b: IRTerm; assign?: boolean }
  | { k: "call"; fn: FnRef; args: IRTerm[]; out?: IRTerm }
  | { k: "term"; t: IRTerm }
  | { k: "somein"; key?: IRTerm; value: IRTerm; coll: IRTerm }
  | { k: "every"; key?: IRTerm; value: IRTerm; dom: IRTerm; body: IRBody; free: number[] }
  /** experimental `a and b` / `a or b` / `not { ... }`: operand bodies are closures */
  | { k: "logic"; op: "and" | "or" | "not"; left: IRBody; right?: IRBody; free: number[] }
  | { k: "true" };

export interface IRExpr {
  e: IRExprKind;
  negated: boolean;
  with: IRWith[];
  loc: Location;
  /**
   * `local = ref` moved out of a negated expression (dynamics.ts): OPA checks safety before that
   * rewrite, so the ref's vars must be bound already (`not f(input.xs[_])`: `var _ is unsafe`).
   */
  bindsOnlyLocal?: boolean;
  /**
   * A negated expression holding a comprehension that calls rego.metadata: OPA 1.22 then lets its
   * vars stay local to the negation (`not xs[i] == [1 | rego.metadata.rule()]` compiles).
   */
  negOwnVars?: boolean;
}

export type IRBody = IRExpr[];
