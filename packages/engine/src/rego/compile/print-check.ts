/**
 * OPA's print-call check (its RewritePrintCalls stage, with print enabled as
 * `opa eval` has it): a print argument may only use vars bound by the
 * expressions before it in source order, before any reordering, or the
 * function's args: otherwise "var x is undeclared" (rego_compile_error).
 * Closures see what their enclosing body bound before them; comprehensions in
 * a rule head are checked as bodies of their own, blind to the rule body.
 */
import type { Location } from "../ast.ts";
import type { RegoErrorDetail } from "../errors.ts";
import type { IRBody, IRExpr, IRTerm } from "./ir.ts";
import { irTermChildren, skipBodies } from "./ir-walk.ts";
import { exprOutputs, type SafetyCtx } from "./safety.ts";

export function checkPrintCalls(
  body: IRBody,
  refKeys: IRTerm[],
  headTerms: IRTerm[],
  globals: Set<number>,
  ctx: SafetyCtx,
  errors: RegoErrorDetail[],
): void {
  const c = new PrintCheck(ctx, errors);
  const safe = c.body(body, globals);
  // OPA first moves composite ref keys (`p[{… | …}]`) to the end of the body
  for (let i = 0; i < refKeys.length; i++) {
    const k = refKeys[i];
    c.closuresIn(k, k.t === "local" || k.t === "const" ? globals : safe);
  }
  for (let i = 0; i < headTerms.length; i++) {
    const t = headTerms[i];
    c.closuresIn(t, globals);
  }
}

class PrintCheck {
  private readonly ctx: SafetyCtx;
  private readonly errors: RegoErrorDetail[];

  constructor(ctx: SafetyCtx, errors: RegoErrorDetail[]) {
    this.ctx = ctx;
    this.errors = errors;
  }

  /** Checks a body; returns what is safe after it. */
  body(body: IRBody, globals: Set<number>): Set<number> {
    const safe = new Set(globals);
    for (let j = 0; j < body.length; j++) {
      const x = body[j];
      this.closuresOf(x, new Set(safe));
      if (x.e.k === "call" && x.e.fn.kind === "builtin" && x.e.fn.name === "print")
        for (let i = 0; i < x.e.args.length; i++) {
          const a = x.e.args[i];
          this.args(a, safe, x.loc);
        }
      for (const o of exprOutputs(x, safe)) safe.add(o);
    }
    return safe;
  }

  /** An expression's closures, checked with what is safe before it (every's own vars added). */
  private closuresOf(x: IRExpr, safe: Set<number>): void {
    const e = x.e;
    switch (e.k) {
      case "eq":
        this.closuresIn(e.a, safe);
        this.closuresIn(e.b, safe);
        break;
      case "call":
        for (let i = 0; i < e.args.length; i++) {
          const a = e.args[i];
          this.closuresIn(a, safe);
        }
        if (e.out) this.closuresIn(e.out, safe);
        break;
      case "term":
        this.closuresIn(e.t, safe);
        break;
      case "somein":
        for (const t of [e.key, e.value, e.coll]) if (t) this.closuresIn(t, safe);
        break;
      case "every":
        this.closuresIn(e.dom, safe);
        for (const t of [e.key, e.value]) if (t?.t === "local") safe.add(t.slot);
        this.body(e.body, safe);
        break;
      default: // not-bodies and logic operators: OPA's closure walk does not enter them
    }
    for (let i = 0; i < x.with.length; i++) {
      const w = x.with[i];
      this.closuresIn(w.value, safe);
    }
  }

  closuresIn(t: IRTerm, safe: Set<number>): void {
    if (t.t === "arraycompr" || t.t === "setcompr" || t.t === "objectcompr") this.body(t.body, safe);
    else irTermChildren(t, (c) => this.closuresIn(c, safe), skipBodies);
  }

  /** A print argument's vars (not those inside its closures) must be safe. */
  private args(t: IRTerm, safe: Set<number>, loc: Location): void {
    switch (t.t) {
      case "local":
        if (!safe.has(t.slot)) this.undeclared(t.slot, loc);
        return;
      // closures (template parts are comprehensions to OPA by now) are checked as bodies
      case "arraycompr":
      case "setcompr":
      case "objectcompr":
      case "template":
        return;
      default:
        irTermChildren(t, (c) => this.args(c, safe, loc), skipBodies);
    }
  }

  private undeclared(slot: number, loc: Location): void {
    const message = `var ${this.ctx.names[slot]} is undeclared`;
    if (this.errors.some((e) => e.message === message && e.location === loc)) return;
    this.errors.push({ code: "rego_compile_error", message, location: loc });
  }
}
