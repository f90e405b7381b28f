/**
 * Name resolution: AST bodies → IR. Locals become frame slots (one frame per
 * rule/query), rule names and imports become fully-qualified `data` refs,
 * calls name their builtin or user function.
 */
import type { Body, Expr, Location, Term } from "../ast.ts";
import type { RegoErrorDetail } from "../errors.ts";
import { withText } from "../numtext.ts";
import { makeObject, RSet, type Value } from "../value.ts";
import { hoistCalls, hoistNegated } from "./dynamics.ts";
import type { FnRef, IRBody, IRExpr, IRTerm, IRWith } from "./ir.ts";

/** What the resolver needs to know about the world outside one rule. */
export interface ResolveEnv {
  /** package path below data, e.g. ["a","b"] */
  pkg: string[];
  /** names defined as rules in the package (first head ref component) */
  ruleNames: Set<string>;
  /** import alias → ref below its root */
  imports: Map<string, { root: "data" | "input"; path: string[]; alias?: string }>;
  /** user function dotted paths ("a.b.f") → arity */
  functions: Map<string, number>;
  /** rules declared `f() = v`: plain rules that may also be called as `f()` */
  zeroArg?: Set<string>;
  /** complete rules by path (calling one is an arity error, as in OPA) */
  completeRules?: Set<string>;
  /** builtin name → arity */
  builtinArity: (name: string) => number | undefined;
  errors: RegoErrorDetail[];
  /** `with data.…` targets seen, checked against the rule tree once it is built */
  dataWithTargets?: { path: string[]; loc: Location }[];
  /** the module's Rego version: v1 rejects deprecated builtins */
  regoVersion?: 0 | 1;
  /** OPA's strict mode: v1's checks (deprecated builtins, input/data shadowing) in v0 modules too */
  strict?: boolean;
  /** annotations in scope of the rule being resolved (rego.metadata.*), computed when a call asks */
  /** Whether some v0 module of the policy calls a deprecated builtin (computed when first asked). */
  deprecatedInV0?: () => boolean;
  /** deprecated-builtin errors: OPA reports them with the type checker's, after safety and recursion */
  deprecated?: RegoErrorDetail[];
  meta?: () => { rule: Value; chain: Value };
}

/** Builtins Rego v1 refuses (OPA's capabilities mark them deprecated). */
const DEPRECATED = new Set([
  "all",
  "any",
  "cast_array",
  "cast_boolean",
  "cast_null",
  "cast_object",
  "cast_set",
  "cast_string",
  "net.cidr_overlap",
  "re_match",
  "set_diff",
]);

class Scope {
  readonly names = new Map<string, IRTerm & { t: "local" }>();
  /** names declared explicitly (some / :=) in this scope */
  readonly declared = new Set<string>();
  readonly parent: Scope | undefined;
  constructor(parent?: Scope) {
    this.parent = parent;
  }
  within(s: Scope): boolean {
    for (let x: Scope | undefined = this; x; x = x.parent) if (x === s) return true;
    return false;
  }
  lookup(name: string): (IRTerm & { t: "local" }) | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.names.get(name);
      if (v) return v;
    }
    return undefined;
  }
}

/** Resolves the terms and bodies of one rule (or query), allocating slots in one frame. */
export class RuleResolver {
  nslots = 0;
  readonly slotNames: string[] = [];
  /** safety errors found while resolving, reported with the safety stage's (after the earlier stages passed) */
  readonly unsafe: RegoErrorDetail[] = [];
  private readonly owner: Scope[] = [];
  private readonly env: ResolveEnv;
  readonly top: Scope;

  constructor(env: ResolveEnv) {
    this.env = env;
    this.top = new Scope();
  }

  newSlot(name: string, scope: Scope, wildcard?: boolean): IRTerm & { t: "local" } {
    const slot = this.nslots++;
    this.slotNames.push(name);
    this.owner.push(scope);
    return wildcard ? { t: "local", slot, name, wildcard: true } : { t: "local", slot, name };
  }

  private err(
    message: string,
    loc: Location | undefined,
    code: RegoErrorDetail["code"] = "rego_compile_error",
  ): void {
    this.env.errors.push({ code, message, location: loc });
  }

  private isGlobalName(name: string): boolean {
    return name === "input" || name === "data" || this.env.imports.has(name) || this.env.ruleNames.has(name);
  }

  /** Declare function args (all vars in the arg terms) in the top scope. */
  /** function arg vars (calls through them are undefined functions, not shadowed ones) */
  readonly argNames = new Set<string>();

  declareArgs(args: Term[]): void {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      this.declareVarsIn(a, this.top, true);
      visitPatternVars(a, (v) => this.argNames.add(v.name));
    }
  }

  private markDeclared(scope: Scope, name: string): void {
    scope.declared.add(name);
    const v = scope.names.get(name);
    if (v) v.declared = true;
  }

  private declareVarsIn(t: Term, scope: Scope, explicit: boolean): void {
    visitPatternVars(t, (v) => {
      if (v.wildcard) return;
      if (!scope.names.has(v.name)) scope.names.set(v.name, this.newSlot(v.name, scope));
      if (explicit) this.markDeclared(scope, v.name);
    });
  }

  /**
   * Pre-scan a body (plus extra terms, e.g. the rule head) so implicit vars
   * belong to the scope they first appear in, even when a nested closure
   * mentions them earlier than the outer body does.
   */
  prescan(scope: Scope, body: Body, extra: Term[]): void {
    const declare = (name: string) => {
      if (!scope.names.has(name)) scope.names.set(name, this.newSlot(name, scope));
      this.markDeclared(scope, name);
    };
    // one closure per body, not per expression: this runs cold over every body
    const declarePattern = (v: Term & { type: "var" }) => !v.wildcard && declare(v.name);
    for (let j = 0; j < body.length; j++) {
      const e = body[j];
      const k = e.kind;
      if (k.type === "some")
        for (let i = 0; i < k.vars.length; i++) {
          const v = k.vars[i];
          if (v.type === "var" && !v.wildcard) declare(v.name);
        }
      if (k.type === "somein") {
        if (k.key) visitPatternVars(k.key, declarePattern);
        visitPatternVars(k.value, declarePattern);
      }
      if (k.type === "call" && opName(k.op) === "assign" && k.args[0])
        visitPatternVars(k.args[0], declarePattern);
    }
    const implicit = (name: string) => {
      if (scope.names.has(name) || scope.lookup(name) || this.isGlobalName(name)) return;
      scope.names.set(name, this.newSlot(name, scope));
    };
    const isFn = (t: Term) => this.namesFunction(t, scope);
    for (let i = 0; i < body.length; i++) {
      const e = body[i];
      visitExprVars(e, implicit, isFn);
    }
    for (let i = 0; i < extra.length; i++) {
      const t = extra[i];
      visitTermVars(t, implicit);
    }
  }

  resolveBody(body: Body, scope: Scope): IRBody {
    this.checkUnusedSome(body);
    const out: IRBody = [];
    const assigned = new Set<string>();
    // vars this body used so far: declaring one with := afterwards (or in its own right side) is OPA's "referenced above"
    const seen = new Set<string>();
    const isFn = (t: Term) => this.namesFunction(t, scope);
    const see = (n: string) => seen.add(n);
    const alloc = () => this.newSlot("$h", scope);
    for (let j = 0; j < body.length; j++) {
      const e = body[j];
      const k = e.kind;
      if (k.type === "call" && opName(k.op) === "assign" && k.args.length === 2) {
        visitTermVars(k.args[1], see);
        // its `with` values are read before the assignment too
        for (let i = 0; i < e.with.length; i++) {
          const w = e.with[i];
          if (!isFn(w.value)) visitTermVars(w.value, see);
        }
        visitPatternVars(k.args[0], (v) => {
          // an earlier := of the same name is "assigned above", reported by resolveExpr
          if (!v.wildcard && seen.has(v.name) && !assigned.has(v.name))
            this.err(`var ${v.name} referenced above`, v.loc);
        });
      }
      visitExprVars(e, see, isFn);
      // OPA hoists a `with` value's calls before dropping a metadata call's `with`: they still run
      if (e.with.length && metadataCallExpr(e))
        for (let i = 0; i < e.with.length; i++) {
          const w = e.with[i];
          for (const c of outerCalls(w.value)) {
            const wild: Term = { type: "var", name: "_", loc: w.loc, generated: true, wildcard: true };
            const eq: Term = { type: "var", name: "eq", loc: w.loc };
            const call: Expr = {
              kind: { type: "call", op: eq, args: [wild, c] },
              negated: false,
              with: [],
              loc: w.loc,
            };
            const h = this.resolveExpr(call, scope, assigned);
            if (h) {
              pushAll(out, hoistCalls(h, alloc));
              out.push(h);
            }
          }
        }
      const r = this.resolveExpr(e, scope, assigned);
      if (!r) continue;
      if (r.negated && metadataCallInClosure(e)) r.negOwnVars = true;
      pushAll(out, r.negated ? hoistNegated(r, alloc) : hoistCalls(r, alloc));
      out.push(r);
    }
    return out;
  }

  /** `some x` whose x is never used in the body: OPA's "declared var x unused". */
  private checkUnusedSome(body: Body): void {
    for (let k = 0; k < body.length; k++) {
      const e = body[k];
      if (e.kind.type !== "some") continue;
      for (let j = 0; j < e.kind.vars.length; j++) {
        const v = e.kind.vars[j];
        if (v.type !== "var") continue;
        let used = false;
        for (let i = 0; i < body.length; i++) {
          const o = body[i];
          if (o === e) continue;
          visitExprVarsDeep(o, (n) => {
            if (n === v.name) used = true;
          });
        }
        if (!used && !this.headVars.has(v.name)) this.err(`declared var ${v.name} unused`, v.loc);
      }
    }
  }

  /**
   * OPA moves a comprehension head needing evaluation into the body and, like a
   * rule's, takes a body that is a lone `true` as empty even when negated or
   * under `with`: `[input.x | not true]` collects input.x.
   */
  private comprBody(body: Body, head: Term[], scope: Scope): Body {
    const lone = body.length === 1 ? body[0] : undefined;
    if (
      lone?.kind.type === "term" &&
      lone.kind.term.type === "boolean" &&
      lone.kind.term.value === true &&
      (lone.negated || lone.with.length) &&
      !lone.with.some((w) => hasCall(w.value)) &&
      head.some((t) => this.needsEval(t, scope))
    )
      return [{ ...lone, negated: false, with: [] }];
    return body;
  }

  /** A term OPA evaluates in the body: refs, calls, closures, rules and other globals. */
  private needsEval(t: Term, scope: Scope): boolean {
    switch (t.type) {
      case "var":
        return !scope.lookup(t.name) && this.isGlobalName(t.name);
      case "array":
      case "set":
        return t.items.some((x) => this.needsEval(x, scope));
      case "object":
        return t.entries.some(([k, v]) => this.needsEval(k, scope) || this.needsEval(v, scope));
      case "ref":
      case "call":
      case "arraycompr":
      case "setcompr":
      case "objectcompr":
      case "template":
        return true;
      default:
        return false;
    }
  }

  /** `every k, v in xs { … }` whose k or v the body never uses: OPA's "declared var v unused" (not only in strict mode). */
  private checkUnusedEveryVars(k: Expr["kind"] & { type: "every" }, loc: Location): void {
    const used = new Set<string>();
    const visit = (body: Body, shadowed: Set<string>): void => {
      const use = (n: string) => {
        if (!shadowed.has(n)) used.add(n);
      };
      for (let j = 0; j < body.length; j++) {
        const x = body[j];
        // a nested every's own declarations are not uses, and hide the names they declare
        if (x.kind.type === "every") {
          visitTermVarsDeep(x.kind.domain, use);
          for (let i = 0; i < x.with.length; i++) {
            const w = x.with[i];
            visitTermVarsDeep(w.value, use);
          }
          const own = [x.kind.key, x.kind.value].flatMap((d) => (d?.type === "var" ? [d.name] : []));
          visit(x.kind.body, new Set([...shadowed, ...own]));
        } else visitExprVarsDeep(x, use);
      }
    };
    visit(k.body, new Set());
    for (const v of [k.key, k.value])
      if (v?.type === "var" && !v.wildcard && !used.has(v.name))
        this.err(`declared var ${v.name} unused`, k.body[0]?.loc ?? loc);
  }

  /** names declared by `some x` (to word a later redeclaration as OPA does) */
  private readonly someVars = new Set<string>();

  /** How many `every` bodies the resolver is inside. */
  private everyDepth = 0;

  /** names used in the rule head (set by the compiler before resolving the body) */
  headVars = new Set<string>();

  /** whether the builtin `print` was resolved: only then can the print-call check find anything */
  usesPrint = false;

  private resolveExpr(expr: Expr, scope: Scope, assigned: Set<string>): IRExpr | undefined {
    const e = metadataCallExpr(expr) ?? expr;
    const k = e.kind;
    const withs = e.with.map((w) => this.resolveWith(w.target, w.value, w.loc, scope));
    const mk = (x: IRExpr["e"]): IRExpr => ({ e: x, negated: e.negated, with: withs, loc: e.loc });
    switch (k.type) {
      case "some":
        // `some x` then `x := …` or `some x in …` in the same body: OPA's "var x declared above"
        for (let i = 0; i < k.vars.length; i++) {
          const v = k.vars[i];
          if (v.type === "var" && !v.wildcard) {
            assigned.add(v.name);
            this.someVars.add(v.name);
          }
        }
        return mk({ k: "true" });
      case "somein": {
        for (const t of k.key ? [k.key, k.value] : [k.value])
          visitPatternVars(t, (v) => {
            if (v.wildcard) return;
            if (assigned.has(v.name))
              this.err(`var ${v.name} ${this.someVars.has(v.name) ? "declared" : "assigned"} above`, v.loc);
            assigned.add(v.name);
          });
        return mk({
          k: "somein",
          key: k.key ? this.term(k.key, scope) : undefined,
          value: this.term(k.value, scope),
          coll: this.term(k.collection, scope),
        });
      }
      case "every": {
        const inner = new Scope(scope);
        const key = k.key ? this.declaredPattern(k.key, inner) : undefined;
        const value = this.declaredPattern(k.value, inner);
        const dom = this.term(k.domain, scope);
        this.prescan(inner, k.body, []);
        this.checkUnusedEveryVars(k, e.loc);
        this.everyDepth++;
        let body: IRBody;
        try {
          body = this.resolveBody(k.body, inner);
        } finally {
          this.everyDepth--;
        }
        const ev = { k: "every" as const, key, value, dom, body, free: [] as number[] };
        ev.free = this.freeSlots(inner, () => {
          const acc: number[] = [];
          for (let i = 0; i < body.length; i++) {
            const x = body[i];
            exprSlots(x, acc);
          }
          return acc;
        });
        return mk(ev);
      }
      case "term": {
        const t = k.term;
        if (t.type === "call") return this.resolveCallExpr(t.op, t.args, e, scope, assigned, mk);
        return mk({ k: "term", t: this.term(t, scope) });
      }
      case "call":
        return this.resolveCallExpr(k.op, k.args, e, scope, assigned, mk);
      case "and":
      case "or": {
        const left = this.closureBody(k.left, scope);
        const right = this.closureBody(k.right, scope);
        return mk({
          k: "logic",
          op: k.type,
          left: left.body,
          right: right.body,
          free: [...new Set([...left.free, ...right.free])],
        });
      }
      case "not": {
        // OPA 1.22 leaves a rego.metadata call nested in `not e`'s implicit body un-rewritten: its
        // generated output var is unsafe (`not { ... }` and a bare `not rego.metadata.rule()` are fine)
        if (k.implicit && k.body.some(nestedMetadataCall))
          this.err("expression is unsafe", e.loc, "rego_unsafe_var_error");
        const b = this.closureBody(k.body, scope);
        if (k.implicit) this.unsafeInImplicitNot(b.body, b.inner, e.loc);
        return mk({ k: "logic", op: "not", left: b.body, free: b.free });
      }
    }
  }

  /**
   * `not e` made a not-body (all of future.keywords): OPA still checks it as a negated expression,
   * so a var `e` itself would bind (`_` too, even in a nested call) is unsafe; comprehensions keep theirs.
   */
  private unsafeInImplicitNot(body: IRBody, inner: Scope, loc: Location): void {
    const acc: number[] = [];
    for (let i = 0; i < body.length; i++) exprSlots(body[i], acc);
    const seen = new Set<number>();
    for (let i = 0; i < acc.length; i++) {
      const s = acc[i];
      if (seen.has(s) || this.owner[s] !== inner || this.slotNames[s].startsWith("$")) continue;
      seen.add(s);
      this.unsafe.push({
        code: "rego_unsafe_var_error",
        message: `var ${this.slotNames[s]} is unsafe`,
        location: loc,
      });
    }
  }

  /** A body in its own scope (locals don't leak); `free` are the outer slots it reads. */
  private closureBody(body: Body, scope: Scope): { body: IRBody; free: number[]; inner: Scope } {
    const inner = new Scope(scope);
    this.prescan(inner, body, []);
    const ir = this.resolveBody(body, inner);
    const free = this.freeSlots(inner, () => {
      const acc: number[] = [];
      for (let i = 0; i < ir.length; i++) {
        const x = ir[i];
        exprSlots(x, acc);
      }
      return acc;
    });
    return { body: ir, free, inner };
  }

  private declaredPattern(t: Term, scope: Scope): IRTerm {
    this.declareVarsIn(t, scope, true);
    return this.term(t, scope);
  }

  private resolveCallExpr(
    op: Term,
    args: Term[],
    e: Expr,
    scope: Scope,
    assigned: Set<string>,
    mk: (x: IRExpr["e"]) => IRExpr,
  ): IRExpr {
    const name = opName(op);
    if (name === "eq" || name === "assign") {
      if (name === "assign") {
        visitPatternVars(args[0], (v) => {
          if (v.wildcard) return;
          if (assigned.has(v.name))
            this.err(`var ${v.name} ${this.someVars.has(v.name) ? "declared" : "assigned"} above`, v.loc);
          assigned.add(v.name);
        });
        const root = rootDocName(args[0]);
        if (root && (this.env.regoVersion === 1 || this.env.strict))
          this.err(`variables must not shadow ${root} (use a different variable name)`, e.loc);
        else this.checkAssignable(args[0], e.loc);
        return mk({ k: "eq", a: this.term(args[0], scope), b: this.term(args[1], scope), assign: true });
      }
      return mk({ k: "eq", a: this.term(args[0], scope), b: this.term(args[1], scope) });
    }
    const zref = args.length === 0 ? this.zeroArgRef(op, scope) : undefined;
    if (zref) return mk({ k: "term", t: zref });
    const fn = this.resolveFn(op, args.length, scope, e.loc);
    if (!fn) return mk({ k: "true" });
    const irArgs = args.map((a) => this.term(a, scope));
    if (fn.arity >= 0 && irArgs.length === fn.arity + 1) {
      const out = irArgs.pop()!;
      return mk({ k: "call", fn, args: irArgs, out });
    }
    return mk({ k: "call", fn, args: irArgs });
  }

  /** `:=` targets: a var, or arrays/objects whose members are (object keys are matched, not assigned). */
  private checkAssignable(t: Term, loc: Location): void {
    if (t.type === "array")
      for (let i = 0; i < t.items.length; i++) {
        const x = t.items[i];
        this.checkAssignable(x, loc);
      }
    else if (t.type === "object")
      for (let i = 0; i < t.entries.length; i++) {
        const v = t.entries[i][1];
        this.checkAssignable(v, loc);
      }
    else if (t.type !== "var") this.err(`cannot assign to ${termKind(t)}`, loc);
  }

  /** Resolve a function name to its target and check the argument count. */
  resolveFn(op: Term, nargs: number, scope: Scope, loc: Location, forWith = false): FnRef | undefined {
    const parts = nameParts(op);
    if (!parts) {
      this.err("illegal call", loc, "rego_type_error");
      return undefined;
    }
    let fn: FnRef | undefined;
    const local = scope.lookup(parts[0]);
    if (local && !forWith) {
      // OPA: a var of this body hides a builtin; an arg, an outer var or a hidden rule leaves the call unresolved
      if (scope.names.has(parts[0]) && !this.argNames.has(parts[0]) && !this.env.ruleNames.has(parts[0]))
        this.err(`called function ${parts.join(".")} shadowed`, loc);
      else this.err(`undefined function ${parts.join(".")}`, loc, "rego_type_error");
      return undefined;
    }
    const dataPath = local ? undefined : this.globalPath(parts);
    if (dataPath) {
      const key = dataPath.join(".");
      const arity = this.env.functions.get(key);
      if (arity !== undefined) fn = { kind: "user", name: `data.${key}`, path: dataPath, arity };
    }
    if (!fn) {
      const bname = parts.join(".");
      const arity = this.env.builtinArity(bname);
      if (arity !== undefined) fn = { kind: "builtin", name: bname, arity };
      if (bname === "print") this.usesPrint = true;
    }
    if (!fn) {
      if (forWith) return undefined;
      const isRule = dataPath && parts[0] !== "data" && this.env.ruleNames.has(parts[0]);
      if (dataPath && this.env.completeRules?.has(dataPath.join(".")))
        this.err(
          `function data.${dataPath.join(".")} has arity 0, got ${nargs} argument${nargs === 1 ? "" : "s"}`,
          loc,
          "rego_type_error",
        );
      else
        this.err(
          `undefined function ${isRule ? `data.${dataPath.join(".")}` : parts.join(".")}`,
          loc,
          "rego_type_error",
        );
      return undefined;
    }
    // OPA's rego.v1 check does not look into `every` bodies; its compile stage (run when a v0 module calls a deprecated builtin) does
    if (
      !forWith &&
      fn.kind === "builtin" &&
      (this.env.regoVersion === 1 || this.env.strict) &&
      DEPRECATED.has(fn.name) &&
      (this.everyDepth === 0 || !!this.env.deprecatedInV0?.())
    ) {
      const e: RegoErrorDetail = {
        code: "rego_type_error",
        message: `deprecated built-in function calls in expression: ${fn.name}`,
        location: loc,
      };
      if (this.env.deprecated) this.env.deprecated.push(e);
      else {
        this.env.errors.push(e);
        return undefined;
      }
    }
    if (!forWith && fn.arity >= 0 && nargs !== fn.arity && nargs !== fn.arity + 1) {
      this.err(arityMessage(fn, nargs), loc, "rego_type_error");
      return undefined;
    }
    return fn;
  }

  /** `f()` naming a zero-arg rule: a ref to its value. */
  private zeroArgRef(op: Term, scope: Scope): IRTerm | undefined {
    const parts = nameParts(op);
    if (!parts || scope.lookup(parts[0]) || !this.env.zeroArg?.size) return undefined;
    const dp = this.globalPath(parts);
    if (!dp || !this.env.zeroArg.has(dp.join("."))) return undefined;
    return { t: "ref", head: { t: "data" }, path: dp.map((v) => ({ t: "const", v })), loc: op.loc };
  }

  /** data path (below data) a dotted global name refers to, if any. */
  private globalPath(parts: string[]): string[] | undefined {
    const [h, ...rest] = parts;
    if (h === "data") return rest;
    const imp = this.env.imports.get(h);
    if (imp) return imp.root === "data" ? [...imp.path, ...rest] : undefined;
    if (this.env.ruleNames.has(h)) return [...this.env.pkg, ...parts];
    return undefined;
  }

  /** Whether a term names a function or builtin (a `with` replacement), not a value. */
  namesFunction(t: Term, scope: Scope): boolean {
    const parts = nameParts(t);
    if (!parts || scope.lookup(parts[0])) return false;
    const dp = this.globalPath(parts);
    if (dp && this.env.functions.has(dp.join("."))) return true;
    if (dp && parts[0] !== "data" && !this.env.imports.has(parts[0])) return false;
    return !dp && this.env.builtinArity(parts.join(".")) !== undefined;
  }

  private resolveWith(target: Term, value: Term, loc: Location, scope: Scope): IRWith {
    const parts = nameParts(target);
    const isFnValue = this.namesFunction(value, scope);
    const v: IRTerm = isFnValue ? { t: "const", v: null } : this.term(value, scope);
    if (parts) {
      let root = parts[0];
      let path = parts.slice(1);
      const imp = this.env.imports.get(root);
      if (imp) {
        root = imp.root;
        path = [...imp.path, ...path];
      } else if (this.env.ruleNames.has(root) && !scope.lookup(root)) {
        path = [...this.env.pkg, ...parts];
        root = "data";
      }
      if (root === "input") return { kind: "input", path, value: v, loc };
      if (root === "data") {
        const fnKey = path.join(".");
        if (!this.env.functions.has(fnKey)) {
          this.env.dataWithTargets?.push({ path, loc });
          return { kind: "data", path, value: v, loc };
        }
      }
      if (parts.length === 1 && parts[0] === "eq" && !scope.lookup("eq")) {
        this.err(`with keyword replacing built-in function: ${invalidWithBuiltin("eq")}`, loc);
        return { kind: "input", path: [], value: v, loc };
      }
      const fn = this.resolveFn(target, 0, scope, loc, true);
      if (fn?.kind === "builtin") {
        const bad = invalidWithBuiltin(fn.name);
        if (bad) this.err(`with keyword replacing built-in function: ${bad}`, loc);
      }
      if (fn) {
        let valueFn: FnRef | undefined;
        if (isFnValue) valueFn = this.resolveFn(value, 0, scope, loc, true);
        return { kind: "fn", path: [], fnName: fn.name, value: v, valueFn, loc };
      }
    }
    this.err(
      `with keyword target must reference existing input, data, or a function`,
      loc,
      "rego_type_error",
    );
    return { kind: "input", path: [], value: v, loc };
  }

  /** Resolve a term in value/pattern position. */
  term(t: Term, scope: Scope): IRTerm {
    // the common kinds first: until V8 optimises this, each case is a comparison made in turn
    switch (t.type) {
      case "var":
        return this.varTerm(t, scope);
      case "string":
        return { t: "const", v: t.value };
      case "ref": {
        const path = t.path.map((p) => this.term(p, scope));
        if (t.head.type === "var") {
          const h = this.varTerm(t.head, scope);
          if (h.t === "ref") return { t: "ref", head: h.head, path: [...h.path, ...path], loc: t.loc };
          return { t: "ref", head: h, path, loc: t.loc };
        }
        return { t: "ref", head: this.term(t.head, scope), path, loc: t.loc };
      }
      case "number":
        // the literal as written (1.0, 1e3) is the number's text, as in OPA
        return { t: "const", v: withText(t.value, t.raw) };
      case "null":
        return { t: "const", v: null };
      case "boolean":
        return { t: "const", v: t.value };
      case "array":
        return fold({ t: "array", items: t.items.map((x) => this.term(x, scope)) });
      case "set":
        return fold({ t: "set", items: t.items.map((x) => this.term(x, scope)) });
      case "object":
        return fold({
          t: "object",
          entries: t.entries.map(([k, v]) => [this.term(k, scope), this.term(v, scope)] as [IRTerm, IRTerm]),
        });
      case "arraycompr":
      case "setcompr": {
        const inner = new Scope(scope);
        this.prescan(inner, t.body, [t.head]);
        const body = this.resolveBody(this.comprBody(t.body, [t.head], scope), inner);
        const head = this.term(t.head, inner);
        const free = this.freeSlots(inner, () => {
          const acc: number[] = [];
          termSlots(head, acc);
          for (let i = 0; i < body.length; i++) {
            const x = body[i];
            exprSlots(x, acc);
          }
          return acc;
        });
        return { t: t.type, head, body, free };
      }
      case "objectcompr": {
        const inner = new Scope(scope);
        this.prescan(inner, t.body, [t.key, t.value]);
        const body = this.resolveBody(this.comprBody(t.body, [t.key, t.value], scope), inner);
        const key = this.term(t.key, inner);
        const value = this.term(t.value, inner);
        const free = this.freeSlots(inner, () => {
          const acc: number[] = [];
          termSlots(key, acc);
          termSlots(value, acc);
          for (let i = 0; i < body.length; i++) {
            const x = body[i];
            exprSlots(x, acc);
          }
          return acc;
        });
        return { t: "objectcompr", key, value, body, free };
      }
      case "call": {
        const name = opName(t.op);
        const zref = t.args.length === 0 ? this.zeroArgRef(t.op, scope) : undefined;
        if (zref) return zref;
        // print has no result: only a whole expression may call it
        if (name === "print" && !scope.lookup("print"))
          this.err("print() used as value", t.loc, "rego_type_error");
        if ((name === "rego.metadata.rule" || name === "rego.metadata.chain") && t.args.length === 0)
          return {
            t: "const",
            v:
              name === "rego.metadata.rule"
                ? (this.env.meta?.().rule ?? {})
                : (this.env.meta?.().chain ?? []),
          };
        const fn = this.resolveFn(t.op, t.args.length, scope, t.loc);
        const args = t.args.map((a) => this.term(a, scope));
        if (!fn) return { t: "const", v: null };
        // a call used as a value cannot also take an output argument
        if (name && fn.arity >= 0 && args.length === fn.arity + 1)
          this.err(arityMessage(fn, args.length), t.loc, "rego_type_error");
        return { t: "call", fn, args, loc: t.loc };
      }
      case "template": {
        const withs = t.with?.map((ws) => ws?.map((w) => this.resolveWith(w.target, w.value, w.loc, scope)));
        return {
          t: "template",
          parts: t.parts.map((p) => (typeof p === "string" ? p : this.term(p, scope))),
          withs: withs?.some((w) => w?.length) ? withs : undefined,
          loc: t.loc,
        };
      }
    }
  }

  /** Slots a closure reads that belong to scopes outside it. */
  private freeSlots(inner: Scope, collect: () => number[]): number[] {
    const out = new Set<number>();
    for (const s of collect()) if (!this.owner[s].within(inner)) out.add(s);
    return [...out];
  }

  private varTerm(t: Term & { type: "var" }, scope: Scope): IRTerm {
    if (t.wildcard) return this.newSlot("_", scope, true);
    const local = scope.lookup(t.name);
    if (local) return local;
    if (t.name === "input") return { t: "input" };
    if (t.name === "data") return { t: "data" };
    const imp = this.env.imports.get(t.name);
    if (imp) {
      const head: IRTerm = imp.root === "data" ? { t: "data" } : { t: "input" };
      if (imp.path.length === 0) return head;
      return { t: "ref", head, path: imp.path.map((p) => ({ t: "const", v: p })), loc: t.loc };
    }
    if (this.env.ruleNames.has(t.name)) {
      const key = [...this.env.pkg, t.name].join(".");
      if (this.env.functions.has(key))
        this.err(`function data.${key} used as reference, not called`, t.loc, "rego_type_error");
    }
    if (this.env.ruleNames.has(t.name))
      return {
        t: "ref",
        head: { t: "data" },
        path: [...this.env.pkg, t.name].map((p) => ({ t: "const", v: p })),
        loc: t.loc,
      };
    // Not pre-scanned (e.g. a var only in a with value): local to this scope.
    const v = this.newSlot(t.name, scope);
    scope.names.set(t.name, v);
    return v;
  }
}

/** OPA's wording for a call with the wrong number of arguments. */
function arityMessage(fn: FnRef, nargs: number): string {
  if (fn.kind === "builtin") return `${fn.name}: arity mismatch`;
  return `function ${fn.name} has arity ${fn.arity}, got ${nargs} argument${nargs === 1 ? "" : "s"}`;
}

/** `input` / `data` when `t` is just that root document's name. */
export function rootDocName(t: Term): "input" | "data" | undefined {
  const v = t.type === "ref" && t.path.length === 0 ? t.head : t;
  return v.type === "var" && (v.name === "input" || v.name === "data") ? v.name : undefined;
}

function termKind(t: Term): string {
  switch (t.type) {
    case "ref":
      return "ref";
    case "call":
      return "call";
    default:
      return t.type;
  }
}

/** Constant-fold composite literals whose members are all constants. */
export function fold(t: IRTerm): IRTerm {
  if (t.t === "array" && t.items.every((x) => x.t === "const"))
    return { t: "const", v: t.items.map((x) => (x as { v: Value }).v) };
  if (t.t === "set" && t.items.every((x) => x.t === "const"))
    return { t: "const", v: new RSet(t.items.map((x) => (x as { v: Value }).v)) };
  if (t.t === "object" && t.entries.every(([k, v]) => k.t === "const" && v.t === "const"))
    return {
      t: "const",
      v: makeObject(t.entries.map(([k, v]) => [(k as { v: Value }).v, (v as { v: Value }).v])),
    };
  return t;
}

/** The builtin/operator name of an op term (var or ref of strings). */
export function opName(op: Term): string | undefined {
  // most operators are plain vars (`eq`, `assign`, `count`): no parts array to join
  if (op.type === "var") return op.name;
  const p = nameParts(op);
  return p ? p.join(".") : undefined;
}

export function nameParts(t: Term): string[] | undefined {
  if (t.type === "var") return [t.name];
  if (t.type === "ref" && t.head.type === "var") {
    const out = [t.head.name];
    for (let i = 0; i < t.path.length; i++) {
      const p = t.path[i];
      if (p.type !== "string") return undefined;
      out.push(p.value);
    }
    return out;
  }
  return undefined;
}

/** A call outside closures: OPA moves those out of an expression first (so it is no longer alone). */
export function hasCall(t: Term): boolean {
  switch (t.type) {
    case "call":
    case "template":
      return true;
    case "ref":
      return hasCall(t.head) || t.path.some(hasCall);
    case "array":
    case "set":
      return t.items.some(hasCall);
    case "object":
      return t.entries.some(([k, v]) => hasCall(k) || hasCall(v));
    default:
      return false;
  }
}

const isMetadataCall = (t: Term): boolean =>
  t.type === "call" &&
  t.args.length === 0 &&
  (opName(t.op) === "rego.metadata.rule" || opName(t.op) === "rego.metadata.chain");

/**
 * An expression that is a rego.metadata call as OPA rewrites it: its value, or
 * `out = value` given an output, as a new expression that keeps neither `not`
 * nor `with` (OPA builds the replacement without them).
 */
function metadataCallExpr(e: Expr): Expr | undefined {
  const k = e.kind;
  const call = k.type === "call" ? k : k.type === "term" && k.term.type === "call" ? k.term : undefined;
  const name = call && opName(call.op);
  if (!call || (name !== "rego.metadata.rule" && name !== "rego.metadata.chain")) return undefined;
  if (k.type === "term" && !e.negated && !e.with.length) return undefined;
  const value: Term = { type: "call", op: call.op, args: [], loc: e.loc };
  if (!call.args.length) return { ...e, kind: { type: "term", term: value }, negated: false, with: [] };
  const eq: Term = { type: "var", name: "eq", loc: e.loc };
  return { ...e, kind: { type: "call", op: eq, args: [call.args[0], value] }, negated: false, with: [] };
}

/** The outermost calls in a term (outside closures). */
function outerCalls(t: Term): Term[] {
  switch (t.type) {
    case "call":
      return [t];
    case "ref":
      return [t.head, ...t.path].flatMap(outerCalls);
    case "array":
    case "set":
      return t.items.flatMap(outerCalls);
    case "object":
      return t.entries.flatMap(([k, v]) => [...outerCalls(k), ...outerCalls(v)]);
    default:
      return [];
  }
}

/**
 * Whether a term calls rego.metadata: outside closures, or also inside comprehensions (their heads
 * and bodies) when `closures` is set.
 */
function hasMetadataCall(t: Term, closures: boolean): boolean {
  switch (t.type) {
    case "call":
      return isMetadataCall(t) || t.args.some((a) => hasMetadataCall(a, closures));
    case "ref":
      return hasMetadataCall(t.head, closures) || t.path.some((p) => hasMetadataCall(p, closures));
    case "array":
    case "set":
      return t.items.some((i) => hasMetadataCall(i, closures));
    case "object":
      return t.entries.some(([k, v]) => hasMetadataCall(k, closures) || hasMetadataCall(v, closures));
    case "arraycompr":
    case "setcompr":
      return closures && (hasMetadataCall(t.head, true) || t.body.some(exprHasMetadataCall));
    case "objectcompr":
      return (
        closures &&
        (hasMetadataCall(t.key, true) || hasMetadataCall(t.value, true) || t.body.some(exprHasMetadataCall))
      );
    default: // template parts: OPA makes those comprehensions first
      return false;
  }
}

function exprHasMetadataCall(x: Expr): boolean {
  const k = x.kind;
  if (k.type === "term") return hasMetadataCall(k.term, true);
  if (k.type === "call")
    return (
      isMetadataCall({ type: "call", op: k.op, args: k.args, loc: x.loc }) ||
      k.args.some((a) => hasMetadataCall(a, true))
    );
  return false;
}

/** Whether an operand of the expression is a comprehension calling rego.metadata (see IRExpr.negOwnVars). */
function metadataCallInClosure(e: Expr): boolean {
  const closure = (t: Term): boolean =>
    (t.type === "arraycompr" || t.type === "setcompr" || t.type === "objectcompr") &&
    hasMetadataCall(t, true);
  const k = e.kind;
  if (k.type === "call") return k.args.some(closure);
  return k.type === "term" && closure(k.term);
}

/** A rego.metadata call used as a value in the expression (outside closures). */
function nestedMetadataCall(e: Expr): boolean {
  const inTerm = (t: Term): boolean => hasMetadataCall(t, false);
  // A unification operand keeps its metadata calls where OPA unifies (array items, object
  // values, ref operands): only those inside a call's args, a set or an object key are unsafe.
  const inOperand = (t: Term): boolean => {
    switch (t.type) {
      case "call":
        return t.args.some(inTerm);
      case "ref":
        return inOperand(t.head) || t.path.some(inOperand);
      case "array":
        return t.items.some(inOperand);
      case "object":
        return t.entries.some(([k, v]) => inTerm(k) || inOperand(v));
      default:
        return inTerm(t);
    }
  };
  const k = e.kind;
  if (k.type === "call" && opName(k.op) === "eq" && k.args.length === 2) {
    const [l, r] = k.args;
    // with both sides calls, one is OPA's output for the other: a metadata call there is unsafe
    if (l.type === "call" && r.type === "call") return inTerm(l) || inTerm(r);
    return inOperand(l) || inOperand(r);
  }
  if (k.type === "call") return k.args.some(inTerm);
  if (k.type === "term") return k.term.type === "call" ? k.term.args.some(inTerm) : inTerm(k.term);
  return false;
}

/** Appends xs (mostly empty) to out: a spread call per expression costs more before V8 optimises. */
export function pushAll<T>(out: T[], xs: readonly T[]): void {
  for (let i = 0; i < xs.length; i++) out.push(xs[i]);
}

/** Why OPA refuses `with <builtin> as …` for this builtin, if it does. */
function invalidWithBuiltin(name: string): string | undefined {
  if (name === "eq" || name === "rego.metadata.chain" || name === "rego.metadata.rule")
    return `replacement of "${name}" invalid`;
  if (name.startsWith("internal.")) return `replacement of internal function "${name}" invalid`;
  // relations (walk) bind their output by iteration; print has no result
  if (name === "walk") return "target must not be a relation";
  if (name === "print") return "target must not be a void function";
  return undefined;
}

/** Vars in "pattern" positions (the structure of arrays/objects, not inside refs or calls). */
export function visitPatternVars(t: Term, f: (v: Term & { type: "var" }) => void): void {
  if (t.type === "var") f(t);
  else if (t.type === "array")
    for (let i = 0; i < t.items.length; i++) {
      const x = t.items[i];
      visitPatternVars(x, f);
    }
  else if (t.type === "object")
    for (let i = 0; i < t.entries.length; i++) {
      const v = t.entries[i][1];
      visitPatternVars(v, f);
    }
}

/** Every var name used directly in a term (not inside nested closures). */
export function visitTermVars(t: Term, f: (name: string) => void): void {
  switch (t.type) {
    case "var":
      if (!t.wildcard) f(t.name);
      return;
    case "ref":
      visitTermVars(t.head, f);
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        visitTermVars(p, f);
      }
      return;
    case "array":
    case "set":
      for (let i = 0; i < t.items.length; i++) {
        const x = t.items[i];
        visitTermVars(x, f);
      }
      return;
    case "object":
      for (let i = 0; i < t.entries.length; i++) {
        const k = t.entries[i][0];
        const v = t.entries[i][1];
        visitTermVars(k, f);
        visitTermVars(v, f);
      }
      return;
    case "call":
      for (let i = 0; i < t.args.length; i++) {
        const a = t.args[i];
        visitTermVars(a, f);
      }
      return;
    case "template":
      for (let i = 0; i < t.parts.length; i++) {
        const p = t.parts[i];
        if (typeof p !== "string") visitTermVars(p, f);
      }
      return;
    default:
      return;
  }
}

function visitExprVars(e: Expr, f: (name: string) => void, isFn: (t: Term) => boolean): void {
  const k = e.kind;
  switch (k.type) {
    case "term":
      visitTermVars(k.term, f);
      break;
    case "call":
      for (let i = 0; i < k.args.length; i++) {
        const a = k.args[i];
        visitTermVars(a, f);
      }
      break;
    case "some":
      break;
    case "somein":
      visitTermVars(k.collection, f);
      break;
    case "every":
      visitTermVars(k.domain, f);
      break;
    case "not":
      // `not e` made a not-body (all of future.keywords) is still this body's expression for OPA
      if (k.implicit) for (let i = 0; i < k.body.length; i++) visitExprVars(k.body[i], f, isFn);
      break;
  }
  for (let i = 0; i < e.with.length; i++) {
    const w = e.with[i];
    if (!isFn(w.value)) visitTermVars(w.value, f);
  }
}

/** All local slots in a term (including inside closures). */
export function termSlots(t: IRTerm, acc: number[]): void {
  switch (t.t) {
    case "local":
      acc.push(t.slot);
      return;
    case "ref":
      termSlots(t.head, acc);
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        termSlots(p, acc);
      }
      return;
    case "array":
    case "set":
      for (let i = 0; i < t.items.length; i++) {
        const x = t.items[i];
        termSlots(x, acc);
      }
      return;
    case "object":
      for (let i = 0; i < t.entries.length; i++) {
        const k = t.entries[i][0];
        const v = t.entries[i][1];
        termSlots(k, acc);
        termSlots(v, acc);
      }
      return;
    case "arraycompr":
    case "setcompr":
      acc.push(...t.free);
      return;
    case "objectcompr":
      acc.push(...t.free);
      return;
    case "call":
      for (let i = 0; i < t.args.length; i++) {
        const a = t.args[i];
        termSlots(a, acc);
      }
      return;
    case "template":
      for (let i = 0; i < t.parts.length; i++) {
        const p = t.parts[i];
        if (typeof p !== "string") termSlots(p, acc);
      }
      return;
    default:
      return;
  }
}

export function exprSlots(x: IRExpr, acc: number[]): void {
  const e = x.e;
  switch (e.k) {
    case "eq":
      termSlots(e.a, acc);
      termSlots(e.b, acc);
      break;
    case "call":
      for (let i = 0; i < e.args.length; i++) {
        const a = e.args[i];
        termSlots(a, acc);
      }
      if (e.out) termSlots(e.out, acc);
      break;
    case "term":
      termSlots(e.t, acc);
      break;
    case "somein":
      if (e.key) termSlots(e.key, acc);
      termSlots(e.value, acc);
      termSlots(e.coll, acc);
      break;
    case "every":
      termSlots(e.dom, acc);
      acc.push(...e.free);
      break;
    case "logic":
      acc.push(...e.free);
      break;
    case "true":
      break;
  }
  for (let i = 0; i < x.with.length; i++) {
    const w = x.with[i];
    termSlots(w.value, acc);
  }
}

/** Every var name in an expression, including nested closures. */
export function visitExprVarsDeep(e: Expr, f: (name: string) => void): void {
  const t = (x: Term) => visitTermVarsDeep(x, f);
  const k = e.kind;
  switch (k.type) {
    case "term":
      t(k.term);
      break;
    case "call":
      k.args.forEach(t);
      break;
    case "some":
      break;
    case "somein":
      if (k.key) t(k.key);
      t(k.value);
      t(k.collection);
      break;
    case "every":
      if (k.key) t(k.key);
      t(k.value);
      t(k.domain);
      for (let i = 0; i < k.body.length; i++) {
        const x = k.body[i];
        visitExprVarsDeep(x, f);
      }
      break;
    case "and":
    case "or":
      for (const x of [...k.left, ...k.right]) visitExprVarsDeep(x, f);
      break;
    case "not":
      for (let i = 0; i < k.body.length; i++) {
        const x = k.body[i];
        visitExprVarsDeep(x, f);
      }
      break;
  }
  for (let i = 0; i < e.with.length; i++) {
    const w = e.with[i];
    t(w.value);
  }
}

export function visitTermVarsDeep(t: Term, f: (name: string) => void): void {
  switch (t.type) {
    case "arraycompr":
    case "setcompr":
      visitTermVarsDeep(t.head, f);
      for (let i = 0; i < t.body.length; i++) {
        const x = t.body[i];
        visitExprVarsDeep(x, f);
      }
      return;
    case "objectcompr":
      visitTermVarsDeep(t.key, f);
      visitTermVarsDeep(t.value, f);
      for (let i = 0; i < t.body.length; i++) {
        const x = t.body[i];
        visitExprVarsDeep(x, f);
      }
      return;
    case "var":
      f(t.name);
      return;
    case "ref":
      visitTermVarsDeep(t.head, f);
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        visitTermVarsDeep(p, f);
      }
      return;
    case "array":
    case "set":
      for (let i = 0; i < t.items.length; i++) {
        const x = t.items[i];
        visitTermVarsDeep(x, f);
      }
      return;
    case "object":
      for (let i = 0; i < t.entries.length; i++) {
        const k = t.entries[i][0];
        const v = t.entries[i][1];
        visitTermVarsDeep(k, f);
        visitTermVarsDeep(v, f);
      }
      return;
    case "call":
      for (let i = 0; i < t.args.length; i++) {
        const a = t.args[i];
        visitTermVarsDeep(a, f);
      }
      return;
    case "template":
      for (let i = 0; i < t.parts.length; i++) {
        const p = t.parts[i];
        if (typeof p !== "string") visitTermVarsDeep(p, f);
      }
      return;
    default:
      return;
  }
}
