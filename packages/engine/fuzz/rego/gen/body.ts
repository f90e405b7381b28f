/**
 * Rule and comprehension bodies: assignment and unification (plain and
 * destructuring), `some … in` and `some x; xs[x]`, comparisons, membership,
 * `every`, negation of every kind of expression, `with` on input, data,
 * rules, user functions and builtins, and print.
 */
import type { Ctx } from "./scope.ts";
import { callableBuiltins, openTerm, term } from "./terms.ts";
import type { Kind } from "./types.ts";
import { literal } from "./values.ts";

/** A body literal: one line, or an `every` block with its own body. */
export type Lit = string | { head: string; body: Lit[] };

const COLL: Kind[] = ["arr", "set", "obj", "any"];

export function bodyLits(c: Ctx, n: number): Lit[] {
  const out: Lit[] = [];
  for (let i = 0; i < n; i++) out.push(...lit(c));
  return out;
}

export function renderLines(lits: Lit[], indent: string): string[] {
  const out: string[] = [];
  for (const l of lits) {
    if (typeof l === "string") out.push(indent + l);
    else {
      out.push(`${indent}${l.head} {`);
      out.push(...renderLines(l.body, `${indent}\t`));
      out.push(`${indent}}`);
    }
  }
  return out;
}

export function renderInline(lits: Lit[]): string {
  return lits.map((l) => (typeof l === "string" ? l : `${l.head} { ${renderInline(l.body)} }`)).join("; ");
}

export function bodyInline(c: Ctx, n: number): string {
  return renderInline(bodyLits(c, n));
}

/**
 * Two terms to compare or unify. The type checker rejects comparing values
 * whose static types cannot match (even `[1] == [1, 2]`), so a clean program
 * compares scalars of one kind, or anything with an input/data ref.
 */
function pair(c: Ctx): [string, string] {
  const r = c.r;
  const docs = [...c.inputs, ...c.data];
  if (c.sloppy) {
    const k = r.pick(["num", "str", "any", "arr", "bool"] as Kind[]);
    return [term(c, k), term(c, k)];
  }
  if (docs.length && r.chance(0.3)) {
    const a = r.pick(docs).text;
    const b = term(c);
    return r.chance(0.5) ? [a, b] : [b, a];
  }
  const k = r.pick(["num", "str", "num", "str", "bool"] as Kind[]);
  return [term(c, k), term(c, k)];
}

function cmp(c: Ctx): string {
  const op = c.r.pick(["==", "!=", "<", "<=", ">", ">=", "=="]);
  const [a, b] = pair(c);
  return `${a} ${op} ${b}`;
}

function cond(c: Ctx): string {
  const r = c.r;
  const bools = c.rules.filter((x) => x.kind === "bool" || x.kind === "any");
  const fs = c.funcs.filter((f) => f.kind === "bool");
  switch (r.int(6)) {
    case 0:
      if (bools.length) return r.pick(bools).text;
      break;
    case 1:
      if (fs.length) {
        const f = r.pick(fs);
        return `${f.text}(${f.args.map((a) => term(c, a)).join(", ")})`;
      }
      break;
    case 2:
      if (c.syn.inKw) return membership(c);
      break;
    case 3:
      return cmp(c);
  }
  return term(c, r.pick(["bool", "bool", "any"] as Kind[]));
}

/** ` with target as value` modifiers: input, data, a rule, a user function, a builtin. */
function withs(c: Ctx): string {
  const r = c.r;
  const out: string[] = [];
  for (let i = 1 + (r.chance(0.2) ? 1 : 0); i > 0; i--) {
    switch (r.int(6)) {
      case 0:
        out.push(`with input as ${term(c, "obj")}`);
        break;
      case 1: {
        const x = c.inputs.length ? r.pick(c.inputs) : undefined;
        out.push(`with ${x ? x.text : "input.a"} as ${term(c, x?.kind ?? "any")}`);
        break;
      }
      case 2: {
        const x = c.data.length ? r.pick(c.data) : undefined;
        out.push(`with ${x ? x.text : "data.d.a"} as ${term(c, x?.kind ?? "any")}`);
        break;
      }
      case 3: {
        const rules = c.rules.filter((x) => x.path);
        if (rules.length) {
          const rule = r.pick(rules);
          out.push(`with ${rule.path} as ${term(c, rule.kind)}`);
        }
        break;
      }
      case 4: {
        if (c.funcs.length) {
          const f = r.pick(c.funcs);
          const same = c.funcs.filter((g) => g.args.length === f.args.length && g !== f);
          out.push(`with ${f.text} as ${same.length && r.chance(0.7) ? r.pick(same).text : term(c, f.kind)}`);
        }
        break;
      }
      default: {
        // builtin mock: by a user function of the same arity (which may call other functions) or a value
        const b = r.pick(callableBuiltins());
        const same = c.funcs.filter((g) => g.args.length === b.args.length);
        out.push(`with ${b.name} as ${same.length && r.chance(0.7) ? r.pick(same).text : term(c, "any")}`);
      }
    }
  }
  return out.length ? ` ${out.join(" ")}` : "";
}

/**
 * `x in xs` / `k, v in xs`. The type checker rejects a member whose type
 * cannot be in the collection's, so a clean program tests membership in
 * input or data (open types) or of a value from there.
 */
function membership(c: Ctx): string {
  const r = c.r;
  const docs = [...c.inputs, ...c.data];
  let coll: string;
  let elem: () => string = () => term(c);
  if (c.sloppy || !docs.length) coll = term(c, r.pick(COLL));
  else if (r.chance(0.6))
    coll = r.pick(docs.filter((d) => d.kind !== "num" && d.kind !== "bool") || docs)?.text ?? "input.a";
  else {
    coll = term(c, r.pick(COLL));
    elem = () => r.pick(docs).text;
  }
  if (r.chance(0.3)) return `${elem()}, ${elem()} in ${coll}`;
  return `${elem()} in ${coll}`;
}

/** A literal that uses every one of `vars`. */
function use(c: Ctx, vars: string[]): string {
  const r = c.r;
  const t = vars.length === 1 ? vars[0] : `[${vars.join(", ")}]`;
  if (r.chance(0.4)) {
    const x = c.fresh("x");
    c.bind(x, "any");
    return `${x} := ${t}`;
  }
  const docs = [...c.inputs, ...c.data];
  const other = c.sloppy || !docs.length ? term(c) : r.pick(docs).text;
  return `${t} ${r.pick(["!=", "==", "!="])} ${other}`;
}

function lit(c: Ctx): Lit[] {
  const r = c.r;
  const roll = r.int(100);
  if (roll < 20) {
    const k = r.pick(["num", "str", "arr", "set", "obj", "bool", "any"] as Kind[]);
    const t = term(c, k);
    const v = c.fresh("x");
    c.bind(v, k);
    return [`${v} := ${t}`];
  }
  if (roll < 25) {
    const k = r.pick(["num", "str", "arr", "any"] as Kind[]);
    const t = term(c, k);
    const v = c.fresh("x");
    c.bind(v, k);
    return [r.chance(0.5) ? `${v} = ${t}` : `${t} = ${v}`];
  }
  if (roll < 31) {
    const a = c.fresh("x");
    const b = c.fresh("x");
    let s: string;
    if (r.chance(0.4)) s = `[${a}, ${b}] ${r.pick([":=", "="])} [${term(c)}, ${term(c)}]`;
    else if (r.chance(0.6)) s = `[${a}, ${r.chance(0.5) ? "_" : b}] = ${openTerm(c, "arr")}`;
    else s = `{${literal(r.pick(["a", "b", "k"]))}: ${a}, "c": ${b}} = ${openTerm(c, "obj")}`;
    c.bind(a, "any");
    c.bind(b, "any");
    return [s];
  }
  if (roll < 43) {
    const coll = term(c, r.pick(COLL));
    const v = c.fresh("x");
    if (c.syn.inKw && r.chance(0.75)) {
      // a declared variable must be used: OPA rejects unused ones
      if (r.chance(0.4)) {
        const k = c.fresh("x");
        c.bind(k, "any");
        c.bind(v, "any");
        return [`some ${k}, ${v} in ${coll}`, use(c, [k, v])];
      }
      c.bind(v, "any");
      return [`some ${v} in ${coll}`, use(c, [v])];
    }
    c.bind(v, "any");
    if (r.chance(0.5)) return [`${v} := ${coll}[_]`];
    // `some x; xs[x]` needs a ref (or a literal collection) to index
    const xs = c.vars.filter((x) => x.kind !== "num" && x.kind !== "bool" && x.name !== v);
    return [`some ${v}`, `${xs.length ? r.pick(xs).name : "input.a"}[${v}]`];
  }
  if (roll < 55) return [cmp(c)];
  if (roll < 59 && c.syn.inKw) return [membership(c)];
  if (roll < 64 && c.syn.every && c.depth < 3) {
    const coll = term(c, r.pick(COLL));
    return [
      c.nested(() => {
        const v = c.fresh("x");
        let head = `every ${v} in ${coll}`;
        if (r.chance(0.4)) {
          const k = c.fresh("x");
          c.bind(k, "any");
          head = `every ${k}, ${v} in ${coll}`;
        }
        c.bind(v, "any");
        const vars = head.startsWith(`every ${v}`) ? [v] : [head.split(" ")[1].replace(",", ""), v];
        return { head, body: [use(c, vars), ...bodyLits(c, r.int(2))] };
      }),
    ];
  }
  if (roll < 74) {
    switch (r.int(6)) {
      case 5: {
        // a ref with `_` under `not`: unsafe, unless a nested call holds it (OPA moves only
        // nested calls out of the negation before checking safety)
        const coll = term(c, r.pick(["arr", "obj", "set"] as Kind[]));
        switch (r.int(3)) {
          case 0:
            return [`not ${coll}[_] == ${term(c, "any")}`];
          case 1:
            return [`not count(${coll}[_]) == ${term(c, "num")}`];
          default:
            return [`not startswith(${term(c, "str")}, ${coll}[_])`];
        }
      }
      case 0:
        return [`not ${cmp(c)}`];
      case 1:
        return [`not ${cond(c)}${r.chance(0.3) ? withs(c) : ""}`];
      case 2:
        return [`not ${term(c, "bool")}`];
      case 3:
        if (c.syn.inKw) return [`not ${membership(c)}`];
        return [`not ${cond(c)}`];
      default: {
        const [a, b] = pair(c);
        return [`not ${a} = ${b}`];
      }
    }
  }
  if (roll < 82) return [cond(c)];
  if (roll < 92) {
    // a rule, function or builtin evaluated under `with`
    const k = r.pick(["num", "str", "arr", "set", "obj", "bool", "any"] as Kind[]);
    const t = term(c, k);
    const w = withs(c);
    if (r.chance(0.5)) return [`${cond(c)}${w}`];
    const v = c.fresh("x");
    c.bind(v, k);
    return [`${v} := ${t}${w}`];
  }
  if (roll < 94) return [`print(${term(c)}, ${term(c)})`];
  const [a, b] = pair(c);
  return [`${a} = ${b}`];
}
