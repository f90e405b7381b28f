/**
 * Compiles parsed modules into a rule tree of resolved, safety-ordered rules,
 * and queries into resolved bodies. Errors are collected and thrown together.
 */
import type { Body, Expr, Location, Module, Rule, Term } from "../ast.ts";
import { RegoError, type RegoErrorDetail } from "../errors.ts";
import { hoistCalls } from "./dynamics.ts";
import type { IRBody, IRExpr, IRTerm } from "./ir.ts";
import { ruleMeta } from "./metadata.ts";
import { checkPrintCalls } from "./print-check.ts";
import {
  hasCall,
  nameParts,
  pushAll,
  type ResolveEnv,
  RuleResolver,
  rootDocName,
  visitTermVars,
  visitTermVarsDeep,
} from "./resolve.ts";
import { checkHead, orderBody } from "./safety.ts";
import { checkStrict } from "./strict.ts";
import { type CompiledRule, markRules, newNode, nodeAt, ownRules, type RNode } from "./tree.ts";
import { checkTypes } from "./typecheck/check.ts";

export interface CompiledPolicy {
  root: RNode;
  rules: CompiledRule[];
  modules: Module[];
  builtinArity: (name: string) => number | undefined;
}

export interface CompiledQuery {
  body: IRBody;
  nslots: number;
  /** user-visible query vars: name → slot */
  vars: [string, number][];
}

interface PkgInfo {
  ruleNames: Set<string>;
}

export function compileModules(
  modules: Module[],
  builtinArity: (name: string) => number | undefined,
  opts: { strict?: boolean } = {},
): CompiledPolicy {
  const errors: RegoErrorDetail[] = [];
  const strict = !!opts.strict;
  if (strict) checkStrict(modules, errors);
  const pkgs = new Map<string, PkgInfo>();
  const functions = new Map<string, number>();
  const zeroArg = new Set<string>();
  const completeRules = new Set<string>();
  for (let j = 0; j < modules.length; j++) {
    const m = modules[j];
    const key = m.package.join(".");
    let info = pkgs.get(key);
    if (!info) {
      info = { ruleNames: new Set() };
      pkgs.set(key, info);
    }
    for (let i = 0; i < m.rules.length; i++) {
      const r = m.rules[i];
      const first = r.head.ref[0];
      if (first?.type === "string") info.ruleNames.add(first.value);
      else if (first?.type === "var") info.ruleNames.add(first.name);
      if (r.head.kind === "complete") {
        const parts = refStrings(r.head.ref);
        if (parts) completeRules.add([...m.package, ...parts].join("."));
      }
      if (r.head.kind === "function") {
        const parts = refStrings(r.head.ref);
        const key = parts ? [...m.package, ...parts].join(".") : undefined;
        const arity = r.head.args?.length ?? 0;
        // definitions of different arity are reported as a rule conflict; calls are not checked against either
        if (key && arity > 0) functions.set(key, (functions.get(key) ?? arity) === arity ? arity : -1);
        else if (key) zeroArg.add(key);
      }
    }
  }
  const root = newNode([]);
  const rules: CompiledRule[] = [];
  const dataWithTargets: { path: string[]; loc: Location }[] = [];
  // asked only by a v1 or strict module's deprecated call inside `every`: the scan is not free
  let deprecatedInV0: boolean | undefined;
  const anyDeprecatedInV0 = () => (deprecatedInV0 ??= modules.some(callsDeprecated));
  const deprecated: RegoErrorDetail[] = [];
  let nextId = 0;
  for (let j = 0; j < modules.length; j++) {
    const m = modules[j];
    nodeAt(root, m.package, true)!.isPackage = true;
    const env: ResolveEnv = {
      pkg: m.package,
      ruleNames: pkgs.get(m.package.join("."))!.ruleNames,
      imports: importsOf(m, errors, strict),
      functions,
      zeroArg,
      completeRules,
      builtinArity,
      errors,
      regoVersion: m.regoVersion,
      strict,
      deprecatedInV0: anyDeprecatedInV0,
      deprecated,
      dataWithTargets,
    };
    if (m.regoVersion === 1 || strict) checkRootShadowing(m, errors);
    for (let i = 0; i < m.rules.length; i++) {
      const r = m.rules[i];
      const first = r.head.ref[0];
      const rname = first?.type === "string" ? first.value : first?.type === "var" ? first.name : "";
      let meta: ReturnType<typeof ruleMeta> | undefined;
      env.meta = () => (meta ??= ruleMeta(r, m, modules, rname));
      const cr = compileRule(r, r, m, env, root, () => nextId++);
      if (!cr) continue;
      rules.push(cr);
      hang(cr, r, errors);
    }
  }
  markRules(root);
  checkTreeConflicts(root, errors);
  checkWithTargets(root, dataWithTargets, errors);
  // OPA stops at the first compile stage with errors; recursion is checked late
  if (!errors.length) checkRecursion(rules, root, errors);
  if (!errors.length) {
    checkTypes(rules, root, errors, builtinArity);
    errors.push(...deprecated);
    errors.sort(
      (a, b) =>
        (a.location?.file ?? "").localeCompare(b.location?.file ?? "") ||
        (a.location?.row ?? 0) - (b.location?.row ?? 0) ||
        (a.location?.col ?? 0) - (b.location?.col ?? 0),
    );
  }
  if (errors.length) throw new RegoError(errors);
  return { root, rules, modules, builtinArity };
}

function refStrings(ref: Term[]): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < ref.length; i++) {
    const t = ref[i];
    if (t.type === "string") out.push(t.value);
    else if (t.type === "var" && out.length === 0) out.push(t.name);
    else return undefined;
  }
  return out;
}

/** v1 forbids rules and function args named `input` or `data` (v0 lets them shadow the root). */
function checkRootShadowing(m: Module, errors: RegoErrorDetail[]): void {
  for (let i = 0; i < m.rules.length; i++) {
    const r = m.rules[i];
    const first = r.head.ref[0];
    const root = first.type === "string" ? first.value : rootDocName(first);
    if (root === "input" || root === "data")
      errors.push({
        code: "rego_compile_error",
        message: `rules must not shadow ${root} (use a different rule name)`,
        location: r.loc,
      });
    for (const a of r.head.args ?? []) argRoots(a, errors);
  }
}

/** Vars in an arg pattern (not refs like `input.x` inside it) named after a root document. */
function argRoots(t: Term, errors: RegoErrorDetail[]): void {
  const root = rootDocName(t);
  if (root)
    errors.push({
      code: "rego_compile_error",
      message: `args must not shadow ${root} (use a different variable name)`,
      location: t.loc,
    });
  else if (t.type === "array")
    for (let i = 0; i < t.items.length; i++) {
      const x = t.items[i];
      argRoots(x, errors);
    }
  else if (t.type === "object")
    for (let i = 0; i < t.entries.length; i++) {
      const v = t.entries[i][1];
      argRoots(v, errors);
    }
}

function importsOf(m: Module, errors: RegoErrorDetail[], strict: boolean): ResolveEnv["imports"] {
  const out: ResolveEnv["imports"] = new Map();
  for (let i = 0; i < m.imports.length; i++) {
    const imp = m.imports[i];
    const parts = nameParts(imp.path);
    if (!parts) continue;
    const [root, ...path] = parts;
    if (root !== "data" && root !== "input") continue; // future.keywords, rego.v1
    const alias = imp.alias ?? parts[parts.length - 1];
    const prev = out.get(alias);
    // v0 lets a later import replace an earlier one of the same name (only strict mode objects)
    if (prev && (m.regoVersion === 1 || strict))
      errors.push({
        code: "rego_compile_error",
        message: `import must not shadow import ${[prev.root, ...prev.path].join(".")}${prev.alias ? ` as ${prev.alias}` : ""}`,
        location: imp.loc,
      });
    out.set(alias, { root, path, alias: imp.alias });
  }
  return out;
}

function compileRule(
  r: Rule,
  main: Rule,
  m: Module,
  env: ResolveEnv,
  root: RNode,
  id: () => number,
): CompiledRule | undefined {
  const errorsBefore = env.errors.length;
  const rr = new RuleResolver(env);
  const head = r.head;
  let argTerms = head.args ?? main.head.args;
  let bodyAst = r.body;
  // OPA (1.22) takes a body that is a lone `true` term as empty even when negated or under
  // `with`, so when the head has terms to move into the body, `not true` is replaced, not kept.
  // Composite ref keys and calls move first; comprehensions and refs move after the calls in
  // `with` values did, which leaves the body no longer lone.
  const lone = bodyAst.length === 1 ? bodyAst[0] : undefined;
  if (
    lone?.kind.type === "term" &&
    lone.kind.term.type === "boolean" &&
    lone.kind.term.value === true &&
    (lone.negated || lone.with.length) &&
    loneTrueReplaced(head, argTerms, lone, env)
  )
    bodyAst = [{ ...lone, negated: false, with: [] }];
  if (argTerms?.some((a) => !isArgPattern(a))) {
    const extraExprs: Body = [];
    argTerms = argTerms.map((a, i) => {
      if (isArgPattern(a)) return a;
      const v: Term = { type: "var", name: `$arg${i}`, loc: a.loc, generated: true };
      extraExprs.push({
        kind: { type: "call", op: { type: "var", name: "eq", loc: a.loc }, args: [v, a] },
        negated: false,
        with: [],
        loc: a.loc,
      });
      return v;
    });
    bodyAst = [...r.body, ...extraExprs];
  }
  // `f() := v` is a plain rule in OPA (a zero-arg "function" is referenced without parens)
  const isFn = main.head.kind === "function" && (main.head.args?.length ?? 0) > 0;
  let args: IRTerm[] | undefined;
  if (isFn && argTerms) {
    rr.declareArgs(argTerms);
    args = argTerms.map((a) => rr.term(a, rr.top));
  }
  const refTail = main.head.ref.slice(1);
  const extra: Term[] = [...refTail];
  if (main.head.key) extra.push(main.head.key);
  if (head.value) extra.push(head.value);
  // a comprehension in the head reading a body's `some x` uses it too (no "declared var x unused")
  for (let q = 0; q < extra.length; q++) {
    const t = extra[q];
    visitTermVarsDeep(t, (n) => rr.headVars.add(n));
  }
  rr.prescan(rr.top, bodyAst, extra);
  const body = rr.resolveBody(bodyAst, rr.top);
  const first = main.head.ref[0];
  const name = first.type === "string" ? first.value : first.type === "var" ? first.name : "";
  const refIR: IRTerm[] = [{ t: "const", v: name }, ...refTail.map((t) => rr.term(t, rr.top))];
  let kind: CompiledRule["kind"];
  let value: IRTerm;
  if (main.head.kind === "set") {
    kind = "multi";
    value = main.head.key ? rr.term(main.head.key, rr.top) : { t: "const", v: true };
  } else {
    kind = isFn ? "function" : "value";
    if (main.head.kind === "object" && main.head.key) refIR.push(rr.term(main.head.key, rr.top));
    value = head.value ? rr.term(head.value, rr.top) : { t: "const", v: true };
  }
  // ground prefix → node; the rest are key terms
  const prefix: string[] = [...m.package];
  let i = 0;
  while (i < refIR.length) {
    const t = refIR[i];
    if (t.t === "const" && typeof t.v === "string") prefix.push(t.v);
    else break;
    i++;
  }
  const keys = refIR.slice(i);
  // OPA checks safety only when the earlier stages (local vars, calls) passed
  const sctx = {
    names: rr.slotNames,
    errors: env.errors.length > errorsBefore ? [] : env.errors,
  };
  const b0 = new Set<number>();
  if (args)
    for (let q = 0; q < args.length; q++) {
      const a = args[q];
      collectSlots(a, b0);
    }
  // OPA checks print calls before safety, on the body as written (no print call: nothing to find)
  if (rr.usesPrint && env.errors.length === errorsBefore) {
    checkPrintCalls(body, keys, [value, ...(args ?? [])], b0, sctx, env.errors);
    if (env.errors.length > errorsBefore) sctx.errors = [];
  }
  pushAll(sctx.errors, rr.unsafe);
  const ordered = orderBody(body, b0, sctx);
  checkHead([...keys, value], ordered.bound, sctx, r.head.loc);
  // OPA evaluates a head's calls at the end of the body, before the head's own refs
  const headTerm = (t: IRTerm): IRTerm => {
    const x: IRExpr = { e: { k: "term", t }, negated: false, with: [], loc: r.head.loc };
    const support = hoistCalls(x, () => rr.newSlot("$h", rr.top));
    if (!support.length) return t;
    ordered.body.push(...support);
    return (x.e as { t: IRTerm }).t;
  };
  for (let j = 0; j < keys.length; j++) keys[j] = headTerm(keys[j]);
  value = headTerm(value);
  const node = nodeAt(root, prefix, true)!;
  const cr: CompiledRule = {
    id: id(),
    kind,
    node,
    keys,
    value,
    args,
    body: ordered.body,
    nslots: rr.nslots,
    slotNames: rr.slotNames,
    isDefault: main.isDefault,
    loc: r.loc,
    file: m.file,
    ast: r,
  };
  if (r.else) cr.else = compileRule(r.else, main, m, env, root, id);
  // slots allocated by later links are not in this rule's frame size; frames are per link
  return cr;
}

/** Whether a lone negated (or `with`) `true` body is replaced by the head's terms moving into it (see compileRule). */
function loneTrueReplaced(
  head: Rule["head"],
  argTerms: Term[] | undefined,
  lone: Expr,
  env: ResolveEnv,
): boolean {
  const refKeys = [...head.ref.slice(1), ...(head.kind === "object" && head.key ? [head.key] : [])];
  const headTerms = [head.key, head.value, ...head.ref.slice(1), ...(argTerms ?? [])].filter(
    (t): t is Term => t !== undefined,
  );
  const isRule = (n: string) => env.ruleNames.has(n) && !argNames(argTerms).has(n);
  return (
    refKeys.some(isComposite) ||
    headTerms.some(hasCall) ||
    (!lone.with.some((w) => hasCall(w.value)) &&
      headTerms.some((t) => movesToBody(t, isRule) || hasComprehension(t)))
  );
}

/** Function args that can be matched directly (vars, scalars, arrays/objects of those). */
function isArgPattern(t: Term): boolean {
  switch (t.type) {
    case "var":
    case "null":
    case "boolean":
    case "number":
    case "string":
      return true;
    case "array":
      return t.items.every(isArgPattern);
    case "object":
      return t.entries.every(([k, v]) => isArgPattern(k) && isArgPattern(v));
    case "ref":
      return true;
    default:
      return false;
  }
}

function collectSlots(t: IRTerm, acc: Set<number>): void {
  if (t.t === "local") acc.add(t.slot);
  else if (t.t === "array")
    for (let i = 0; i < t.items.length; i++) {
      const x = t.items[i];
      collectSlots(x, acc);
    }
  else if (t.t === "object")
    for (let i = 0; i < t.entries.length; i++) {
      const v = t.entries[i][1];
      collectSlots(v, acc);
    }
}

function hang(cr: CompiledRule, r: Rule, errors: RegoErrorDetail[]): void {
  const n = cr.node;
  const conflict = () =>
    errors.push({
      code: "rego_type_error",
      message: `conflicting rules data.${n.path.join(".")} found`,
      location: r.loc,
    });
  if (cr.kind === "function") {
    const arity = cr.args?.length ?? 0;
    if (n.complete.length || n.partial.length || n.funcs.some((o) => (o.args?.length ?? 0) !== arity))
      conflict();
    n.funcs.push(cr);
    return;
  }
  if (n.funcs.length) conflict();
  const isSet = (o: CompiledRule) => o.kind === "multi" && !o.keys.length;
  if (cr.kind === "multi" || cr.keys.length) {
    if (n.complete.length || n.defaults.length || n.partial.some((o) => isSet(o) !== isSet(cr))) conflict();
    n.partial.push(cr);
  } else if (n.partial.length) {
    conflict();
    n.complete.push(cr);
  } else if (cr.isDefault) {
    if (n.defaults.length) {
      const at = [...n.defaults, cr].map((d) => `${d.loc.file}:${d.loc.row}`).join(", ");
      errors.push({
        code: "rego_type_error",
        message: `multiple default rules data.${n.path.join(".")} found at ${at}`,
        location: r.loc,
      });
    }
    n.defaults.push(cr);
  } else n.complete.push(cr);
}

/**
 * A rule that defines its whole document (no key terms: complete, default,
 * function, partial set) leaves no room for rules or packages below it.
 */
function checkTreeConflicts(n: RNode, errors: RegoErrorDetail[]): void {
  const closed = [...n.complete, ...n.defaults, ...n.funcs, ...n.partial.filter((r) => !r.keys.length)];
  if (closed.length && n.path.length) {
    const first = closed[0];
    const below: CompiledRule[] = [];
    const packages: RNode[] = n.isPackage ? [n] : [];
    const visit = (c: RNode) => {
      if (c.isPackage) packages.push(c);
      below.push(...c.complete, ...c.defaults, ...c.partial, ...c.funcs);
      for (const g of c.children.values()) visit(g);
    };
    for (const c of n.children.values()) visit(c);
    const name = first.ast.head.ref
      .map((t) => (t.type === "string" ? t.value : t.type === "var" ? t.name : ""))
      .join(".");
    for (let i = 0; i < packages.length; i++) {
      const p = packages[i];
      errors.push({
        code: "rego_type_error",
        message: `package ${p.path.join(".")} conflicts with rule ${name} defined at ${first.loc.file}:${first.loc.row}`,
        location: first.loc,
      });
    }
    if (below.length)
      errors.push({
        code: "rego_type_error",
        message: `rule data.${n.path.join(".")} conflicts with:\n${below.map((r) => `  rule data.${r.node.path.join(".")} at ${r.loc.file}:${r.loc.row}`).join("\n")}`,
        location: first.loc,
      });
    return;
  }
  for (const c of n.children.values()) checkTreeConflicts(c, errors);
}

/** `with data.a.b.x` where data.a.b is a rule would replace part of a virtual document: OPA refuses. */
function checkWithTargets(
  root: RNode,
  targets: { path: string[]; loc: Location }[],
  errors: RegoErrorDetail[],
): void {
  for (let j = 0; j < targets.length; j++) {
    const t = targets[j];
    let n: RNode | undefined = root;
    for (let i = 0; n && i < t.path.length; i++) {
      if (n !== root && ownRules(n)) {
        errors.push({
          code: "rego_compile_error",
          message: "with keyword cannot partially replace virtual document(s)",
          location: t.loc,
        });
        break;
      }
      n = n.children.get(t.path[i]);
    }
  }
}

// ---- recursion ------------------------------------------------------------

function checkRecursion(rules: CompiledRule[], root: RNode, errors: RegoErrorDetail[]): void {
  const deps = new Map<RNode, Set<RNode>>();
  for (let j = 0; j < rules.length; j++) {
    const r = rules[j];
    let s = deps.get(r.node);
    if (!s) {
      s = new Set();
      deps.set(r.node, s);
    }
    const walk = new DepWalk(root, s);
    for (let link: CompiledRule | undefined = r; link; link = link.else) {
      walk.body(link.body);
      walk.term(link.value);
      for (let i = 0; i < link.keys.length; i++) walk.term(link.keys[i]);
    }
  }
  const state = new Map<RNode, number>(); // 1 visiting, 2 done
  const stack: RNode[] = [];
  const reported = new Set<RNode>();
  const dfs = (n: RNode): void => {
    state.set(n, 1);
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      const st = state.get(d);
      if (st === 1) {
        const cyc = stack.slice(stack.indexOf(d));
        // like OPA, every rule on the cycle is reported, each as the cycle's start
        cyc.forEach((start, i) => {
          if (reported.has(start)) return;
          reported.add(start);
          const path = [...cyc.slice(i), ...cyc.slice(0, i), start];
          errors.push({
            code: "rego_recursion_error",
            message: `rule data.${start.path.join(".")} is recursive: ${path.map((x) => `data.${x.path.join(".")}`).join(" -> ")}`,
            location: rules.find((r) => r.node === start)?.loc,
          });
        });
      } else if (!st) dfs(d);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of deps.keys()) if (!state.get(n)) dfs(n);
}

/**
 * Collects the rule nodes a rule's expressions and terms may read (a class,
 * not closures per term: this walks every term of the policy, cold).
 */
class DepWalk {
  private readonly root: RNode;
  private readonly acc: Set<RNode>;
  constructor(root: RNode, acc: Set<RNode>) {
    this.root = root;
    this.acc = acc;
  }

  body(b: IRBody): void {
    for (let i = 0; i < b.length; i++) this.expr(b[i]);
  }

  private dataPath(path: string[]): void {
    depWalk(this.root, constPath(path), 0, this.acc);
  }

  expr(x: IRExpr): void {
    const e = x.e;
    switch (e.k) {
      case "eq":
        this.term(e.a);
        this.term(e.b);
        break;
      case "call":
        if (e.fn.kind === "user") this.dataPath(e.fn.path!);
        for (let i = 0; i < e.args.length; i++) this.term(e.args[i]);
        if (e.out) this.term(e.out);
        break;
      case "term":
        this.term(e.t);
        break;
      case "somein":
        this.term(e.coll);
        if (e.key) this.term(e.key);
        this.term(e.value);
        break;
      case "every":
        this.term(e.dom);
        this.body(e.body);
        break;
      case "logic":
        this.body(e.left);
        if (e.right) this.body(e.right);
        break;
      case "true":
        break;
    }
    for (let i = 0; i < x.with.length; i++) {
      const w = x.with[i];
      this.term(w.value);
      // the target is a dependency too: OPA finds `with data.p.r as …` inside r (or `with f as …` inside f) recursive
      if (w.kind === "data") this.dataPath(w.path);
      if (w.kind === "fn" && w.fnName?.startsWith("data.")) this.dataPath(w.fnName.split(".").slice(1));
      if (w.valueFn?.kind === "user") this.dataPath(w.valueFn.path!);
    }
  }

  term(t: IRTerm): void {
    switch (t.t) {
      case "data":
        addAll(this.root, this.acc);
        return;
      case "ref":
        if (t.head.t === "data") depWalk(this.root, t.path, 0, this.acc);
        else this.term(t.head);
        for (let i = 0; i < t.path.length; i++) this.term(t.path[i]);
        return;
      case "array":
      case "set":
        for (let i = 0; i < t.items.length; i++) this.term(t.items[i]);
        return;
      case "object":
        for (let i = 0; i < t.entries.length; i++) {
          this.term(t.entries[i][0]);
          this.term(t.entries[i][1]);
        }
        return;
      case "arraycompr":
      case "setcompr":
        this.term(t.head);
        this.body(t.body);
        return;
      case "objectcompr":
        this.term(t.key);
        this.term(t.value);
        this.body(t.body);
        return;
      case "call":
        if (t.fn.kind === "user") this.dataPath(t.fn.path!);
        for (let i = 0; i < t.args.length; i++) this.term(t.args[i]);
        return;
      case "template":
        for (let i = 0; i < t.parts.length; i++) {
          const p = t.parts[i];
          if (typeof p !== "string") this.term(p);
        }
        return;
      default:
        return;
    }
  }
}

function constPath(p: string[]): IRTerm[] {
  return p.map((v) => ({ t: "const", v }));
}

/** Rule nodes a data ref may read: variable segments match any child. */
function depWalk(n: RNode, path: IRTerm[], i: number, acc: Set<RNode>): void {
  if (!n.hasRules) return;
  if (n.complete.length || n.partial.length || n.defaults.length || n.funcs.length) {
    acc.add(n);
    if (n.children.size === 0) return;
  }
  if (i === path.length) {
    addAll(n, acc);
    return;
  }
  const p = path[i];
  if (p.t === "const" && (typeof p.v === "string" || typeof p.v === "number")) {
    const c = n.children.get(String(p.v));
    if (c) depWalk(c, path, i + 1, acc);
    return;
  }
  for (const c of n.children.values()) depWalk(c, path, i + 1, acc);
}

function addAll(n: RNode, acc: Set<RNode>): void {
  if (!n.hasRules) return;
  if (n.complete.length || n.partial.length || n.defaults.length || n.funcs.length) acc.add(n);
  for (const c of n.children.values()) addAll(c, acc);
}

// ---- queries --------------------------------------------------------------

export function compileQuery(body: Body, policy: CompiledPolicy): CompiledQuery {
  const errors: RegoErrorDetail[] = [];
  const functions = new Map<string, number>();
  for (let i = 0; i < policy.rules.length; i++) {
    const r = policy.rules[i];
    if (r.kind === "function") functions.set(r.node.path.join("."), r.args?.length ?? 0);
  }
  const env: ResolveEnv = {
    pkg: [],
    ruleNames: new Set(),
    imports: new Map(),
    functions,
    builtinArity: policy.builtinArity,
    errors,
  };
  const rr = new RuleResolver(env);
  rr.prescan(rr.top, body, []);
  const ir = rr.resolveBody(body, rr.top);
  const sctx = { names: rr.slotNames, errors };
  if (!errors.length) pushAll(errors, rr.unsafe);
  const ordered = orderBody(ir, new Set(), sctx);
  if (errors.length) throw new RegoError(errors);
  const vars: [string, number][] = [];
  for (const [name, local] of rr.top.names) {
    if (name.startsWith("$") || local.wildcard) continue;
    vars.push([name, local.slot]);
  }
  return { body: ordered.body, nslots: rr.nslots, vars };
}

/**
 * Whether a head term has a part OPA moves into the body: a call, a ref (to
 * input, data or a rule, not into an argument), a rule named by a var; not
 * what is inside comprehensions, which keep theirs.
 */
function movesToBody(t: Term, isRule: (name: string) => boolean): boolean {
  switch (t.type) {
    case "call":
      return true;
    case "var":
      return isRule(t.name);
    case "ref":
      return (
        t.head.type !== "var" || t.head.name === "input" || t.head.name === "data" || isRule(t.head.name)
      );
    case "array":
    case "set":
      return t.items.some((x) => movesToBody(x, isRule));
    case "object":
      return t.entries.some(([k, v]) => movesToBody(k, isRule) || movesToBody(v, isRule));
    default:
      return false;
  }
}

/** A comprehension anywhere in a head term: OPA moves each into the body as `__localN__ = <comprehension>`. */
function hasComprehension(t: Term): boolean {
  switch (t.type) {
    case "arraycompr":
    case "setcompr":
    case "objectcompr":
      return true;
    case "array":
    case "set":
      return t.items.some(hasComprehension);
    case "object":
      return t.entries.some(([k, v]) => hasComprehension(k) || hasComprehension(v));
    default:
      return false;
  }
}

/** A ref-head key OPA rewrites to a var bound in the body (neither a var nor a scalar). */
function isComposite(t: Term): boolean {
  return !["var", "string", "number", "boolean", "null"].includes(t.type);
}

function argNames(args: Term[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const a of args ?? []) visitTermVars(a, (n) => out.add(n));
  return out;
}

/** Builtins v1 rejects as deprecated (see resolve.ts), as they appear in the AST of a call. */
const DEPRECATED_CALLS = [
  ...[
    "all",
    "any",
    "cast_array",
    "cast_boolean",
    "cast_null",
    "cast_object",
    "cast_set",
    "cast_string",
    "re_match",
    "set_diff",
  ].map((n) => `{"type":"var","name":"${n}"`),
  `"value":"cidr_overlap"`,
];

/** Whether a v0 module calls a deprecated builtin (a cheap scan of its rules' JSON; a false positive only widens a check). */
function callsDeprecated(m: Module): boolean {
  if (m.regoVersion !== 0) return false;
  const text = JSON.stringify(m.rules, (k, v) =>
    k === "loc" || k === "annotations" ? undefined : typeof v === "bigint" ? String(v) : v,
  );
  return DEPRECATED_CALLS.some((c) => text.includes(c));
}
