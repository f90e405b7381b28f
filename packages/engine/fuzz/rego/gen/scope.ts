/**
 * What the generator knows while it writes a module: the syntax it may use,
 * the variables bound at this point (with their kinds), and the rules,
 * functions, input and data paths a term can refer to.
 */
import type { Rand } from "../random.ts";
import type { Kind } from "./types.ts";

/** Which keywords a module may use, from its Rego version and imports. */
export interface Syntax {
  v: 0 | 1;
  /** `if` may be written / must be written before rule bodies. */
  ifKw: boolean;
  mustIf: boolean;
  contains: boolean;
  inKw: boolean;
  every: boolean;
  imports: string[];
}

export interface Ref {
  /** How a term writes it in the current module, e.g. `r3`, `lib.f1`, `input.a`. */
  text: string;
  kind: Kind;
  /** A rule's full path (`data.fuzz.r3`), for `with` on it. */
  path?: string;
}

export interface FuncRef {
  text: string;
  args: Kind[];
  /** Result kind; bool for `f(x) if …` functions. */
  kind: Kind;
}

export interface Scope {
  name: string;
  kind: Kind;
}

export class Ctx {
  readonly r: Rand;
  readonly syn: Syntax;
  vars: Scope[] = [];
  readonly rules: Ref[] = [];
  readonly funcs: FuncRef[] = [];
  readonly inputs: Ref[];
  readonly data: Ref[];
  /** Rule and function names, to add more definitions to. */
  private n = 0;
  depth = 0;
  /**
   * Most programs are meant to type-check (so they reach evaluation): terms
   * keep to their declared kinds. The rest ("sloppy") mix kinds now and then
   * so type and safety errors get compared too.
   */
  readonly sloppy: boolean;

  constructor(r: Rand, syn: Syntax, inputs: Ref[], data: Ref[], sloppy = false) {
    this.sloppy = sloppy;
    this.r = r;
    this.syn = syn;
    this.inputs = inputs;
    this.data = data;
  }

  fresh(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  bind(name: string, kind: Kind): void {
    this.vars.push({ name, kind });
  }

  /** Run `f` in a nested scope: variables bound inside are gone after. */
  nested<T>(f: () => T): T {
    const saved = this.vars.length;
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
      this.vars.length = saved;
    }
  }

  /** Variables usable where `kind` is wanted: of that kind exactly in a clean program (an "any" var may hold anything statically). */
  varsOf(kind: Kind): Scope[] {
    return this.vars.filter((v) => kind === "any" || v.kind === kind || (this.sloppy && v.kind === "any"));
  }

  /** Whether a ref or function of `have` fits where `want` is wanted. */
  fits(have: Kind, want: Kind): boolean {
    return want === "any" || have === want || (this.sloppy && have === "any");
  }

  /** `if ` where the syntax wants or allows it. */
  ifWord(): string {
    return this.syn.mustIf || (this.syn.ifKw && this.r.chance(0.6)) ? "if " : "";
  }
}
