import type { RegoErrorDetail } from "../../errors.ts";
import { compare, isArray, isObject, isSet, type Value } from "../../value.ts";
import type { FnRef } from "../ir.ts";
import type { CompiledRule, RNode } from "../tree.ts";
import { dependents, rulesAt } from "./deps.ts";
import { Env, lookupData, type PathElem, selectPath, TypeNode } from "./env.ts";
import { childKeys, oneOf, refInvalid, refUnsupported, type TypeErr } from "./errors.ts";
import { type CExpr, type CTerm, Flattener, varName } from "./flatten.ts";
import { builtinSignature } from "./signatures.ts";
import {
  ANY,
  arrayOf,
  type FnType,
  isEmptyCollection,
  isNil,
  keys,
  objectOf,
  or,
  STR,
  type StaticProp,
  select,
  setOf,
  sprint,
  sprintArgs,
  type T,
  type Type,
  typeOfValue,
  unifies,
  values,
} from "./types.ts";
import { type Typer, unify1, unify2 } from "./unify.ts";

/** Type checks compiled rules, appending rego_type_errors to `errors`. */
export function checkTypes(
  rules: CompiledRule[],
  root: RNode,
  errors: RegoErrorDetail[],
  builtinArity: (name: string) => number | undefined,
): void {
  const found = new Checker(rules, root, builtinArity).run();
  const seen = new Set<string>();
  found.sort(
    (a, b) =>
      (a.location?.file ?? "").localeCompare(b.location?.file ?? "") ||
      (a.location?.row ?? 0) - (b.location?.row ?? 0) ||
      (a.location?.col ?? 0) - (b.location?.col ?? 0),
  );
  for (let i = 0; i < found.length; i++) {
    const e = found[i];
    const message = [e.message, ...e.details].join("\n\t");
    const key = `${e.location?.file}:${e.location?.row}:${e.location?.col}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push({ code: "rego_type_error", message, location: e.location });
  }
}

const constElem = (v: Value): PathElem => ({
  const: true,
  v,
  scalar: !(isArray(v) || isSet(v) || isObject(v)),
});

/** A call's argument error (a function, not a closure made for every call checked). */
function argErr(e: CExpr & { x: "call" }, ft: FnType, msg: string, have: T[]): TypeErr {
  return {
    message: `${e.fn.name}: ${msg}`,
    location: e.loc,
    details: [`have: (${have.map(sprint).join(", ")})`, `want: ${sprintArgs(ft, true)}`],
    nilCause: have.some(isNil),
  };
}

function pathElem(t: CTerm): PathElem {
  return t.c === "const" ? constElem(t.v) : { const: false };
}

const isScalarConst = (t: CTerm): boolean =>
  t.c === "const" && !(isArray(t.v) || isSet(t.v) || isObject(t.v));

class Checker implements Typer {
  /** types of rules, below `data` */
  private readonly tree = new TypeNode();
  private readonly state = new Map<CompiledRule, "busy" | "done">();
  private readonly errors: TypeErr[] = [];
  private readonly relaxed = new Map<string, TypeNode | undefined>();
  /** nodes whose own rules, or whose whole subtree's rules, ensureNode has typed or started */
  private readonly shallowDone = new Set<RNode>();
  private readonly deepDone = new Set<RNode>();
  private readonly rules: CompiledRule[];
  private readonly root: RNode;
  private readonly builtinArity: (name: string) => number | undefined;

  constructor(rules: CompiledRule[], root: RNode, builtinArity: (name: string) => number | undefined) {
    this.rules = rules;
    this.root = root;
    this.builtinArity = builtinArity;
  }

  run(): TypeErr[] {
    this.typeRules(this.rules);
    return this.errors;
  }

  // ---- rules ----------------------------------------------------------------

  /** Makes sure the rules a data path can read are typed (on demand, so dependencies come first). */
  private ensurePath(path: PathElem[]): void {
    let n = this.root;
    for (let i = 0; i < path.length; i++) {
      const p = path[i];
      if (!p.const || typeof p.v !== "string") break;
      const c = n.children.get(p.v);
      if (!c) return;
      n = c;
      this.ensureNode(n, false);
    }
    this.ensureNode(n, true);
  }

  private ensureNode(n: RNode, deep: boolean): void {
    // every read of data.a.b walks a, a.b and all below a.b: once a node's rules (and subtree) are
    // all typed or in progress, walking it again changes nothing
    if (this.deepDone.has(n) || (!deep && this.shallowDone.has(n))) return;
    if (!this.shallowDone.has(n)) {
      this.typeRules(n.complete);
      this.typeRules(n.defaults);
      this.typeRules(n.partial);
      this.typeRules(n.funcs);
      this.shallowDone.add(n);
    }
    if (!deep) return;
    for (const c of n.children.values()) this.ensureNode(c, true);
    this.deepDone.add(n);
  }

  private typeRules(rs: CompiledRule[]): void {
    for (let i = 0; i < rs.length; i++)
      for (let l: CompiledRule | undefined = rs[i]; l; l = l.else) this.typeRule(l);
  }

  private typeRule(link: CompiledRule): void {
    if (this.state.has(link)) return; // done, or in progress (a cycle through dynamic refs): any
    this.state.set(link, "busy");
    const flat = new Flattener(link.nslots + 1).rule(
      link.body,
      link.value,
      link.keys,
      link.args,
      link.ast.head.loc,
    );
    const errs: TypeErr[] = [];
    const env = this.checkBody(undefined, flat.body, errs);
    this.errors.push(...errs);
    this.state.set(link, "done");
    // like OPA, a rule's type goes at its ref's ground prefix (`p[10]` at p.10); only the rest nests
    const ground = leadingConsts(flat.keys);
    const path: Value[] = [...link.node.path, ...ground];
    const keyTerms = flat.keys.slice(ground.length);
    if (errs.length) {
      // rules with errors are `any` so their users don't report them again
      this.tree.put(path, ANY);
      return;
    }
    let tpe: T;
    if (link.kind === "function" && flat.args) {
      for (let i = 0; i < flat.args.length; i++) {
        const a = flat.args[i];
        forVars(a, (v) => {
          if (!env.get(v.id)) env.put(v.id, ANY);
        });
      }
      tpe = {
        k: "function",
        args: flat.args.map((a) => this.typeOf(env, a)),
        result: this.typeOf(env, flat.value) ?? ANY,
      };
    } else if (link.kind === "multi") {
      const k = this.typeOf(env, flat.value);
      tpe = k ? this.nested(env, keyTerms, setOf(k)) : undefined;
    } else {
      tpe = this.nested(env, keyTerms, this.typeOf(env, flat.value));
    }
    if (tpe) this.tree.insert(path, tpe);
  }

  /** `p[k][j] := v` is an object of objects keyed by the types of k and j. */
  private nested(env: Env, keyTerms: CTerm[], t: T): T {
    if (!keyTerms.length) return t;
    const inner = this.nested(env, keyTerms.slice(1), t);
    const k = this.typeOf(env, keyTerms[0]);
    if (!inner || !k) return undefined;
    return objectOf([], { key: k, value: inner });
  }

  // ---- bodies ---------------------------------------------------------------

  private checkBody(parent: Env | undefined, body: CExpr[], errs: TypeErr[]): Env {
    const env = new Env(parent);
    for (let i = 0; i < body.length; i++) {
      const e = body[i];
      const exprEnv = e.with.length ? this.withEnv(env, e) : env;
      // closure errors, then ref errors, straight into errs (no arrays per expression)
      const before = errs.length;
      this.closuresInExpr(exprEnv, e, errs);
      this.refsInExpr(exprEnv, e, errs);
      const err = this.checkExpr(exprEnv, e);
      if (err && !(errs.length > before && err.nilCause)) errs.push(err);
    }
    return env;
  }

  private readonly comprCache = new WeakMap<
    CTerm,
    { env: Env; version: number; inner: Env; errs: TypeErr[] }
  >();

  /**
   * A comprehension's body checked in `env`. Both the closure walk and typeOf need
   * it; reusing the result while no var type changed keeps nested comprehensions
   * linear (checking each body twice per level was 2^depth).
   */
  private comprBody(env: Env, t: CTerm & { c: "compr" }): { inner: Env; errs: TypeErr[] } {
    const hit = this.comprCache.get(t);
    if (hit && hit.env === env && hit.version === Env.version) return hit;
    const errs: TypeErr[] = [];
    const inner = this.checkBody(env, t.body, errs);
    const entry = { env, version: Env.version, inner, errs };
    this.comprCache.set(t, entry);
    return entry;
  }

  /**
   * Comprehension bodies are checked in their own environment. Plain
   * recursive methods, not closures per expression: this runs cold.
   */
  private closuresInExpr(env: Env, x: CExpr, errs: TypeErr[]): void {
    switch (x.x) {
      case "eq":
        this.closuresInTerm(env, x.a, errs);
        this.closuresInTerm(env, x.b, errs);
        break;
      case "call":
        for (let i = 0; i < x.args.length; i++) {
          const a = x.args[i];
          this.closuresInTerm(env, a, errs);
        }
        break;
      case "term":
        this.closuresInTerm(env, x.t, errs);
        break;
      case "closure":
        for (let i = 0; i < x.terms.length; i++) {
          const t = x.terms[i];
          this.closuresInTerm(env, t, errs);
        }
        for (let i = 0; i < x.bodies.length; i++) {
          const b = x.bodies[i];
          for (let j = 0; j < b.length; j++) {
            const y = b[j];
            this.closuresInExpr(env, y, errs);
          }
        }
        break;
    }
    for (let i = 0; i < x.with.length; i++) {
      const w = x.with[i];
      this.closuresInTerm(env, w.value, errs);
    }
  }

  private closuresInTerm(env: Env, t: CTerm, errs: TypeErr[]): void {
    switch (t.c) {
      case "compr":
        for (const err of this.comprBody(env, t).errs) errs.push(err);
        return;
      case "ref":
        this.closuresInTerm(env, t.head, errs);
        for (let i = 0; i < t.path.length; i++) {
          const p = t.path[i];
          this.closuresInTerm(env, p, errs);
        }
        return;
      case "array":
      case "set":
        for (let i = 0; i < t.items.length; i++) {
          const x = t.items[i];
          this.closuresInTerm(env, x, errs);
        }
        return;
      case "object":
        for (let i = 0; i < t.entries.length; i++) {
          const k = t.entries[i][0];
          const v = t.entries[i][1];
          this.closuresInTerm(env, k, errs);
          this.closuresInTerm(env, v, errs);
        }
        return;
    }
  }

  private checkExpr(env: Env, e: CExpr): TypeErr | undefined {
    const w = this.checkWith(env, e);
    if (w) return w;
    if (e.x === "eq") {
      const ta = this.typeOf(env, e.a);
      const tb = this.typeOf(env, e.b);
      if (unify2(this, env, e.a, ta, e.b, tb)) return undefined;
      return {
        message: "match error",
        location: e.loc,
        details: [`left  : ${sprint(ta)}`, `right : ${sprint(tb)}`],
        nilCause: isNil(ta) || isNil(tb),
      };
    }
    if (e.x !== "call") return undefined;
    if (e.fn.kind === "builtin" && (e.fn.name === "internal.member_2" || e.fn.name === "internal.member_3")) {
      const m = this.checkMember(env, e, e.fn.name === "internal.member_3");
      if (m) return m;
    }
    return this.checkCall(env, e);
  }

  /** `x in xs` / `some k, v in xs`: what is looked for must fit what xs holds. */
  private checkMember(env: Env, e: CExpr & { x: "call" }, withKey: boolean): TypeErr | undefined {
    const arity = withKey ? 3 : 2;
    if (e.args.length < arity) return undefined;
    const coll = this.typeOf(env, e.args[arity - 1]);
    const vals = values(coll);
    if (!vals) return undefined;
    const operand = (t: CTerm, want: T): TypeErr | undefined => {
      if (!want || isNil(want)) return undefined;
      const have = this.typeOf(env, t);
      if ((!isNil(have) && !unifies(have, want)) || !unify1(this, env, t, want, false))
        return {
          message: "match error",
          location: e.loc,
          details: [`left  : ${sprint(have)}`, `right : ${sprint(want)}`],
          nilCause: isNil(have) || isNil(want),
        };
      return undefined;
    };
    if (withKey) {
      const k = operand(e.args[0], keys(coll));
      if (k) return k;
    }
    return operand(e.args[arity - 2], vals);
  }

  private fnType(env: Env, fn: FnRef): T {
    if (fn.kind === "builtin") return this.builtinType(fn.name);
    return this.userFnType(env, fn.path ?? fn.name.replace(/^data\./, "").split("."));
  }

  private builtinType(name: string): T {
    const sig = builtinSignature(name);
    if (!sig) return ANY; // an extra builtin without a declaration: unchecked
    const arity = this.builtinArity(name);
    if (arity !== undefined && arity !== (sig.variadic ? -1 : sig.args.length)) return ANY; // overridden
    return sig;
  }

  private userFnType(env: Env, path: string[]): T {
    const p = path.map(constElem);
    this.ensurePath(p);
    return lookupData([...env.dataLayers, this.tree], p);
  }

  private checkCall(env: Env, e: CExpr & { x: "call" }): TypeErr | undefined {
    const ft = this.fnType(env, e.fn);
    if (ft?.k !== "function") return undefined; // any: replaced, erroneous or undeclared
    // the declared operands are the args and then the result, if any (no copy of them per call)
    const nargs = ft.args.length;
    const nfargs = ft.result ? nargs + 1 : nargs;
    const args = e.args;
    const pre: T[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) pre[i] = this.typeOf(env, args[i]);
    if (args.length > nfargs && !ft.variadic) return argErr(e, ft, "too many arguments", pre);
    if (args.length < nargs) return argErr(e, ft, "too few arguments", pre);
    for (let i = 0; i < args.length; i++) {
      const want = i < nargs ? ft.args[i] : i < nfargs ? ft.result : ft.variadic;
      if (pre[i] && !isNil(pre[i]) && !unifies(pre[i], want))
        return argErr(e, ft, "invalid argument(s)", pre);
      if (!unify1(this, env, args[i], want, false))
        return argErr(
          e,
          ft,
          "invalid argument(s)",
          args.map((a) => this.typeOf(env, a)),
        );
    }
    return undefined;
  }

  /** `with f as g`: g must take what f takes. */
  private checkWith(env: Env, e: CExpr): TypeErr | undefined {
    for (let i = 0; i < e.with.length; i++) {
      const w = e.with[i];
      if (w.target.kind !== "fn" || !w.valueFn) continue;
      const target = this.fnTarget(env, w.target.name);
      const value = this.fnType(env, w.valueFn);
      if (target?.k === "function" && value?.k === "function" && !unifies(target, value))
        return {
          message: `${w.target.name}: arity mismatch`,
          location: w.loc,
          details: [`have: (${value.args.map(sprint).join(", ")})`, `want: ${sprintArgs(target)}`],
        };
    }
    return undefined;
  }

  private fnTarget(env: Env, name: string): T {
    if (name.startsWith("data.")) return this.userFnType(env, name.slice(5).split("."));
    return this.builtinType(name);
  }

  /**
   * The environment for an expression with `with` modifiers: replaced
   * documents may also have their replacement's type, and rules depending on
   * what is replaced are `any` (their types no longer hold).
   */
  private withEnv(env: Env, e: CExpr): Env {
    let layers = env.dataLayers;
    const puts: [string[], Type][] = [];
    for (let i = 0; i < e.with.length; i++) {
      const w = e.with[i];
      if (w.target.kind === "input") continue; // input is any whatever replaces it
      const userFn = w.target.kind === "fn" && w.target.name.startsWith("data.");
      if (w.target.kind === "fn" && !userFn) continue; // builtins: nothing depends on their type
      const path = w.target.kind === "fn" ? w.target.name.slice(5).split(".") : w.target.path;
      const p = path.map(constElem);
      this.ensurePath(p);
      const targetType = lookupData([...env.dataLayers, this.tree], p);
      const isFunc = targetType?.k === "function";
      const relaxed = this.relaxedDependents(path, isFunc);
      if (relaxed) layers = [relaxed, ...layers];
      if (!isFunc) {
        let t: Type = ANY;
        const valueType = w.valueFn ? this.fnType(env, w.valueFn) : this.typeOf(env, w.value);
        if (targetType && valueType) t = or(targetType, valueType) ?? ANY;
        puts.push([path, t]);
      }
    }
    if (puts.length) {
      const layer = new TypeNode();
      for (let i = 0; i < puts.length; i++) {
        const p = puts[i][0];
        const t = puts[i][1];
        layer.put(p, t);
      }
      layers = [layer, ...layers];
    }
    return layers === env.dataLayers ? env : new Env(env, layers, true);
  }

  private relaxedDependents(path: string[], isFunc: boolean): TypeNode | undefined {
    const key = `${isFunc ? "f:" : ""}${path.join("\0")}`;
    if (this.relaxed.has(key)) return this.relaxed.get(key);
    let tree: TypeNode | undefined;
    const target = path.join("\0");
    for (const n of dependents(this.rules, this.root, rulesAt(this.root, path))) {
      if (isFunc && n.path.join("\0") === target) continue;
      tree ??= new TypeNode();
      tree.put(n.path, ANY);
    }
    this.relaxed.set(key, tree);
    return tree;
  }

  // ---- refs -----------------------------------------------------------------

  /** Refs into values of known type must be able to exist (OPA's refChecker). */
  private refsInExpr(env: Env, x: CExpr, errs: TypeErr[]): void {
    switch (x.x) {
      case "eq":
        this.refsInTerm(env, x.a, errs);
        this.refsInTerm(env, x.b, errs);
        return;
      case "call":
        for (let i = 0; i < x.args.length; i++) {
          const a = x.args[i];
          this.refsInTerm(env, a, errs);
        }
        return;
      case "term":
        this.refsInTerm(env, x.t, errs);
        return;
      case "closure":
        for (let i = 0; i < x.terms.length; i++) {
          const t = x.terms[i];
          this.refsInTerm(env, t, errs);
        }
        for (let i = 0; i < x.bodies.length; i++) {
          const b = x.bodies[i];
          for (let j = 0; j < b.length; j++) {
            const y = b[j];
            this.refsInExpr(env, y, errs);
          }
        }
        return;
    }
  }

  /** Comprehensions are not entered: their bodies are checked on their own. */
  private refsInTerm(env: Env, t: CTerm, errs: TypeErr[]): void {
    switch (t.c) {
      case "ref": {
        const err = this.checkRef(env, t);
        if (err) errs.push(err);
        for (let i = 0; i < t.path.length; i++) {
          const p = t.path[i];
          this.refsInTerm(env, p, errs);
        }
        return;
      }
      case "array":
      case "set":
        for (let i = 0; i < t.items.length; i++) {
          const x = t.items[i];
          this.refsInTerm(env, x, errs);
        }
        return;
      case "object":
        for (let i = 0; i < t.entries.length; i++) {
          const k = t.entries[i][0];
          const v = t.entries[i][1];
          this.refsInTerm(env, k, errs);
          this.refsInTerm(env, v, errs);
        }
        return;
    }
  }

  private checkRef(env: Env, ref: CTerm & { c: "ref" }): TypeErr | undefined {
    const h = ref.head;
    if (h.c === "var") {
      const t = env.get(h.id);
      return t ? this.checkRefLeaf(env, t, ref, 1) : this.checkRefLeaf(env, ANY, ref, 0);
    }
    if (h.c === "root" && h.root === "data") {
      this.ensurePath(ref.path.map(pathElem));
      return this.checkRefData(env, [...env.dataLayers, this.tree], 0, ref);
    }
    return this.checkRefLeaf(env, ANY, ref, 1);
  }

  /** Walks a data ref down the rule tree(s); past the rules, base documents are any. */
  private checkRefData(
    env: Env,
    trees: TypeNode[],
    ti: number,
    ref: CTerm & { c: "ref" },
  ): TypeErr | undefined {
    while (ti < trees.length && !trees[ti].leaf && trees[ti].children.size === 0) ti++;
    if (ti >= trees.length) return this.checkRefLeaf(env, ANY, ref, 1);
    let node = trees[ti];
    for (let idx = 1; idx <= ref.path.length; idx++) {
      const head = ref.path[idx - 1];
      if (idx <= 2 && !(head.c === "var" || (head.c === "const" && typeof head.v === "string")))
        return refInvalid(ref, idx, this.typeOf(env, head), STR, childKeys(node));
      if (head.c === "var") {
        const want = keys(node.extent());
        const exist = env.get(head.id);
        if (exist) {
          if (!unifies(want, exist)) return refInvalid(ref, idx, exist, want, childKeys(node));
        } else env.put(head.id, want);
      }
      const child = head.c === "const" ? node.child(head.v) : undefined;
      if (!child) return this.checkRefData(env, trees, ti + 1, ref);
      if (child.leaf) return this.checkRefLeaf(env, child.value, ref, idx + 1);
      node = child;
    }
    return undefined;
  }

  private checkRefLeaf(env: Env, tpe: T, ref: CTerm & { c: "ref" }, idx: number): TypeErr | undefined {
    for (;;) {
      if (idx > ref.path.length) return undefined;
      const head = idx === 0 ? ref.head : ref.path[idx - 1];
      if (isEmptyCollection(tpe)) {
        if (isScalarConst(head)) return refInvalid(ref, idx, undefined, undefined, []);
        if (head.c === "var") {
          const exist = env.get(head.id);
          const k = keys(tpe);
          if (!exist) env.put(head.id, ANY);
          else if (k && !unifies(exist, k)) return refInvalid(ref, idx, exist, k, []);
        }
        return undefined;
      }
      const k = keys(tpe);
      if (!k) return refUnsupported(ref, idx - 1, tpe);
      if (isScalarConst(head) && head.c === "const") {
        const child = select(tpe, head.v);
        if (!child) return refInvalid(ref, idx, undefined, k, oneOf(tpe));
        tpe = child;
        idx++;
        continue;
      }
      if (head.c === "var") {
        const exist = env.get(head.id);
        if (exist) {
          if (!unifies(exist, k)) return refInvalid(ref, idx, exist, k, oneOf(tpe));
        } else env.put(head.id, k);
      } else if (head.c === "ref") {
        const exist = this.typeOf(env, head);
        if (exist && !unifies(exist, k)) return refInvalid(ref, idx, exist, k, oneOf(tpe));
      } else if (head.c === "array" || head.c === "set" || head.c === "object" || head.c === "const") {
        if (!unify1(this, env, head, k, false)) return refInvalid(ref, idx, this.typeOf(env, head), k, []);
      }
      tpe = values(tpe);
      idx++;
    }
  }

  // ---- term types -------------------------------------------------------------

  typeOf(env: Env, t: CTerm): T {
    switch (t.c) {
      case "const":
        return typeOfValue(t.v);
      case "var":
        return env.get(t.id);
      case "root":
        return t.root === "input" ? ANY : this.dataType(env, []);
      case "ref":
        return this.refType(env, t);
      case "array":
        return arrayOf(t.items.map((x) => this.typeOf(env, x)));
      case "set": {
        let of: T;
        for (let i = 0; i < t.items.length; i++) {
          const x = t.items[i];
          of = or(of, this.typeOf(env, x));
        }
        return setOf(of);
      }
      case "object": {
        const stat: StaticProp[] = [];
        let dynamic: { key: T; value: T } | undefined;
        // OPA walks an object's entries in key order: the greatest non-constant key's entry is the dynamic part
        let last: [CTerm, CTerm] | undefined;
        for (let i = 0; i < t.entries.length; i++) {
          const k = t.entries[i][0];
          const v = t.entries[i][1];
          if (k.c === "const") stat.push({ key: k.v, value: this.typeOf(env, v) });
          else if (!last || compareTerms(k, last[0]) >= 0) last = [k, v];
        }
        if (last) dynamic = { key: this.typeOf(env, last[0]), value: this.typeOf(env, last[1]) };
        return objectOf(stat, dynamic);
      }
      case "compr": {
        const { inner, errs } = this.comprBody(env, t);
        if (errs.length) return undefined;
        if (t.kind === "array") return arrayOf([], this.typeOf(inner, t.head));
        if (t.kind === "set") return setOf(this.typeOf(inner, t.head));
        return objectOf([], {
          key: t.key ? this.typeOf(inner, t.key) : undefined,
          value: this.typeOf(inner, t.head),
        });
      }
      case "str":
        return STR;
    }
  }

  private refType(env: Env, ref: CTerm & { c: "ref" }): T {
    const h = ref.head;
    const path = ref.path.map(pathElem);
    if (h.c === "root") return h.root === "input" ? ANY : this.dataType(env, path);
    if (h.c === "var") {
      const t = env.get(h.id);
      return t ? selectPath(t, path) : undefined;
    }
    return undefined;
  }

  private dataType(env: Env, path: PathElem[]): T {
    this.ensurePath(path);
    return lookupData([...env.dataLayers, this.tree], path);
  }
}

/** The ground scalar keys a rule ref starts with: OPA makes composite ones (`p[[1]]`) vars of the body. */
function leadingConsts(keys: CTerm[]): Value[] {
  const out: Value[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (!isScalarConst(k) || k.c !== "const") break;
    out.push(k.v);
  }
  return out;
}

/** OPA's ordering of terms (ast.Compare): by kind, then by content; vars by name. */
function compareTerms(a: CTerm, b: CTerm): number {
  const ka = termRank(a);
  const kb = termRank(b);
  if (ka !== kb) return ka - kb;
  switch (a.c) {
    case "const":
      return compare(a.v, (b as typeof a).v);
    case "var":
    case "root": {
      // OPA has renamed declared locals and call outputs `__localN__`, numbered in order
      if (a.c === "var" && b.c === "var" && a.generated && b.generated) return a.id - b.id;
      const na = a.c === "var" ? (a.generated ? "__local" : varName(a)) : a.root;
      const nb = b.c === "var" ? (b.generated ? "__local" : varName(b)) : b.c === "root" ? b.root : "";
      return na < nb ? -1 : na > nb ? 1 : 0;
    }
    case "ref":
      return compareLists([a.head, ...a.path], b.c === "ref" ? [b.head, ...b.path] : []);
    case "array":
    case "set":
      return compareLists(a.items, b.c === a.c ? b.items : []);
    case "object":
      return compareLists(a.entries.flat(), b.c === "object" ? b.entries.flat() : []);
    default:
      return 0;
  }
}

function compareLists(a: CTerm[], b: CTerm[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareTerms(a[i], b[i]);
    if (c) return c;
  }
  return a.length - b.length;
}

/** OPA's sort order of value kinds: scalars, var, ref, array, object, set, comprehensions. */
function termRank(t: CTerm): number {
  switch (t.c) {
    case "const":
      return isArray(t.v) ? 6 : isObject(t.v) ? 7 : isSet(t.v) ? 8 : 0;
    case "var":
    case "root":
      return 4;
    case "ref":
      return 5;
    case "array":
      return 6;
    case "object":
      return 7;
    case "set":
      return 8;
    case "compr":
      return t.kind === "array" ? 9 : t.kind === "object" ? 10 : 11;
    case "str":
      return 12;
  }
}

function forVars(t: CTerm, f: (v: CTerm & { c: "var" }) => void): void {
  if (t.c === "var") f(t);
  else if (t.c === "array" || t.c === "set")
    for (let i = 0; i < t.items.length; i++) {
      const x = t.items[i];
      forVars(x, f);
    }
  else if (t.c === "object")
    for (let i = 0; i < t.entries.length; i++) {
      const k = t.entries[i][0];
      const v = t.entries[i][1];
      forVars(k, f);
      forVars(v, f);
    }
  else if (t.c === "ref") {
    forVars(t.head, f);
    for (let i = 0; i < t.path.length; i++) {
      const p = t.path[i];
      forVars(p, f);
    }
  }
}
