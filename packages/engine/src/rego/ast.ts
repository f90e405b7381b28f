/**
 * Rego abstract syntax, shaped after OPA's (ast.Module / Rule / Body / Expr /
 * Term) so OPA's documentation of semantics maps onto it directly.
 * Produced by syntax/, checked and rewritten by compile/, planned by eval/.
 */
import type { Num } from "./value.ts";

export interface Location {
  file: string;
  row: number;
  col: number;
  /** Source text of the node, where useful for messages. */
  text?: string;
}

export type Term =
  | { type: "null"; loc: Location }
  | { type: "boolean"; value: boolean; loc: Location }
  | { type: "number"; value: Num; raw: string; loc: Location }
  | { type: "string"; value: string; loc: Location }
  /** Variables; `_` is parsed into a fresh generated var (`$0`, ...) with `wildcard: true`. */
  | { type: "var"; name: string; loc: Location; generated?: boolean; wildcard?: boolean }
  /**
   * A reference: `head` then path operands. `a.b[c]` = ref(var a, [string "b", var c]).
   * The head may be any term (var, call, array, comprehension ...), e.g. `f(x)[0]`, `[1,2][i]`.
   */
  | { type: "ref"; head: Term; path: Term[]; loc: Location }
  | { type: "array"; items: Term[]; loc: Location }
  | { type: "set"; items: Term[]; loc: Location }
  | { type: "object"; entries: [Term, Term][]; loc: Location }
  | { type: "arraycompr"; head: Term; body: Body; loc: Location }
  | { type: "setcompr"; head: Term; body: Body; loc: Location }
  | { type: "objectcompr"; key: Term; value: Term; body: Body; loc: Location }
  /**
   * A call used as a term: `count(x)`, `x + 1` (operator → builtin name, e.g. "plus"),
   * `x in xs` ("internal.member_2"), `k, v in xs` ("internal.member_3"), user functions
   * (`data.pkg.f` after compilation; a local ref before).
   */
  | { type: "call"; op: Term; args: Term[]; loc: Location }
  /** `$"...{expr}..."` string interpolation; parts are literal strings or terms. */
  | {
      type: "template";
      parts: (string | Term)[];
      loc: Location;
      /** `$\`...\`` (multi-line, raw) rather than `$"..."` */
      multiLine?: boolean;
      /** `with` modifiers of a part's expression (`{a with input as x}`), by part index */
      with?: (With[] | undefined)[];
    };

export type TermType = Term["type"];

export interface With {
  /** `input`, `input.x`, `data.a.b`, or a function/builtin ref. */
  target: Term;
  value: Term;
  loc: Location;
}

export type ExprKind =
  /** A bare term: true unless false/undefined. */
  | { type: "term"; term: Term }
  /**
   * A call as an expression. Operators map to OPA builtin names:
   * `=` eq, `:=` assign, `==` equal, `!=` neq, `<` lt, `<=` lte, `>` gt, `>=` gte,
   * `+` plus, `-` minus, `*` mul, `/` div, `%` rem, `&` and, `|` or.
   * With one more arg than the function's arity, the last arg is the output: `count(x, n)`.
   */
  | { type: "call"; op: Term; args: Term[] }
  /** `some x, y` */
  | { type: "some"; vars: Term[] }
  /** `some v in xs` / `some k, v in xs` */
  | { type: "somein"; key?: Term; value: Term; collection: Term }
  /** `every v in xs { ... }` / `every k, v in xs { ... }` */
  | { type: "every"; key?: Term; value: Term; domain: Term; body: Body }
  /**
   * Experimental logic operators (`import future.keywords.or|and|not`, OPA's
   * logicalor / logicaland / not-body): `a or b` succeeds once if either operand
   * body succeeds, `a and b` if both do; each operand is its own body (a single
   * literal, a `{ ... }` group or a parenthesized expression).
   */
  | { type: "or"; left: Body; right: Body }
  | { type: "and"; left: Body; right: Body }
  /** `not { body }` / `not ( ... )` under `future.keywords.not` (a plain `not x` stays `negated`). */
  | {
      type: "not";
      body: Body;
      /** `not e` made a not-body (no braces) rather than `not { ... }` */
      implicit?: true;
    };

export interface Expr {
  kind: ExprKind;
  negated: boolean;
  with: With[];
  loc: Location;
  /** The `true` body the parser supplies for bodiless and default rules. */
  generated?: boolean;
}

export type Body = Expr[];

export interface RuleHead {
  /**
   * The rule's ref relative to the package: `p` → [string "p"]; `a.b[x]` (v1 ref head)
   * → [string "a", string "b", var x]. Partial set `p[x]` (v0) / `p contains x` has
   * kind "set" with `key` x; partial object `p[k] = v` has kind "object".
   * (set and object rules: `ref` excludes the key, e.g. [string "p"]; longer ref heads
   * such as `a.b[x] := 1` are kind "complete" with the var in `ref`.)
   */
  ref: Term[];
  kind: "complete" | "set" | "object" | "function";
  /** set member / object key */
  key?: Term;
  /** value of a complete/object/function rule; absent means `true` */
  value?: Term;
  /** function parameters */
  args?: Term[];
  /** declared with `:=` */
  assign: boolean;
  /** OPA's (legacy) Head.Name where OPA sets it (`p`, `p[x]`); only for OPA's JSON form. */
  name?: string;
  loc: Location;
}

export interface Rule {
  head: RuleHead;
  body: Body;
  /** `default p := v` */
  isDefault: boolean;
  /** `else = v { ... }` chain (each link has its own head value and body). */
  else?: Rule;
  loc: Location;
  /** Annotations from a METADATA block (rule or document scope), in OPA's annotation JSON form. */
  annotations?: Record<string, unknown>;
}

export interface Import {
  /** `data.x.y`, `input.x`, `future.keywords.in`, `rego.v1` */
  path: Term;
  alias?: string;
  loc: Location;
}

export interface Module {
  /** Package path below `data`: `package a.b` → ["a", "b"]. */
  package: string[];
  packageLoc: Location;
  imports: Import[];
  rules: Rule[];
  /** Rego syntax version the module was parsed with. */
  regoVersion: 0 | 1;
  file: string;
  comments: { text: string; loc: Location }[];
  /** METADATA blocks with package or subpackages scope, in OPA's annotation JSON form. */
  annotations?: Record<string, unknown>[];
}
