/**
 * Recursive-descent Rego parser over the token array from lexer.ts.
 *
 * The grammar and its quirks follow OPA's parser: the same operator
 * precedence (in < relations < | < & < + - < * / %), the same speculative
 * parses (comprehension before set/object literal, `p if <expr>` before
 * `p if { body }`), the same conversion of bodiless top-level statements into
 * rules (module.ts), and the same messages where practical.
 * Errors are thrown as RegoError (rego_parse_error); backtracking catches them.
 */
import type { Body, Expr, ExprKind, Location, Rule, RuleHead, Term, With } from "../ast.ts";
import { RegoError } from "../errors.ts";
import { BASE_KEYWORDS, FUTURE_KEYWORDS } from "./keywords.ts";
import type { Token, TokenKind } from "./lexer.ts";
import { MAX_PARSE_DEPTH, NestingError } from "./limits.ts";
import {
  dedupeEntries,
  fatal,
  findNonConstant,
  isGround,
  memberOp,
  numberValue,
  opName,
  rootRef,
  termString,
  toRuleHead,
  trueExpr,
  valueName,
} from "./parse-helpers.ts";

/** Keyword-spelled values: a ref head only where a literal starts (`false.foo == 1`), as in OPA. */
const SCALAR_WORDS = new Set(["null", "true", "false"]);

const RELATIONS: Record<string, string> = {
  "==": "equal",
  "!=": "neq",
  "<": "lt",
  "<=": "lte",
  ">": "gt",
  ">=": "gte",
};
const OR: Record<string, string> = { "|": "or" };
const AND: Record<string, string> = { "&": "and" };
const ARITH: Record<string, string> = { "+": "plus", "-": "minus" };
const FACTOR: Record<string, string> = { "*": "mul", "/": "div", "%": "rem" };
/** Each infix operator token: its builtin and precedence (higher binds tighter). */
const BINARY_OPS = new Map<string, { name: string; prec: number }>(
  [RELATIONS, OR, AND, ARITH, FACTOR].flatMap((table, prec) =>
    Object.entries(table).map(([tok, name]) => [tok, { name, prec }] as const),
  ),
);
/** Calls written as infix operators: an operand error names their left operand. */
const INFIX_NAMES = new Set([
  ...Object.values(RELATIONS),
  ...Object.values(OR),
  ...Object.values(AND),
  ...Object.values(ARITH),
  ...Object.values(FACTOR),
  "internal.member_2",
  "internal.member_3",
]);
const HEAD_ILLEGAL = new Set(["+", "-", "*", "/", "%", "&", "|", "==", "!=", ">", ">=", "<", "<="]);

/** Per-rule facts OPA keeps on the rule/head that the v1 checks need. */
export interface RuleFlags {
  hasIf: boolean;
  hasContains: boolean;
  generatedBody: boolean;
  generatedValue: boolean;
}

/** A head as OPA shapes it (ref includes the leading var), before conversion to RuleHead. */
export interface HeadInfo {
  ref: Term[];
  key?: Term;
  value?: Term;
  args?: Term[];
  assign: boolean;
  generatedValue: boolean;
  contains: boolean;
  loc: Location;
  /** OPA's Head.Name (see RuleHead.name) */
  name?: string;
}

interface SavedState {
  i: number;
  wildcard: number;
}

export class Parser {
  tokens: Token[];
  i = 0;
  readonly file: string;
  /** Future keywords currently enabled. */
  readonly keywords: Set<string>;
  /** Shared with template sub-parsers so `$N` numbering continues. */
  counter: { wildcard: number };
  readonly flags = new Map<Rule, RuleFlags>();
  /** Appended to the next `illegal` message (OPA's future-keyword hints). */
  pendingHint = "";
  /** Current parseTerm recursion depth (bounded by MAX_PARSE_DEPTH). */
  depth = 0;
  /**
   * Terms parsed so far by start token (and wildcard counter): backtracking
   * (`[t` then restore and reparse as `[t + …`) reuses them instead of parsing
   * again, which was exponential in nesting (`[[[1] + 1] + 1]`). An array
   * sized once by token count: cheaper than a growing Map on the cold path.
   */
  private readonly memo: (
    | { w: number; term?: Term; err?: RegoError; end: number; endW: number }
    | undefined
  )[];

  constructor(tokens: Token[], file: string, keywords: Set<string>, counter?: { wildcard: number }) {
    this.tokens = tokens;
    this.memo = new Array(tokens.length);
    this.file = file;
    this.keywords = keywords;
    this.counter = counter ?? { wildcard: 0 };
  }

  // ---- token helpers ------------------------------------------------------

  /** The current token (the parser itself reads tokens[i]: a getter call per read costs more before V8 optimises). */
  get tok(): Token {
    return this.tokens[this.i];
  }
  next(): Token {
    const t = this.tokens[this.i];
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  save(): SavedState {
    return { i: this.i, wildcard: this.counter.wildcard };
  }
  restore(s: SavedState): void {
    this.i = s.i;
    this.counter.wildcard = s.wildcard;
  }
  loc(t: Token = this.tokens[this.i]): Location {
    return { file: this.file, row: t.row, col: t.col };
  }

  /** Token index where the current literal's expression starts (after `not`). */
  private literalStart = -1;

  isKeywordName(name: string): boolean {
    return BASE_KEYWORDS.has(name) || this.keywords.has(name);
  }

  /**
   * The keyword token `idx` stands for, if any. A keyword immediately
   * followed by `.` or `[` is a ref head instead (`in.foo`, `not.x`), as
   * OPA's keywords-in-refs feature allows.
   */
  kwAt(idx: number): string | undefined {
    const t = this.tokens[idx];
    // kw: an identifier spelled like some keyword (set by the lexer), the only ones worth looking up
    if (!t.kw || !this.isKeywordName(t.text)) return undefined;
    const n = this.tokens[idx + 1];
    if (n && !n.ws && (n.kind === "." || n.kind === "[")) return undefined;
    return t.text;
  }
  kw(): string | undefined {
    return this.kwAt(this.i);
  }
  isKw(name: string): boolean {
    // most tokens are not spelled like a keyword: answered here, without kwAt's lookups
    const t = this.tokens[this.i];
    return t.kw && t.text === name && this.kwAt(this.i) === name;
  }
  /** A plain identifier (not acting as a keyword). */
  isIdent(): boolean {
    return this.tokens[this.i].kind === "ident" && this.kw() === undefined;
  }
  is(kind: TokenKind): boolean {
    return this.tokens[this.i].kind === kind;
  }

  error(message: string, loc: Location = this.loc()): never {
    throw new RegoError([{ code: "rego_parse_error", message, location: loc }]);
  }

  /** OPA's `unexpected <tok> token|keyword[: note]`. */
  illegal(note = ""): never {
    const t = this.tokens[this.i];
    let name: string;
    let type = "token";
    if (t.kind === "ident") {
      if (this.kw() !== undefined) {
        name = t.text;
        type = "keyword";
      } else name = "ident";
    } else if (t.kind === "template") name = "string";
    else name = t.kind;
    const hint = this.pendingHint;
    this.pendingHint = "";
    this.error((note ? `unexpected ${name} ${type}: ${note}` : `unexpected ${name} ${type}`) + hint);
  }

  genWildcard(loc: Location): Term {
    const name = `$${this.counter.wildcard++}`;
    return { type: "var", name, loc, generated: true, wildcard: true };
  }

  // ---- bodies and literals ------------------------------------------------

  /** A body up to `end` (not consumed). Module-level statements pass requireSemi. */
  parseQuery(requireSemi: boolean, end: TokenKind): Body {
    const body: Body = [];
    if (this.tokens[this.i].kind === end) this.error("found empty body");
    for (;;) {
      body.push(this.parseLiteral());
      if (this.is(";")) {
        this.next();
        continue;
      }
      if (this.tokens[this.i].kind === end || requireSemi) return body;
      if (!this.tokens[this.i].nl) this.illegal(`expected \\n or ; or ${end === "eof" ? "EOF" : end}`);
    }
  }

  parseBody(end: TokenKind): Body {
    return this.parseQuery(false, end);
  }

  parseLiteral(): Expr {
    if (this.keywords.has("or") || this.keywords.has("and")) return this.parseLogicLiteral();
    return this.parseSimpleLiteral(true);
  }

  /** `[not] expr [with ...]`, `some ...`, `every ...`. */
  private parseSimpleLiteral(allowWith: boolean): Expr {
    const loc = this.loc();
    let negated = false;
    if (this.isKw("not")) {
      this.next();
      negated = true;
      if (this.is("{") && this.keywords.has("not")) {
        const nb = this.parseNotBody(loc);
        // `not { … } with …`: the modifiers apply to the whole negation
        if (allowWith && this.isKw("with")) nb.with = this.parseWith();
        return nb;
      }
    }
    this.literalStart = this.i;
    const k = this.kw();
    if (k === "some") {
      if (negated) this.illegal("illegal negation of 'some'");
      return this.parseSome(loc);
    }
    if (k === "every") {
      if (negated) this.illegal("illegal negation of 'every'");
      return this.parseEvery(loc);
    }
    const start = this.i;
    const expr = this.parseExpr(loc);
    expr.negated = negated;
    if (expr.kind.type === "term" && expr.kind.term.type === "var" && expr.kind.term.name === "every")
      this.everyHint(start);
    if (allowWith && this.isKw("with")) expr.with = this.parseWith();
    // with not-bodies on, OPA makes `not e` a not-body holding e (its `with` moves outside)
    if (negated && this.keywords.has("not") && allowWith) {
      const w = expr.with;
      expr.with = [];
      expr.negated = false;
      return { kind: { type: "not", body: [expr], implicit: true }, negated: false, with: w, loc };
    }
    return expr;
  }

  /**
   * OPA refuses `not {a | b …}` whose first expression is a bare set union: it
   * could be meant as a comprehension. One starting with `(` is fine.
   */
  private unionFirst(body: Body, first: number): boolean {
    const e = body[0];
    if (!e || e.negated || this.tokens[first].kind === "(") return false;
    const k = e.kind;
    const op = k.type === "call" ? k.op : k.type === "term" && k.term.type === "call" ? k.term.op : undefined;
    return !!op && opName(op) === "or";
  }

  /**
   * `not { body }` where `not` bodies are on (`import future.keywords[.not]`).
   * Braces holding a value instead (`not {"a": 1} == x`) are OPA's operand error.
   */
  private parseNotBody(loc: Location): Expr {
    const start = this.save();
    this.next(); // {
    if (this.is("}")) this.error("found empty body");
    let body: Body;
    const first = this.i;
    try {
      body = this.parseBody("}");
    } catch (bodyErr) {
      fatal(bodyErr);
      this.restore(start);
      let term: Term | undefined;
      try {
        term = this.parseTermInfixCall();
      } catch (e) {
        fatal(e);
      }
      if (!term) throw bodyErr;
      let led = term;
      while (led.type === "call" && led.args.length > 0 && INFIX_NAMES.has(opName(led.op) ?? ""))
        led = led.args[0];
      this.error(
        `\`{...}\` in an operand position must contain expression(s), got: ${valueName(led)}`,
        this.loc(this.tokens[start.i]),
      );
    }
    if (this.unionFirst(body, first))
      this.error(
        "ambiguous `{ ... | ... }` operand: read as a body holding a set-union expression, not as a comprehension",
        this.loc(this.tokens[first]),
      );
    this.next(); // }
    return { kind: { type: "not", body }, negated: false, with: [], loc };
  }

  // ---- experimental logic operators (`import future.keywords.and|or|not`) ----
  // `a or b and c` is or(a, and(b, c)); operands are literals, `{ body }`
  // groups or `( ... )`; a trailing `with` applies to the whole expression.

  private parseLogicLiteral(): Expr {
    const loc = this.loc();
    const body = this.parseOrOperands();
    if (body.length !== 1) this.error("expected a single expression, found a body", loc);
    const expr = body[0];
    if (this.isKw("with")) expr.with = [...expr.with, ...this.parseWith()];
    return expr;
  }

  private parseOrOperands(): Body {
    let left = this.parseAndOperands();
    while (this.isKw("or")) {
      const loc = left[0]?.loc ?? this.loc();
      this.next();
      const right = this.parseAndOperands();
      left = [{ kind: { type: "or", left, right }, negated: false, with: [], loc }];
    }
    return left;
  }

  private parseAndOperands(): Body {
    let left = this.parseLogicOperand();
    while (this.isKw("and")) {
      const loc = left[0]?.loc ?? this.loc();
      this.next();
      const right = this.parseLogicOperand();
      left = [{ kind: { type: "and", left, right }, negated: false, with: [], loc }];
    }
    return left;
  }

  /** One operand as a body: a literal, a `{ body }` group, or a parenthesized logic expression. */
  private parseLogicOperand(): Body {
    const loc = this.loc();
    const s = this.save();
    const notGroup = this.isKw("not") && this.keywords.has("not");
    if (notGroup) this.next();
    const t = this.tokens[this.i];
    if (t.kind === "{" || t.kind === "(") {
      const inner = this.save();
      try {
        const e = this.parseSimpleLiteral(false);
        const isSet = e.kind.type === "term" && e.kind.term.type === "set";
        if (!(isSet && (this.isKw("and") || this.isKw("or")))) {
          if (notGroup) e.negated = !e.negated;
          return [e];
        }
      } catch (err) {
        fatal(err);
      }
      this.restore(inner);
      let body: Body;
      if (t.kind === "{") {
        this.next();
        body = this.parseBody("}");
        this.next();
      } else {
        this.next();
        const e = this.parseLogicLiteral();
        if (!this.is(")")) this.illegal("expected )");
        this.next();
        body = [e];
      }
      if (notGroup) return [{ kind: { type: "not", body }, negated: false, with: [], loc }];
      return body;
    }
    this.restore(s);
    return [this.parseSimpleLiteral(false)];
  }

  parseExpr(loc: Location): Expr {
    const lhs = this.parseTermInfixCall();
    const t = this.tokens[this.i];
    if (t.kind === ":=" || t.kind === "=") {
      const op: Term = { type: "var", name: t.kind === ":=" ? "assign" : "eq", loc: this.loc(t) };
      this.next();
      const rhs = this.parseTermInfixCall();
      return { kind: { type: "call", op, args: [lhs, rhs] }, negated: false, with: [], loc };
    }
    // A top-level call term becomes a call expression, as in OPA.
    const kind: ExprKind =
      lhs.type === "call" ? { type: "call", op: lhs.op, args: lhs.args } : { type: "term", term: lhs };
    return { kind, negated: false, with: [], loc };
  }

  parseWith(): With[] {
    const withs: With[] = [];
    while (this.isKw("with")) {
      const loc = this.loc();
      this.next();
      if (!this.isIdent()) this.illegal("expected ident");
      const target = this.parseTerm();
      if (target.type !== "ref" && target.type !== "var") this.illegal("expected with target path");
      if (!this.isKw("as")) this.illegal("expected as keyword");
      this.next();
      const value = this.parseTermInfixCall();
      withs.push({ target, value, loc });
    }
    return withs;
  }

  parseSome(loc: Location): Expr {
    const s = this.save();
    this.next();
    // `some x in xs` / `some k, v in xs`
    let term: Term | undefined;
    try {
      term = this.parseTermInfixCall();
    } catch (e) {
      fatal(e);
      term = undefined;
    }
    if (term && term.type === "call") {
      const name = opName(term.op);
      let kind: ExprKind;
      if (name === "internal.member_2") {
        kind = { type: "somein", value: term.args[0], collection: term.args[1] };
      } else if (name === "internal.member_3") {
        kind = { type: "somein", key: term.args[0], value: term.args[1], collection: term.args[2] };
      } else {
        this.illegal("expected `x in xs` or `x, y in xs` expression");
      }
      const expr: Expr = { kind, negated: false, with: [], loc };
      if (this.isKw("with")) expr.with = this.parseWith();
      return expr;
    }
    this.restore(s);
    const hint = this.keywords.has("in") ? "" : this.someInHint();
    const vars: Term[] = [];
    for (;;) {
      this.next();
      if (!this.isIdent()) this.illegalWithHint("expected var", hint);
      vars.push(this.parseVar());
      if (!this.is(",")) break;
    }
    if (hint && !this.tokens[this.i].nl && !this.is(";") && !this.is("}") && !this.is("eof") && !this.is("]"))
      this.illegalWithHint("expected \\n or ; or }", hint);
    return { kind: { type: "some", vars }, negated: false, with: [], loc };
  }

  /** OPA hints at the missing import when `some x in xs` would parse with `in` enabled. */
  private someInHint(): string {
    const q = new Parser(this.tokens, this.file, new Set(FUTURE_KEYWORDS), { ...this.counter });
    q.i = this.i + 1;
    try {
      const t = q.parseTermInfixCall();
      const n = t.type === "call" ? opName(t.op) : undefined;
      if (n === "internal.member_2" || n === "internal.member_3")
        return " (hint: `import future.keywords.in` for `some x in xs` expressions)";
    } catch (e) {
      fatal(e);
      // no hint
    }
    return "";
  }

  /** Hint for the next error when `every` would parse with `import future.keywords.every`. */
  private everyHint(start: number): void {
    if (this.keywords.has("every")) return;
    const q = new Parser(this.tokens, this.file, new Set(FUTURE_KEYWORDS), { ...this.counter });
    q.i = start;
    try {
      q.parseEvery(q.loc());
      this.pendingHint = " (hint: `import future.keywords.every` for `every x in xs { ... }` expressions)";
    } catch (e) {
      fatal(e);
      // no hint
    }
  }

  private illegalWithHint(note: string, hint: string): never {
    try {
      this.illegal(note);
    } catch (e) {
      if (!hint || !(e instanceof RegoError) || e instanceof NestingError) throw e;
      const d = e.errors[0];
      throw new RegoError([{ ...d, message: d.message + hint }]);
    }
  }

  parseEvery(loc: Location): Expr {
    this.next();
    const term = this.parseTermInfixCall();
    if (term.type !== "call") this.illegal("expected `x[, y] in xs { ... }` expression");
    const name = opName(term.op);
    let key: Term | undefined;
    let value: Term;
    let domain: Term;
    if (name === "internal.member_2") {
      [value, domain] = term.args;
    } else if (name === "internal.member_3") {
      [key, value, domain] = term.args;
      if (key.type !== "var") this.illegal("expected key to be a variable");
    } else {
      this.illegal("expected `x[, y] in xs { ... }` expression");
    }
    if (value.type !== "var") this.illegal("expected value to be a variable");
    if (!this.is("{")) this.illegal("missing body");
    this.next();
    const body = this.parseBody("}");
    this.next();
    const kind: ExprKind = key
      ? { type: "every", key, value, domain, body }
      : { type: "every", value, domain, body };
    const expr: Expr = { kind, negated: false, with: [], loc };
    if (this.isKw("with")) expr.with = this.parseWith();
    return expr;
  }

  // ---- operators ----------------------------------------------------------

  /** A term with infix operators; `k, v in xs` allowed (not inside lists). */
  parseTermInfixCall(): Term {
    return this.parseTermIn(true);
  }
  parseTermInfixCallInList(): Term {
    return this.parseTermIn(false);
  }

  private parseTermIn(keyValAllowed: boolean): Term {
    let lhs = this.parseTermRelation();
    // as in OPA, only the first operand may start `k, v in xs`: after a membership only `in` chains
    let keyVal = keyValAllowed;
    for (;;) {
      if (keyVal && this.is(",")) {
        const s = this.save();
        this.next();
        try {
          const mhs = this.parseTermRelation();
          if (this.isKw("in")) {
            const op = memberOp("member_3", this.loc());
            this.next();
            const rhs = this.parseTermRelation();
            lhs = { type: "call", op, args: [lhs, mhs, rhs], loc: lhs.loc };
            keyVal = false;
            continue;
          }
        } catch (e) {
          fatal(e);
          // not `k, v in xs`
        }
        this.restore(s);
      }
      if (this.isKw("in")) {
        const op = memberOp("member_2", this.loc());
        this.next();
        const rhs = this.parseTermRelation();
        lhs = { type: "call", op, args: [lhs, rhs], loc: lhs.loc };
        keyVal = false;
        continue;
      }
      return lhs;
    }
  }

  /**
   * Infix operators by precedence climbing: one call per operand rather than one
   * per precedence level (the cold compile parses every operand through here).
   * Left-associative: the right operand only takes operators that bind tighter.
   */
  private parseBinary(minPrec: number): Term {
    let lhs = this.parseTerm();
    for (;;) {
      const op = BINARY_OPS.get(this.tokens[this.i].kind);
      if (op === undefined || op.prec < minPrec) return lhs;
      const opTerm: Term = { type: "var", name: op.name, loc: this.loc() };
      this.next();
      const rhs = this.parseBinary(op.prec + 1);
      lhs = { type: "call", op: opTerm, args: [lhs, rhs], loc: lhs.loc };
    }
  }

  private parseTermRelation(): Term {
    return this.parseBinary(0);
  }

  // ---- terms --------------------------------------------------------------

  parseTerm(): Term {
    const start = this.i;
    // checked outside the memo: whether `false.foo` is legal depends on where the literal starts
    const t = this.tokens[this.i];
    if (
      t.kind === "ident" &&
      SCALAR_WORDS.has(t.text) &&
      start !== this.literalStart &&
      this.kw() === undefined
    )
      this.error(`illegal ref (head cannot be ${t.text === "null" ? "null" : "boolean"})`);
    const w = this.counter.wildcard;
    const hit = this.memo[start];
    if (hit && hit.w === w) {
      if (hit.err) throw hit.err;
      this.i = hit.end;
      this.counter.wildcard = hit.endW;
      return hit.term as Term;
    }
    if (this.depth >= MAX_PARSE_DEPTH) throw new NestingError(this.loc(), MAX_PARSE_DEPTH);
    this.depth++;
    try {
      const term = this.parseTermInner();
      this.memo[start] = { w, term, end: this.i, endW: this.counter.wildcard };
      return term;
    } catch (e) {
      // failures too: backtracking over a failing nested term was also 2^depth
      if (e instanceof RegoError && !(e instanceof NestingError))
        this.memo[start] = { w, err: e, end: this.i, endW: this.counter.wildcard };
      throw e;
    } finally {
      this.depth--;
    }
  }

  private parseTermInner(): Term {
    const t = this.tokens[this.i];
    let term: Term;
    switch (t.kind) {
      case "ident": {
        const k = this.kw();
        if (k === "null") {
          term = { type: "null", loc: this.loc() };
          this.next();
        } else if (k === "true" || k === "false") {
          term = { type: "boolean", value: k === "true", loc: this.loc() };
          this.next();
        } else if (k === undefined || k === "contains") {
          // `contains` is only special in rule heads
          term = this.parseVar();
        } else this.illegal();
        break;
      }
      case "number":
      case "-":
      case ".":
        term = this.parseNumber();
        break;
      case "string":
        term = { type: "string", value: t.text, loc: this.loc() };
        this.next();
        break;
      case "template":
        term = this.parseTemplate();
        break;
      case "[":
        term = this.parseArray();
        break;
      case "{":
        term = this.parseSetOrObject();
        break;
      case "(": {
        this.next();
        term = this.parseTermInfixCall();
        if (!this.is(")")) this.error("non-terminated expression");
        this.next();
        break;
      }
      default:
        this.illegal();
    }
    return this.parseTermFinish(term);
  }

  /** Continue a term into a ref or call when `.`, `[` or `(` follows without whitespace. */
  private parseTermFinish(head: Term): Term {
    const t = this.tokens[this.i];
    if (!t.ws && (t.kind === "(" || t.kind === "." || t.kind === "[")) return this.parseRef(head);
    return rootRef(head);
  }

  parseVar(): Term {
    const t = this.next();
    const loc = this.loc(t);
    if (t.text === "_") return this.genWildcard(loc);
    return { type: "var", name: t.text, loc };
  }

  private parseNumber(): Term {
    const loc = this.loc();
    let prefix = "";
    if (this.is("-")) {
      prefix = "-";
      this.next();
      if (!this.is("number") && !this.is(".")) {
        // unary minus on a non-number term: minus(0, x), as OPA does
        const operand = this.parseTerm();
        const zero: Term = { type: "number", value: 0, raw: "0", loc };
        return { type: "call", op: { type: "var", name: "minus", loc }, args: [zero, operand], loc };
      }
    }
    if (this.is(".")) {
      prefix += ".";
      this.next();
      if (!this.is("number") || this.tokens[this.i].ws) this.illegal("expected number");
    }
    const lit = this.tokens[this.i].text;
    if (!prefix.endsWith(".") && lit.length > 1 && lit[0] === "0") {
      const isDecimal = lit[1] === ".";
      const isScientific = lit.length > 2 && (lit[1] === "e" || lit[1] === "E");
      if (!isDecimal && !isScientific) this.illegal("expected number without leading zero");
    }
    this.next();
    const raw = prefix + lit;
    return { type: "number", value: numberValue(raw), raw, loc };
  }

  private parseTemplate(): Term {
    const t = this.next();
    const loc = this.loc(t);
    const parts: (string | Term)[] = [];
    let withs: (With[] | undefined)[] | undefined;
    for (const p of t.parts ?? []) {
      if (typeof p === "string") {
        if (p.length > 0) parts.push(p);
        continue;
      }
      const sub = new Parser(p, this.file, this.keywords, this.counter);
      if (sub.is("eof")) sub.error("invalid template-string expression");
      const expr = sub.parseLiteral();
      const eloc = expr.loc;
      const k = expr.kind;
      if (expr.negated) sub.error("unexpected negation ('not') in template-string expression", eloc);
      if (k.type === "call" && opName(k.op) === "eq")
        sub.error("unexpected unification ('=') in template-string expression", eloc);
      if (k.type === "call" && opName(k.op) === "assign")
        sub.error("unexpected assignment (':=') in template-string expression", eloc);
      if (k.type === "every") sub.error("unexpected 'every' in template-string expression", eloc);
      if (k.type === "some" || k.type === "somein")
        sub.error("unexpected 'some' in template-string expression", eloc);
      if (!sub.is("eof")) sub.error("expected } to end template string expression");
      if (expr.with.length > 0) {
        withs ??= [];
        withs[parts.length] = expr.with;
      }
      if (k.type === "term") parts.push(k.term);
      else if (k.type === "call") parts.push({ type: "call", op: k.op, args: k.args, loc: eloc });
    }
    const term: Term = { type: "template", parts, loc };
    if (t.raw) term.multiLine = true;
    if (withs) term.with = withs;
    return term;
  }

  /** `wsFirst`: rule heads allow whitespace before the first `.`, `[` or `(`. */
  parseRef(head: Term, wsFirst = false): Term {
    const loc = head.loc;
    switch (head.type) {
      case "var":
      case "array":
      case "object":
      case "set":
      case "arraycompr":
      case "setcompr":
      case "objectcompr":
      case "call":
        break;
      default:
        this.error(`illegal ref (head cannot be ${valueName(head)})`, loc);
    }
    const path: Term[] = [];
    for (let first = wsFirst; ; first = false) {
      const t = this.tokens[this.i];
      if (t.ws && !first) break;
      if (t.kind === ".") {
        this.next();
        const f = this.tokens[this.i];
        if (f.ws) this.error("unexpected whitespace token: expected ident");
        if (f.kind !== "ident") this.illegal("expected ident");
        path.push({ type: "string", value: f.text, loc: this.loc(f) });
        this.next();
      } else if (t.kind === "[") {
        this.next();
        const term = this.parseTermInfixCall();
        if (!this.is("]")) this.illegal("expected ]");
        path.push(term);
        this.next();
      } else if (t.kind === "(") {
        const op: Term = path.length === 0 ? head : { type: "ref", head, path, loc };
        const call = this.parseCall(op, loc);
        const n = this.tokens[this.i];
        if (!n.ws && (n.kind === "." || n.kind === "[")) return this.parseRef(call);
        return call;
      } else break;
    }
    return path.length === 0 ? rootRef(head) : { type: "ref", head, path, loc };
  }

  private parseCall(op: Term, loc: Location): Term {
    this.next(); // (
    if (this.is(")")) {
      this.next();
      if (op.type === "var" && op.name === "set") return { type: "set", items: [], loc };
      return { type: "call", op, args: [], loc };
    }
    return { type: "call", op, args: this.parseTermList(")"), loc };
  }

  /** Items up to `end` (consumed); a trailing comma is allowed. */
  private parseTermList(end: TokenKind, items: Term[] = []): Term[] {
    if (this.is(end)) {
      this.next();
      return items;
    }
    for (;;) {
      items.push(this.parseTermInfixCallInList());
      if (this.is(end)) {
        this.next();
        return items;
      }
      if (this.is(",")) {
        this.next();
        if (this.is(end)) {
          this.next();
          return items;
        }
        continue;
      }
      this.illegal(`expected "," or "${end}"`);
    }
  }

  /** Parse a single term speculatively; undefined (state restored by caller) on error. */
  private tryTerm(): Term | undefined {
    try {
      return this.parseTerm();
    } catch (e) {
      fatal(e);
      return undefined;
    }
  }

  private parseArray(): Term {
    const loc = this.loc();
    this.next();
    if (this.is("]")) {
      this.next();
      return { type: "array", items: [], loc };
    }
    let potentialComprehension = true;
    if (this.is(",")) {
      potentialComprehension = false;
      this.next();
    }
    const s = this.save();
    // A bare term first: `[x | ...]` is a comprehension, not an `or` call.
    const head = this.tryTerm();
    if (head) {
      if (this.is("]")) {
        this.next();
        return { type: "array", items: [head], loc };
      }
      if (this.is(",")) {
        this.next();
        return { type: "array", items: this.parseTermList("]", [head]), loc };
      }
      if (this.is("|") && potentialComprehension) {
        this.next();
        try {
          const body = this.parseBody("]");
          this.next();
          return { type: "arraycompr", head, body, loc };
        } catch (e) {
          fatal(e);
          // as for sets: `[a | b, c]` is an array whose first item is an `or` call
          this.restore(s);
          try {
            return { type: "array", items: this.parseTermList("]"), loc };
          } catch (e2) {
            fatal(e2);
            throw e;
          }
        }
      }
    }
    this.restore(s);
    return { type: "array", items: this.parseTermList("]"), loc };
  }

  private parseSetOrObject(): Term {
    const loc = this.loc();
    this.next();
    if (this.is("}")) {
      this.next();
      return { type: "object", entries: [], loc };
    }
    let potentialComprehension = true;
    if (this.is(",")) {
      potentialComprehension = false;
      this.next();
    }
    const s = this.save();
    let head = this.tryTerm();
    if (head) {
      if ((this.is("|") && potentialComprehension) || this.is("}") || this.is(","))
        return this.parseSet(s, head, potentialComprehension, loc);
      if (this.is(":")) return this.parseObject(head, potentialComprehension, loc);
    }
    this.restore(s);
    head = this.parseTermInfixCallInList();
    if (this.is("}") || this.is(",")) return this.parseSet(s, head, false, loc);
    if (this.is(":")) return this.parseObject(head, potentialComprehension, loc);
    this.illegal("non-terminated set");
  }

  private parseSet(s: SavedState, head: Term, potentialComprehension: boolean, loc: Location): Term {
    if (this.is("}")) {
      this.next();
      return { type: "set", items: [head], loc };
    }
    if (this.is(",")) {
      this.next();
      return { type: "set", items: this.parseTermList("}", [head]), loc };
    }
    // `|`
    if (potentialComprehension) {
      this.next();
      try {
        const body = this.parseBody("}");
        this.next();
        return { type: "setcompr", head, body, loc };
      } catch (e) {
        fatal(e);
        // OPA falls back to a set literal (`{a | b, c}` is a set of an `or` call)
        this.restore(s);
        try {
          return { type: "set", items: this.parseTermList("}"), loc };
        } catch (e2) {
          fatal(e2);
          throw e;
        }
      }
    }
    this.restore(s);
    return { type: "set", items: this.parseTermList("}"), loc };
  }

  private parseObject(key: Term, potentialComprehension: boolean, loc: Location): Term {
    this.next(); // :
    const s = this.save();
    if (potentialComprehension) {
      const v = this.tryTerm();
      if (v) {
        // `{k: v}` / `{k: v, ...}`: no relation possible after a bare value
        if (this.is("}") || this.is(",")) return this.parseObjectFinish(key, v, true, loc);
        if (this.is("|")) {
          const ps = this.save();
          try {
            return this.parseObjectFinish(key, v, true, loc);
          } catch (e) {
            fatal(e);
            this.restore(ps);
          }
        }
      }
    }
    this.restore(s);
    const v = this.parseTermInfixCallInList();
    if (this.is("}") || this.is(",")) return this.parseObjectFinish(key, v, false, loc);
    this.illegal("non-terminated object");
  }

  private parseObjectFinish(key: Term, value: Term, potentialComprehension: boolean, loc: Location): Term {
    if (this.is("}")) {
      this.next();
      return { type: "object", entries: [[key, value]], loc };
    }
    if (this.is("|")) {
      if (!potentialComprehension) this.illegal("non-terminated object");
      this.next();
      const body = this.parseBody("}");
      this.next();
      return { type: "objectcompr", key, value, body, loc };
    }
    // `,`
    this.next();
    return { type: "object", entries: dedupeEntries(this.parsePairList([[key, value]])), loc };
  }

  private parsePairList(entries: [Term, Term][]): [Term, Term][] {
    if (this.is("}")) {
      this.next();
      return entries;
    }
    for (;;) {
      const k = this.parseTermInfixCallInList();
      if (!this.is(":")) this.illegal('expected ":"');
      this.next();
      const v = this.parseTermInfixCallInList();
      entries.push([k, v]);
      if (this.is("}")) {
        this.next();
        return entries;
      }
      if (this.is(",")) {
        this.next();
        if (this.is("}")) {
          this.next();
          return entries;
        }
        continue;
      }
      this.illegal('expected "," or "}"');
    }
  }

  // ---- rules --------------------------------------------------------------

  /**
   * Rule(s) at the current position, or undefined when the statement is not
   * rule syntax (module.ts then parses it as a body and converts it, as OPA
   * does for `p := 1` or `p[x]` without a body).
   */
  parseRules(): Rule[] | undefined {
    const ruleLoc = this.loc();
    let isDefault = false;
    if (this.isKw("default")) {
      this.next();
      isDefault = true;
    }
    if (!this.isIdent()) return undefined;
    const head = this.parseHead();
    if (!head) return undefined;

    if (isDefault) {
      this.validateDefault(head, ruleLoc);
      const rule: Rule = { head: toRuleHead(head), body: [trueExpr(ruleLoc)], isDefault: true, loc: ruleLoc };
      this.flags.set(rule, { hasIf: false, hasContains: false, generatedBody: false, generatedValue: false });
      return [rule];
    }

    const hasIf = this.isKw("if");
    if (hasIf && !head.contains && head.ref.length === 2) {
      // `p[x] if ...` is a single-value rule p[x] (true unless a value is given)
      const v = head.ref[1];
      if ((!isGround(v) || v.type === "ref") && !head.args) head.key = v;
      if (!head.value) {
        head.generatedValue = true;
        head.value = { type: "boolean", value: true, loc: head.loc };
      } else if (head.ref[0].type === "var") head.name = head.ref[0].name;
    }
    if (!hasIf && !head.contains && !head.args && head.ref.length === 2) {
      // v0 `p[x] { ... }` is a multi-value (set) rule; `p[k] = v { ... }` an object rule
      head.key = head.ref[1];
      if (head.ref[0].type === "var") head.name = head.ref[0].name;
      if (!head.value) head.ref = head.ref.slice(0, 1);
    }

    let body: Body;
    if (hasIf) {
      this.next();
      const s = this.save();
      let expr: Expr | undefined;
      try {
        expr = this.parseLiteral();
        // `p if { true }` is a body, not a set literal (sets are never false); `if not {1}` is a literal
        if (expr.kind.type === "term" && expr.kind.term.type === "set" && this.tokens[s.i].kind === "{")
          expr = undefined;
      } catch (e) {
        expr = undefined;
        fatal(e);
        this.restore(s);
        if (!this.is("{")) throw e;
      }
      if (expr) body = [expr];
      else {
        this.restore(s);
        this.next();
        body = this.parseBody("}");
        this.next();
      }
    } else if (this.is("{")) {
      this.next();
      body = this.parseBody("}");
      this.next();
    } else if (head.contains) {
      const rule: Rule = {
        head: toRuleHead(head),
        body: [trueExpr(head.loc)],
        isDefault: false,
        loc: head.loc,
      };
      this.flags.set(rule, { hasIf: false, hasContains: true, generatedBody: true, generatedValue: false });
      return [rule];
    } else return undefined;

    const rule: Rule = { head: toRuleHead(head), body, isDefault: false, loc: ruleLoc };
    const flags: RuleFlags = {
      hasIf,
      hasContains: head.contains,
      generatedBody: false,
      generatedValue: head.generatedValue,
    };
    this.flags.set(rule, flags);

    if (this.isKw("else")) {
      if (!head.ref.slice(1).every(isGround))
        this.error("else keyword cannot be used on rules with variables in head");
      if (head.key) this.error("else keyword cannot be used on multi-value rules");
      rule.else = this.parseElse(head, hasIf);
    }

    const rules = [rule];
    // `p { a } { b }`: more bodies for the same head (each its own rule)
    while (this.is("{")) {
      if (rule.else) this.error("expected else keyword");
      const loc = this.loc();
      this.next();
      const b = this.parseBody("}");
      this.next();
      const next: Rule = { head: this.copyHead(head, loc), body: b, isDefault: false, loc };
      this.flags.set(next, { ...flags });
      rules.push(next);
    }
    return rules;
  }

  /** A head copy for chained bodies / else branches, with fresh wildcard args. */
  private copyHead(head: HeadInfo, loc: Location): RuleHead {
    const h = toRuleHead(head);
    h.loc = loc;
    if (h.args) h.args = h.args.map((a) => (a.type === "var" && a.wildcard ? this.genWildcard(a.loc) : a));
    return h;
  }

  private parseElse(head: HeadInfo, hadIf: boolean): Rule {
    const loc = this.loc();
    this.next(); // else
    const h = this.copyHead(head, loc);
    let generatedValue = false;
    if (this.is("{") || this.isKw("if")) {
      generatedValue = true;
      h.value = { type: "boolean", value: true, loc };
    } else if (this.is(":=") || this.is("=")) {
      h.assign = this.is(":=");
      this.next();
      h.value = this.parseTermInfixCall();
    } else this.illegal("expected else value term or rule body");

    const rule: Rule = { head: h, body: [], isDefault: false, loc };
    const hasIf = this.isKw("if");
    if (!hasIf && !this.is("{")) {
      rule.body = [trueExpr(loc)];
      this.flags.set(rule, { hasIf: hadIf, hasContains: false, generatedBody: true, generatedValue });
      return rule;
    }
    if (hasIf) this.next();
    if (this.is("{")) {
      this.next();
      rule.body = this.parseBody("}");
      this.next();
    } else if (!this.is("eof")) {
      rule.body = [this.parseLiteral()];
    } else this.illegal("rule body expected");
    // each else branch needs its own `if` in v1 (OPA does not copy the keyword)
    this.flags.set(rule, { hasIf, hasContains: false, generatedBody: false, generatedValue });
    if (this.isKw("else")) rule.else = this.parseElse(head, hadIf);
    return rule;
  }

  private parseHead(): HeadInfo | undefined {
    const loc = this.loc();
    const first = this.parseVar();
    const t = this.tokens[this.i];
    if (HEAD_ILLEGAL.has(t.kind)) this.illegal();
    let term: Term;
    if (t.kind === "(" || t.kind === "." || t.kind === "[") term = this.parseRef(first, true);
    else term = rootRef(first);

    const head: HeadInfo = { ref: [], assign: false, generatedValue: false, contains: false, loc };
    if (term.type === "var") head.ref = [term];
    else if (term.type === "ref") {
      if (term.head.type !== "var") return undefined;
      head.ref = [term.head, ...term.path];
    } else if (term.type === "call") {
      const op = term.op;
      if (op.type === "var") head.ref = [op];
      else if (op.type === "ref") {
        if (op.head.type !== "var") this.illegal(`rule head ref ${termString(op)} invalid`);
        head.ref = [op.head, ...op.path];
      } else return undefined;
      head.args = term.args;
    } else return undefined;

    if (this.isKw("contains")) {
      if (head.args) {
        const name = termString({ type: "ref", head: head.ref[0], path: head.ref.slice(1), loc });
        this.illegal(
          `the contains keyword can only be used with multi-value rule definitions (e.g., ${name} contains <VALUE> { ... })`,
        );
      }
      this.next();
      head.key = this.parseTermInfixCall();
      head.contains = true;
      return head;
    }
    if (this.is("=") || this.is(":=")) {
      head.assign = this.is(":=");
      this.next();
      head.value = this.parseTermInfixCall();
    }
    if (!head.value && !head.key && (head.ref.length !== 2 || head.args)) {
      head.generatedValue = true;
      head.value = { type: "boolean", value: true, loc };
    }
    return head;
  }

  private validateDefault(head: HeadInfo, loc: Location): void {
    if (!head.value) this.error("illegal default rule (must have a value)", loc);
    const bad = findNonConstant(head.value);
    if (bad) this.error(`illegal default rule (value cannot contain ${bad})`, loc);
    if (head.args) {
      const seen = new Set<string>();
      for (let i = 0; i < head.args.length; i++) {
        const a = head.args[i];
        if (a.type !== "var")
          this.error(`illegal default rule (arguments cannot contain ${valueName(a)})`, loc);
        if (!a.wildcard && seen.has(a.name))
          this.error(`illegal default rule (arguments cannot be repeated ${a.name})`, loc);
        seen.add(a.name);
      }
    }
  }
}
