/**
 * Rego syntax: lexer + recursive-descent parser producing the AST in ../ast.ts.
 *
 * AST conventions (see ast.ts for the types):
 *  - Call operators (`Term` "call" / `ExprKind` "call") are a `var` for plain
 *    names (`eq`, `assign`, `equal`, `plus`, `count`, a local function `f`) and a
 *    `ref` for dotted names as written (`internal.member_2`, `data.lib.f`,
 *    `foo.bar`). `opName(op)` gives the dotted name.
 *  - `input` / `data` alone are refs with an empty path (OPA does the same).
 *  - Rule heads: `p[k] = v` / `p[k] := v` / v1 `p[k] if` (var key) are kind
 *    "object" with ref [p] and `key` k; `p contains x` / v0 `p[x] {}` are kind
 *    "set" with ref [p] and `key` x; longer refs (`a.b[x] := 1`) are kind
 *    "complete" with the full ref (it may contain vars); functions keep the ref
 *    of their name and `args`. A value of `true` is filled in where absent
 *    for complete and function rules.
 *    `f() := 1` is kind "function" with `args: []` (OPA treats it much like a
 *    complete rule). `name` is OPA's legacy Head.Name, only for the JSON form.
 *  - A v0 module that imports `rego.v1` gets `regoVersion: 1`.
 *  - Bodiless and default rules get a body of one `true` expr marked `generated`.
 *  - Template strings: `parts` are strings and terms; a part written as an
 *    expression with `with` keeps the modifiers in `with[i]`.
 *  - Experimental `import future.keywords.and|or|not` (OPA's logic operators)
 *    produce ExprKinds "or" / "and" / "not".
 *  - METADATA blocks become Rule.annotations / Module.annotations in OPA's
 *    annotation JSON form (what rego.metadata.rule/chain return).
 *  - moduleToJSON & co. render the AST as OPA's JSON AST (rego.parse_module).
 */
import type { Body, Term } from "../ast.ts";
import { RegoError } from "../errors.ts";
import { FUTURE_KEYWORDS } from "./keywords.ts";
import { lex } from "./lexer.ts";
import { checkDepth, guardStack, MAX_AST_DEPTH, MAX_PARSE_DEPTH } from "./limits.ts";
import { parseModuleSource } from "./module.ts";
import { Parser } from "./parser.ts";

export type { Module } from "../ast.ts";

export function parseModule(source: string, file: string, opts: { regoVersion: 0 | 1 }) {
  return guardStack(
    () => parseModuleSource(source, file, opts.regoVersion),
    { file, row: 1, col: 1 },
    "rego_parse_error",
    MAX_PARSE_DEPTH,
  );
}

function queryParser(source: string, regoVersion: 0 | 1, file: string): Parser {
  const { tokens } = lex(source, file);
  return new Parser(tokens, file, new Set(regoVersion === 1 ? FUTURE_KEYWORDS : []));
}

/** A query: literals separated by `;` or newlines. */
export function parseQuery(source: string, opts: { regoVersion: 0 | 1; file?: string }): Body {
  const p = queryParser(source, opts.regoVersion, opts.file ?? "");
  if (p.is("eof")) p.error("empty query");
  const body = guardStack(() => p.parseQuery(false, "eof"), p.loc(), "rego_parse_error", MAX_PARSE_DEPTH);
  if (!p.is("eof")) p.illegal();
  checkDepth(body, MAX_AST_DEPTH, source.length);
  return body;
}

/** Exactly one term, e.g. a conformance case's `input_term`. */
export function parseTerm(source: string): Term {
  const p = queryParser(source, 1, "");
  if (p.is("eof")) p.error("empty term");
  const body = p.parseQuery(false, "eof");
  const e = body[0];
  if (body.length !== 1 || e.kind.type !== "term" || e.negated || e.with.length > 0) {
    if (body.length === 1 && e.kind.type === "call" && !e.negated && e.with.length === 0) {
      return { type: "call", op: e.kind.op, args: e.kind.args, loc: e.loc };
    }
    throw new RegoError([
      { code: "rego_parse_error", message: "expected exactly one term", location: e?.loc },
    ]);
  }
  return e.kind.term;
}

export { bodyToJSON, moduleToJSON, ruleToJSON, termToJSON } from "./opa-json.ts";
export { opName, termString } from "./parse-helpers.ts";
