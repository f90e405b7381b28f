/**
 * Reshapes resolved IR bodies the way OPA's compiler has reshaped its AST by
 * the time it type checks, because where a type error is found (or not)
 * depends on it:
 *  - calls nested in terms become their own expressions with an output var
 *    (rewriteExprTerms), so `count(5) > 1` checks `count` on its own;
 *  - ref subjects that are literals/comprehensions are assigned to a var first;
 *  - refs and comprehensions in call operands (and nested in composites) are
 *    assigned to generated vars (rewriteDynamicTerms), so an untyped ref
 *    passed to a builtin is `any` rather than a mismatch;
 *  - `==` with two operands is unification (rewriteEquals);
 *  - `some x in xs` is `internal.member_2(x, xs)`; `print` operands are
 *    each wrapped in a set comprehension;
 *  - rule head values/keys/args and comprehension heads that contain refs or
 *    comprehensions are computed in the body (rewriteRefsInHead...).
 */
import type { Location } from "../../ast.ts";
import { isArray, isObject, isSet, objEntries, termString, type Value } from "../../value.ts";
import type { FnRef, IRBody, IRExpr, IRTerm, IRWith } from "../ir.ts";
import { irExprChildren, irTermChildren, skipBodies } from "../ir-walk.ts";

export type CTerm =
  | { c: "const"; v: Value }
  /** `generated`: a hoisted call output or a declared local, which OPA renames `__localN__` */
  | {
      c: "var";
      id: number;
      /** see varName: a var generated for a term (`of`) is named by rendering it, only when asked */
      name: string;
      of?: CTerm;
      generated?: boolean;
    }
  /** `input` / `data`: only ever a ref head */
  | { c: "root"; root: "input" | "data" }
  | { c: "ref"; head: CTerm; path: CTerm[]; loc: Location }
  | { c: "array"; items: CTerm[] }
  | { c: "set"; items: CTerm[] }
  | { c: "object"; entries: [CTerm, CTerm][] }
  /** object comprehensions have `key`; `head` is the element (or value) */
  | { c: "compr"; kind: "array" | "set" | "object"; key?: CTerm; head: CTerm; body: CExpr[] }
  /** a template string: a string whose parts were hoisted */
  | { c: "str" };

export interface CWith {
  /** `input`/`data` with a path below, or a function by name (builtin name or data.… path) */
  target: { kind: "input" | "data"; path: string[] } | { kind: "fn"; name: string };
  value: CTerm;
  valueFn?: FnRef;
  loc: Location;
}

export type CExpr = { loc: Location; with: CWith[] } & (
  | { x: "eq"; a: CTerm; b: CTerm }
  /** operands, including the output term when there is one */
  | { x: "call"; fn: FnRef; args: CTerm[] }
  | { x: "term"; t: CTerm }
  /** every / and / or / not-bodies: OPA checks only the refs in these (and closures) */
  | { x: "closure"; terms: CTerm[]; bodies: CExpr[][] }
);

/** The flattened form of one rule (link) or body. */
export interface FlatRule {
  body: CExpr[];
  value: CTerm;
  keys: CTerm[];
  args?: CTerm[];
}

/** Allocates generated vars past the rule's frame. */
export class Flattener {
  private next: number;
  constructor(firstId: number) {
    this.next = firstId;
  }

  private gen(name: string, of?: CTerm): CTerm & { c: "var" } {
    return { c: "var", id: this.next++, name, of };
  }

  body(b: IRBody): CExpr[] {
    const phase1: CExpr[] = [];
    const ordered = inOpaOrder(b);
    for (let i = 0; i < ordered.length; i++) this.expr(ordered[i], phase1);
    return this.dynamics(phase1);
  }

  /** A rule link: its body plus what its head needs computed. */
  rule(body: IRBody, value: IRTerm, keys: IRTerm[], args: IRTerm[] | undefined, headLoc: Location): FlatRule {
    const phase1: CExpr[] = [];
    const ordered = inOpaOrder(body);
    for (let i = 0; i < ordered.length; i++) this.expr(ordered[i], phase1);
    const support: CExpr[] = [];
    const expand = (t: IRTerm) => this.term(t, support, []);
    let cargs = args?.map(expand);
    const ckeys = keys.map(expand);
    let cvalue = expand(value);
    const hoist = (t: CTerm): CTerm => {
      if (!requiresEval(t)) return t;
      const v = this.gen("", t);
      support.push({ x: "eq", a: v, b: t, loc: termLoc(t) ?? headLoc, with: [] });
      return v;
    };
    const fkeys = ckeys.map(hoist);
    cvalue = hoist(cvalue);
    cargs = cargs?.map(hoist);
    return { body: this.dynamics([...phase1, ...support]), value: cvalue, keys: fkeys, args: cargs };
  }

  // ---- phase 1: calls out of terms (rewriteExprTerms) ----------------------

  private callExpr(
    fn: FnRef,
    irArgs: IRTerm[],
    irOut: IRTerm | undefined,
    withs: CWith[],
    loc: Location,
    out: CExpr[],
  ): void {
    if (fn.kind === "builtin" && fn.name === "print" && !irOut) {
      out.push({
        x: "term",
        t: { c: "array", items: irArgs.map((a) => this.printArg(a, withs)) },
        loc,
        with: withs,
      });
      return;
    }
    const args: CTerm[] = [];
    for (let i = 0; i < irArgs.length; i++) args.push(this.term(irArgs[i], out, withs));
    if (irOut) args.push(this.term(irOut, out, withs));
    if (fn.kind === "builtin" && fn.name === "equal" && args.length === 2)
      out.push({ x: "eq", a: args[0], b: args[1], loc, with: withs });
    else out.push({ x: "call", fn, args, loc, with: withs });
  }

  /** Appends an expression's flattened form (its support expressions first) to `out`. */
  private expr(x: IRExpr, out: CExpr[]): void {
    const withs: CWith[] = x.with.length ? x.with.map((w) => this.with(w, out)) : [];
    const loc = x.loc;
    const e = x.e;
    switch (e.k) {
      case "eq":
        // `$h = f(…)`: a call the engine hoisted ahead of its expression (dynamics.ts), whose output
        // OPA's checker sees as the call's own output var (no var-to-var unification to widen it)
        if (e.a.t === "local" && e.a.name === "$h" && e.b.t === "call")
          this.callExpr(e.b.fn, e.b.args, e.a, withs, e.b.loc, out);
        else
          out.push({
            x: "eq",
            a: this.term(e.a, out, withs),
            b: this.term(e.b, out, withs),
            loc,
            with: withs,
          });
        break;
      case "call":
        this.callExpr(e.fn, e.args, e.out, withs, loc, out);
        break;
      case "term":
        if (e.t.t === "call") this.callExpr(e.t.fn, e.t.args, undefined, withs, loc, out);
        else out.push({ x: "term", t: this.term(e.t, out, withs), loc, with: withs });
        break;
      case "somein": {
        // OPA declares `some k, v in xs` as `v = xs[k]` (k generated when absent)
        const key = e.key ? this.term(e.key, out, withs) : this.gen("_");
        const value = this.term(e.value, out, withs);
        let coll = this.term(e.coll, out, withs);
        if (coll.c !== "ref" && coll.c !== "var" && !isScalar(coll)) {
          const v = this.gen("", coll);
          out.push({ x: "eq", a: v, b: coll, loc, with: withs });
          coll = v;
        }
        const ref: CTerm =
          coll.c === "ref"
            ? { ...coll, path: [...coll.path, key] }
            : { c: "ref", head: coll, path: [key], loc };
        out.push({ x: "eq", a: value, b: ref, loc, with: withs });
        break;
      }
      case "every": {
        const dom = this.gen("$dom");
        const domSupport: CExpr[] = [];
        const d = this.term(e.dom, domSupport, withs);
        out.push(...domSupport, { x: "eq", a: dom, b: d, loc, with: withs });
        const terms = [e.value, ...(e.key ? [e.key] : [])].map((t) => this.term(t, out, withs));
        out.push({ x: "closure", terms: [...terms, dom], bodies: [this.body(e.body)], loc, with: withs });
        break;
      }
      case "logic":
        // like every's, OPA checks only the refs and closures in these bodies (not-bodies too)
        out.push({
          x: "closure",
          terms: [],
          bodies: [this.body(e.left), ...(e.right ? [this.body(e.right)] : [])],
          loc,
          with: withs,
        });
        break;
      case "true":
        break;
    }
  }

  /** `print(x)` checks x as `{v | v = x}` would be checked. */
  private printArg(a: IRTerm, withs: CWith[]): CTerm {
    const support: CExpr[] = [];
    const t = this.term(a, support, withs);
    const v = this.gen("$print");
    const body = this.dynamics([...support, { x: "eq", a: v, b: t, loc: termLoc(t) ?? anyLoc(a), with: [] }]);
    return { c: "compr", kind: "set", head: v, body };
  }

  private with(w: IRWith, support: CExpr[]): CWith {
    let value = this.term(w.value, support, []);
    if (value.c === "ref" && value.head.c === "var") {
      // a ref into a local is computed ahead of its expression (OPA's rewriteWithModifiers), checked there
      const v = this.gen("", value);
      support.push({ x: "eq", a: v, b: value, loc: w.loc, with: [] });
      value = v;
    }
    const target: CWith["target"] =
      w.kind === "fn" ? { kind: "fn", name: w.fnName ?? "" } : { kind: w.kind, path: w.path };
    return { target, value, valueFn: w.valueFn, loc: w.loc };
  }

  /** Converts a term, appending the expressions its nested calls need to `support`. */
  private term(t: IRTerm, support: CExpr[], withs: CWith[]): CTerm {
    switch (t.t) {
      case "const":
        return { c: "const", v: t.v };
      case "local":
        return {
          c: "var",
          id: t.slot,
          name: t.wildcard ? "_" : t.name,
          generated: t.declared || t.name === "$h",
        };
      case "input":
      case "data":
        return { c: "ref", head: { c: "root", root: t.t }, path: [], loc: NOWHERE };
      case "ref": {
        let head: CTerm;
        if (t.head.t === "input" || t.head.t === "data") head = { c: "root", root: t.head.t };
        else head = this.term(t.head, support, withs);
        const path = t.path.map((p) => this.term(p, support, withs));
        if (head.c === "ref") return { c: "ref", head: head.head, path: [...head.path, ...path], loc: t.loc };
        if (head.c !== "var" && head.c !== "root" && !isScalar(head)) {
          // a literal, comprehension or constant as the subject: assigned to a local first
          const v = this.gen("", head);
          support.push({ x: "eq", a: v, b: head, loc: t.loc, with: withs });
          head = v;
        }
        return { c: "ref", head, path, loc: t.loc };
      }
      case "array":
        return { c: "array", items: t.items.map((x) => this.term(x, support, withs)) };
      case "set":
        return { c: "set", items: t.items.map((x) => this.term(x, support, withs)) };
      case "object":
        return {
          c: "object",
          entries: t.entries.map(
            ([k, v]) => [this.term(k, support, withs), this.term(v, support, withs)] as [CTerm, CTerm],
          ),
        };
      case "arraycompr":
      case "setcompr":
        return this.compr(t.t === "arraycompr" ? "array" : "set", t.body, undefined, t.head);
      case "objectcompr":
        return this.compr("object", t.body, t.key, t.value);
      case "call": {
        const args = t.args.map((a) => this.term(a, support, withs));
        const out = this.gen(`${t.fn.name}(...)`);
        if (t.fn.kind === "builtin" && t.fn.name === "print")
          support.push({ x: "term", t: { c: "array", items: args }, loc: t.loc, with: withs });
        else support.push({ x: "call", fn: t.fn, args: [...args, out], loc: t.loc, with: withs });
        return out;
      }
      case "template":
        for (let i = 0; i < t.parts.length; i++) {
          const p = t.parts[i];
          if (typeof p !== "string") this.term(p, support, withs);
        }
        return { c: "str" };
    }
  }

  private compr(
    kind: "array" | "set" | "object",
    body: IRBody,
    key: IRTerm | undefined,
    head: IRTerm,
  ): CTerm {
    const phase1: CExpr[] = [];
    for (let i = 0; i < body.length; i++) this.expr(body[i], phase1);
    const support: CExpr[] = [];
    const hoist = (t: IRTerm): CTerm => {
      const ct = this.term(t, support, []);
      if (!requiresEval(ct)) return ct;
      const v = this.gen("", ct);
      support.push({ x: "eq", a: v, b: ct, loc: termLoc(ct) ?? anyLoc(t), with: [] });
      return v;
    };
    const ckey = key ? hoist(key) : undefined;
    const chead = hoist(head);
    return { c: "compr", kind, key: ckey, head: chead, body: this.dynamics([...phase1, ...support]) };
  }

  // ---- phase 2: refs out of call operands (rewriteDynamicTerms) -------------

  private dynamics(body: CExpr[]): CExpr[] {
    const out: CExpr[] = [];
    for (let i = 0; i < body.length; i++) {
      const e = body[i];
      switch (e.x) {
        case "eq": {
          const a = this.inTerm(e.a, e, out);
          out.push({ ...e, a, b: this.inTerm(e.b, e, out) });
          break;
        }
        case "call":
          out.push({ ...e, args: this.oneAll(e.args, e, out) });
          break;
        case "term":
          out.push({ ...e, t: this.inTerm(e.t, e, out) });
          break;
        case "closure":
          out.push(e);
          break;
      }
    }
    return out;
  }

  /** A top-level term: a ref stays (its operands are rewritten), a comprehension too. */
  private inTerm(t: CTerm, original: CExpr, out: CExpr[]): CTerm {
    if (t.c === "ref") return { ...t, path: this.oneAll(t.path, original, out) };
    return t.c === "compr" ? t : this.one(t, original, out);
  }

  private oneAll(ts: CTerm[], original: CExpr, out: CExpr[]): CTerm[] {
    const r: CTerm[] = [];
    for (let i = 0; i < ts.length; i++) r.push(this.one(ts[i], original, out));
    return r;
  }

  private one(t: CTerm, original: CExpr, out: CExpr[]): CTerm {
    switch (t.c) {
      case "ref": {
        const ref: CTerm = { ...t, path: t.path.map((p) => this.one(p, original, out)) };
        const v = this.gen("", ref);
        out.push({ x: "eq", a: v, b: ref, loc: t.loc, with: original.with });
        return v;
      }
      case "array":
        return { c: "array", items: t.items.map((x) => this.one(x, original, out)) };
      case "set":
        return { c: "set", items: t.items.map((x) => this.one(x, original, out)) };
      case "object":
        return {
          c: "object",
          entries: t.entries.map(
            ([k, v]) => [this.one(k, original, out), this.one(v, original, out)] as [CTerm, CTerm],
          ),
        };
      case "compr": {
        const v = this.gen("", t);
        out.push({ x: "eq", a: v, b: t, loc: original.loc, with: original.with });
        return v;
      }
      default:
        return t;
    }
  }
}

const NOWHERE: Location = { file: "", row: 0, col: 0 };

function termLoc(t: CTerm): Location | undefined {
  return t.c === "ref" && t.loc !== NOWHERE ? t.loc : undefined;
}

function anyLoc(t: IRTerm): Location {
  return "loc" in t && t.loc ? t.loc : NOWHERE;
}

/** A scalar constant: OPA leaves it as a ref subject (`5[x]` is simply undefined). */
function isScalar(t: CTerm): boolean {
  return t.c === "str" || (t.c === "const" && !(isArray(t.v) || isSet(t.v) || isObject(t.v)));
}

/** OPA's requiresEval: the term contains a ref or a comprehension. */
function requiresEval(t: CTerm): boolean {
  switch (t.c) {
    case "ref":
    case "compr":
      return true;
    case "array":
    case "set":
      return t.items.some(requiresEval);
    case "object":
      return t.entries.some(([k, v]) => requiresEval(k) || requiresEval(v));
    default:
      return false;
  }
}

/** Source-like text of a term, for messages (`input.x[i]`, `[1, 2]`, `s.foo`). */
/**
 * A var's name; one generated for a term is that term rendered (most are never
 * shown or compared, so the string is not built when the var is made).
 */
export function varName(v: CTerm & { c: "var" }): string {
  return v.of ? render(v.of) : v.name;
}

export function render(t: CTerm): string {
  switch (t.c) {
    case "const":
      return termString(t.v);
    case "var":
      return varName(t);
    case "root":
      return t.root;
    case "ref": {
      let s = render(t.head);
      for (let i = 0; i < t.path.length; i++) {
        const p = t.path[i];
        if (p.c === "const" && typeof p.v === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.v))
          s += `.${p.v}`;
        else s += `[${render(p)}]`;
      }
      return s;
    }
    case "array":
      return `[${t.items.map(render).join(", ")}]`;
    case "set":
      return t.items.length ? `{${t.items.map(render).join(", ")}}` : "set()";
    case "object":
      return `{${t.entries.map(([k, v]) => `${render(k)}: ${render(v)}`).join(", ")}}`;
    case "compr":
      return t.kind === "array"
        ? `[${render(t.head)} | ...]`
        : t.kind === "set"
          ? `{${render(t.head)} | ...}`
          : `{${render(t.key!)}: ${render(t.head)} | ...}`;
    case "str":
      return '$"..."';
  }
}

/**
 * The engine hoists a negated expression's refs and calls ahead of it in evaluation order
 * (dynamics.ts hoistNegated: `$h = a.k` before `$h2 = f(a, …)`); OPA's compiler pulls the calls out
 * first and each call's refs just before it, and its checker infers types in that order. So a
 * hoisted `$h = ref` moves down to just before the first expression that reads `$h`.
 */
function inOpaOrder(body: IRBody): IRBody {
  const isRefHoist = (x: IRExpr): boolean =>
    x.e.k === "eq" && x.e.a.t === "local" && x.e.a.name === "$h" && x.e.b.t === "ref" && !x.negated;
  if (!body.some(isRefHoist)) return body;
  const out: IRExpr[] = [];
  const pending: IRExpr[] = [];
  const reader = new SlotReader();
  for (const x of body) {
    for (let i = 0; i < pending.length; ) {
      const p = pending[i];
      if (p.e.k === "eq" && p.e.a.t === "local" && reader.reads(x, p.e.a.slot)) {
        out.push(p);
        pending.splice(i, 1);
      } else i++;
    }
    if (isRefHoist(x)) pending.push(x);
    else out.push(x);
  }
  out.push(...pending);
  return out;
}

/**
 * Whether an expression reads a local slot directly (not inside nested
 * bodies). One walker per body, its callback made once, not a closure per
 * expression and slot.
 */
class SlotReader {
  private slot = -1;
  private found = false;
  private readonly term = (t: IRTerm): void => {
    if (this.found) return;
    if (t.t === "local") this.found = t.slot === this.slot;
    else irTermChildren(t, this.term, skipBodies);
  };
  reads(x: IRExpr, slot: number): boolean {
    this.slot = slot;
    this.found = false;
    irExprChildren(x, this.term, skipBodies);
    return this.found;
  }
}

/** A constant composite as a literal of constants, so unification can walk into it. */
export function literal(t: CTerm): CTerm {
  if (t.c !== "const") return t;
  const v = t.v;
  if (isArray(v)) return { c: "array", items: v.map((x) => ({ c: "const", v: x })) };
  if (isSet(v)) return { c: "set", items: v.sorted().map((x) => ({ c: "const", v: x })) };
  if (isObject(v))
    return {
      c: "object",
      entries: [...objEntries(v)].map(
        ([k, x]) =>
          [
            { c: "const", v: k },
            { c: "const", v: x },
          ] as [CTerm, CTerm],
      ),
    };
  return t;
}

/** The element terms of a composite (array, set, object keys and values); none for others. */
export function childTerms(t: CTerm): CTerm[] {
  if (t.c === "array" || t.c === "set") return t.items;
  if (t.c === "object") return t.entries.flat();
  return [];
}
