/**
 * Module-level parsing: package, imports (which switch future keywords on),
 * rules, the conversion of bodiless statements into rules, and the Rego v1
 * checks OPA applies at parse time (`if` / `contains` required, ...).
 */
import type { Expr, Import, Location, Module, Rule, Term } from "../ast.ts";
import { RegoError, type RegoErrorDetail } from "../errors.ts";
import { attachAnnotations } from "./annotations.ts";
import { BASE_KEYWORDS, EXPERIMENTAL_KEYWORDS, FUTURE_KEYWORDS } from "./keywords.ts";
import { lex } from "./lexer.ts";
import { checkDepth, MAX_AST_DEPTH } from "./limits.ts";
import { termToJSON } from "./opa-json.ts";
import { opName, termString, toRuleHead, trueExpr, valueName } from "./parse-helpers.ts";
import { Parser, type RuleFlags } from "./parser.ts";

/** Operators that cannot name a rule (`x == 1` at top level is not a rule). */
const OPERATOR_NAMES = new Set([
  "equal",
  "neq",
  "lt",
  "lte",
  "gt",
  "gte",
  "plus",
  "minus",
  "mul",
  "div",
  "rem",
  "and",
  "or",
  "internal.member_2",
  "internal.member_3",
]);

const ALL_KEYWORDS = new Set([...BASE_KEYWORDS, ...FUTURE_KEYWORDS]);

export function parseModuleSource(source: string, file: string, regoVersion: 0 | 1): Module {
  const { tokens, comments } = lex(source, file);
  const p = new Parser(tokens, file, new Set(regoVersion === 1 ? FUTURE_KEYWORDS : []));
  if (p.is("eof"))
    throw new RegoError([
      { code: "rego_parse_error", message: "empty module", location: { file, row: 1, col: 1 } },
    ]);
  if (!p.isKw("package")) p.error("package expected");
  const { path, loc: packageLoc } = parsePackage(p);

  const mod: Module = {
    package: path,
    packageLoc,
    imports: [],
    rules: [],
    regoVersion,
    file,
    comments,
  };
  let v1 = regoVersion === 1;
  const statementRows: { row: number; rule?: Rule }[] = [{ row: packageLoc.row }];
  const errors: RegoErrorDetail[] = [];

  while (!p.is("eof")) {
    if (p.isKw("package")) {
      const loc = p.loc();
      parsePackage(p);
      errors.push({ code: "rego_parse_error", message: "unexpected package", location: loc });
      continue;
    }
    if (p.isKw("import") && (p.tokens[p.i + 1].kind === ":=" || p.tokens[p.i + 1].kind === "="))
      p.error("import keyword cannot be used for rule name");
    if (p.isKw("import")) {
      const imp = parseImport(p, regoVersion);
      const root = importRoot(imp.path);
      if (root === "rego" && regoVersion === 0) {
        for (let j = 0; j < FUTURE_KEYWORDS.length; j++) {
          const k = FUTURE_KEYWORDS[j];
          p.keywords.add(k);
        }
        v1 = true;
      }
      mod.imports.push(imp);
      statementRows.push({ row: imp.loc.row });
      continue;
    }
    const kw = p.kw();
    if (
      kw !== undefined &&
      kw !== "default" &&
      kw !== "with" &&
      (p.tokens[p.i + 1].kind === ":=" || p.tokens[p.i + 1].kind === "=")
    )
      p.error(
        kw === "true" || kw === "false"
          ? "boolean cannot be used for rule name"
          : kw === "null"
            ? "null cannot be used for rule name"
            : `${kw} keyword cannot be used for rule name`,
      );
    const s = p.save();
    const rules = p.parseRules();
    if (rules) {
      for (let j = 0; j < rules.length; j++) {
        const r = rules[j];
        mod.rules.push(r);
        statementRows.push({ row: r.loc.row, rule: r });
      }
      continue;
    }
    p.restore(s);
    const body = p.parseQuery(true, "eof");
    try {
      const rule = ruleFromBody(body, p);
      mod.rules.push(rule);
      statementRows.push({ row: rule.loc.row, rule });
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      errors.push(...e.errors.map((d) => ({ ...d, message: d.message + futureRuleHint(p) })));
    }
  }

  if (v1) {
    for (let j = 0; j < mod.rules.length; j++) {
      const rule = mod.rules[j];
      for (let r: Rule | undefined = rule; r; r = r.else) errors.push(...checkV1(r, p.flags.get(r)));
    }
    mod.regoVersion = 1;
  }
  if (errors.length > 0) throw new RegoError(errors);
  checkDepth(mod.rules, MAX_AST_DEPTH, source.length);
  attachAnnotations(mod, statementRows, parseRefTerm, termToJSON);
  return mod;
}

/** OPA hints at the import when `p if ...` / `p contains x` fail in a v0 module without it. */
function futureRuleHint(p: Parser): string {
  const t = p.tok;
  if (t.kind !== "ident" || p.keywords.has(t.text)) return "";
  if (t.text === "if") return " (hint: `import future.keywords.if` for `p if { ... }` rules)";
  if (t.text === "contains") return " (hint: `import future.keywords.contains` for `p contains x` rules)";
  return "";
}

/** A term such as `input.x` in an annotation's `schemas`. */
function parseRefTerm(src: string): Term {
  const p = new Parser(lex(src, "").tokens, "", new Set(FUTURE_KEYWORDS));
  const t = p.parseTerm();
  if (!p.is("eof")) p.illegal();
  return t;
}

function parsePackage(p: Parser): { path: string[]; loc: Location } {
  const loc = p.loc();
  p.next();
  const t = p.tok;
  if (t.kind !== "ident") p.illegal();
  const term = p.parseTerm();
  const path: string[] = [];
  if (term.type === "var") path.push(term.name);
  else if (term.type === "ref" && term.head.type === "var") {
    path.push(term.head.name);
    for (let i = 0; i < term.path.length; i++) {
      const x = term.path[i];
      if (x.type !== "string") p.error(`unexpected ${valueName(x)} token: expecting string`, x.loc);
      path.push(x.value);
    }
  } else p.error(`unexpected ${valueName(term)} token: expecting var`, term.loc);
  return { path, loc };
}

function importRoot(path: Term): string {
  return path.type === "ref" && path.head.type === "var"
    ? path.head.name
    : path.type === "var"
      ? path.name
      : "";
}

function parseImport(p: Parser, regoVersion: 0 | 1): Import {
  const loc = p.loc();
  p.next();
  if (p.tok.kind !== "ident") p.illegal();
  // the path is parsed with no future keywords, so `future.keywords.in` is a plain ref
  const saved = [...p.keywords];
  p.keywords.clear();
  let term: Term;
  try {
    term = p.parseTerm();
  } finally {
    for (let i = 0; i < saved.length; i++) {
      const k = saved[i];
      p.keywords.add(k);
    }
  }
  let path: Term;
  if (term.type === "var") path = { type: "ref", head: term, path: [], loc: term.loc };
  else if (term.type === "ref") {
    for (let i = 0; i < term.path.length; i++) {
      const x = term.path[i];
      if (x.type !== "string") p.error(`unexpected ${valueName(x)} token: expecting string`, x.loc);
    }
    path = term;
  } else p.error("expected path", loc);
  const root = importRoot(path);
  if (!["data", "input", "future", "rego"].includes(root)) {
    p.error(
      `unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root || termString(path)} (hint: if this is unexpected, try updating OPA)`,
      path.loc,
    );
  }
  const imp: Import = { path, loc };
  if (p.isKw("as")) {
    p.next();
    if (!p.isIdent()) p.illegal("expected var");
    const alias = p.parseTerm();
    if (alias.type !== "var") p.illegal("expected var");
    imp.alias = alias.name;
  }
  const segs = path.type === "ref" ? path.path : [];
  if (root === "future") {
    if (segs.length === 0 || segs[0].type !== "string" || segs[0].value !== "keywords")
      p.error("invalid import, must be `future.keywords`", path.loc);
    if (imp.alias) p.error("`future` imports cannot be aliased", path.loc);
    if (segs.length > 2)
      p.error("invalid import, must be `future.keywords.x`, e.g. `import future.keywords.in`", path.loc);
    if (segs.length === 2) {
      const k = (segs[1] as { value: string }).value;
      if (!FUTURE_KEYWORDS.includes(k) && !EXPERIMENTAL_KEYWORDS.includes(k))
        p.error(
          `unexpected keyword, must be one of [${[...FUTURE_KEYWORDS, ...EXPERIMENTAL_KEYWORDS].sort().join(" ")}]`,
          path.loc,
        );
      p.keywords.add(k);
      // `every x in xs` needs `in`, so importing `every` enables both (as OPA does)
      if (k === "every") p.keywords.add("in");
    } else {
      for (let i = 0; i < FUTURE_KEYWORDS.length; i++) {
        const k = FUTURE_KEYWORDS[i];
        p.keywords.add(k);
      }
      // all of future.keywords includes `not`: `not { … }` then holds a body (OPA's not-bodies)
      p.keywords.add("not");
    }
    return imp;
  }
  if (root === "rego") {
    // OPA only validates the `rego.v1` import when it matters, in v0 modules
    if (regoVersion === 0 && (segs.length !== 1 || segs[0].type !== "string" || segs[0].value !== "v1"))
      p.error(`invalid import \`${termString(path)}\`, must be \`rego.v1\``, path.loc);
    if (regoVersion === 0 && imp.alias) p.error("`rego` imports cannot be aliased", path.loc);
    return imp;
  }
  if (!imp.alias) {
    const last = segs.length === 0 ? root : (segs[segs.length - 1] as { value: string }).value;
    const kws =
      regoVersion === 1
        ? ALL_KEYWORDS
        : new Set([...ALL_KEYWORDS].filter((k) => !FUTURE_KEYWORDS.includes(k) || p.keywords.has(k)));
    if (kws.has(last))
      p.error(
        `unexpected import path, must not end with a keyword, got: ${last} (hint: import a different path or use an alias)`,
        segs.length ? segs[segs.length - 1].loc : path.loc,
      );
  }
  return imp;
}

function fail(message: string, loc: Location): never {
  throw new RegoError([{ code: "rego_parse_error", message, location: loc }]);
}

/** OPA's ParseRuleFromBody: `p := 1`, `p[x] = y`, `f(x) = y`, `a.b.c`, `p[x]` without a body. */
function ruleFromBody(body: Expr[], p: Parser): Rule {
  const expr = body[0];
  if (body.length !== 1) fail("multiple expressions cannot be used for rule head", expr.loc);
  const loc = expr.loc;
  if (expr.with.length > 0) fail("expressions using with keyword cannot be used for rule head", loc);
  if (expr.negated) fail("negated expressions cannot be used for rule head", loc);
  const k = expr.kind;
  const flags: RuleFlags = { hasIf: false, hasContains: false, generatedBody: true, generatedValue: false };
  const make = (head: Parameters<typeof toRuleHead>[0]): Rule => {
    const rule: Rule = { head: toRuleHead(head), body: [trueExpr(loc)], isDefault: false, loc };
    p.flags.set(rule, flags);
    return rule;
  };
  const base = { assign: false, generatedValue: false, contains: false, loc };
  if (k.type === "some" || k.type === "somein") fail("'some' declarations cannot be used for rule head", loc);
  if (k.type === "every") fail("expression cannot be used for rule head", loc);
  if (k.type === "term") {
    const t = k.term;
    if (t.type !== "ref") fail(`${valueName(t)} cannot be used for rule name`, loc);
    if (t.head.type !== "var") fail(`invalid rule head: ${termString(t)}`, loc);
    const ref = [t.head, ...t.path];
    if (ref.length > 2) {
      flags.generatedValue = true;
      return make({ ...base, ref, value: { type: "boolean", value: true, loc }, generatedValue: true });
    }
    if (ref.length === 1) fail("refs cannot be used for rule head", loc);
    return make({ ...base, ref: [ref[0]], key: ref[1] });
  }
  if (k.type !== "call") fail("expression cannot be used for rule head", loc);
  const name = opName(k.op);
  if (name === "eq" || name === "assign") {
    const [lhs, rhs] = k.args;
    const assign = name === "assign";
    if (lhs.type === "call") {
      const op = lhs.op;
      const ref = op.type === "var" ? [op] : op.type === "ref" ? [op.head, ...op.path] : undefined;
      if (!ref) fail(`${valueName(op)}s cannot be used in function signature`, loc);
      if (ref[0].type !== "var") fail(`invalid rule head: ${termString(op)}`, loc);
      return make({ ...base, assign, ref, value: rhs, args: lhs.args });
    }
    if (lhs.type === "ref") {
      if (lhs.head.type !== "var") fail(`invalid rule head: ${termString(lhs)}`, loc);
      const ref = [lhs.head, ...lhs.path];
      if (ref.length === 2)
        return make({ ...base, assign, ref, key: ref[1], value: rhs, name: lhs.head.name });
      return make({ ...base, assign, ref, value: rhs });
    }
    if (lhs.type === "var") return make({ ...base, assign, ref: [lhs], value: rhs });
    fail(`${valueName(lhs)} cannot be used for rule name`, loc);
  }
  if (name !== undefined && OPERATOR_NAMES.has(name)) fail("rule name conflicts with built-in function", loc);
  if (k.args.length === 0) fail("rule argument list must take at least one argument", loc);
  const op = k.op;
  const ref = op.type === "var" ? [op] : op.type === "ref" ? [op.head, ...op.path] : [op];
  if (ref[0].type !== "var") fail(`invalid rule head: ${termString(op)}`, loc);
  flags.generatedValue = true;
  return make({
    ...base,
    ref,
    value: { type: "boolean", value: true, loc },
    args: k.args,
    generatedValue: true,
  });
}

function checkV1(rule: Rule, flags: RuleFlags | undefined): RegoErrorDetail[] {
  const out: RegoErrorDetail[] = [];
  const err = (message: string): void => {
    out.push({ code: "rego_parse_error", message, location: rule.loc });
  };
  const t = rule.head.kind === "function" ? "function" : "rule";
  const r0 = rule.head.ref[0];
  if (
    rule.head.ref.length === 1 &&
    rule.head.kind !== "object" &&
    r0.type === "string" &&
    ALL_KEYWORDS.has(r0.value)
  )
    err(`${r0.value} keyword cannot be used for rule name`);
  if (!flags) return out;
  if (flags.generatedBody && flags.generatedValue)
    err(`${t} must have value assignment and/or body declaration`);
  if (!flags.generatedBody && !flags.hasIf && !rule.isDefault)
    err(`\`if\` keyword is required before ${t} body`);
  if (rule.head.kind === "set" && !flags.hasContains)
    err("`contains` keyword is required for partial set rules");
  return out;
}
