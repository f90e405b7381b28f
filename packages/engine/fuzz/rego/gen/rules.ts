/**
 * Rules of every form in the module's syntax: complete (with and without a
 * body, single-literal `if`), boolean, default, `else` chains, partial set
 * and object rules, ref heads (`a.b.c :=`, `a.b[k] :=`, multi-value
 * `a.b contains`), several definitions of one rule, and functions with
 * several definitions, pattern arguments and else chains.
 */
import { bodyLits, type Lit, renderLines } from "./body.ts";
import type { Ctx } from "./scope.ts";
import { term } from "./terms.ts";
import type { Kind } from "./types.ts";
import { typeOfKind } from "./types.ts";
import { literal, randomValue } from "./values.ts";

const VALUE_KINDS: Kind[] = ["num", "str", "bool", "arr", "set", "obj", "any", "null"];

/** `:=` or `=` in a head (v0 allows both; v1 allows both for values). */
function assignOp(c: Ctx): string {
  return c.r.chance(0.7) ? ":=" : "=";
}

/** A body in braces, after the syntax's `if` (empty string when the rule has no body). */
function block(c: Ctx, lits: Lit[]): string {
  const lines = renderLines(lits, "\t");
  return `${c.ifWord()}{\n${lines.join("\n")}\n}`;
}

function body(c: Ctx, min = 1): Lit[] {
  return bodyLits(c, min + c.r.int(2));
}

/** A rule at `ctx`; returns its lines and registers it for later terms to refer to. */
export function rule(c: Ctx, pkgPath: string, refPrefix: string): string {
  const r = c.r;
  c.vars = [];
  const roll = r.int(100);
  const register = (name: string, kind: Kind) =>
    c.rules.push({ text: `${refPrefix}${name}`, kind, path: `${pkgPath}.${name}` });

  // several definitions of an existing complete rule
  if (roll < 8) {
    const prev = c.rules.filter((x) => /^r\d+$/.test(x.text.slice(refPrefix.length)));
    if (prev.length) {
      const p = r.pick(prev);
      const name = p.text.slice(refPrefix.length);
      const b = body(c);
      return `${name} ${assignOp(c)} ${term(c, p.kind)} ${block(c, b)}`;
    }
  }
  if (roll < 30) {
    const name = c.fresh("r");
    const kind = r.pick(VALUE_KINDS);
    let out: string;
    const form = r.int(4);
    if (form === 0) {
      c.vars = [];
      out = `${name} ${assignOp(c)} ${term(c, kind)}`;
    } else if (form === 1 && (c.syn.ifKw || c.syn.mustIf)) {
      const lits = body(c, 1);
      const b = lits.length === 1 && typeof lits[0] === "string" ? [lits[0]] : [];
      out = b.length
        ? `${name} ${assignOp(c)} ${term(c, kind)} if ${b[0]}`
        : `${name} ${assignOp(c)} ${term(c, kind)}`;
    } else {
      const b = body(c);
      out = `${name} ${assignOp(c)} ${term(c, kind)} ${block(c, b)}`;
    }
    if (r.chance(0.3)) {
      c.vars = [];
      out = `default ${name} ${assignOp(c)} ${literal(randomValue(r, typeOfKind(kind === "any" ? "num" : kind)))}\n\n${out}`;
    }
    register(name, kind);
    return out;
  }
  if (roll < 40) {
    const name = c.fresh("r");
    const b = body(c);
    const v0Style = !c.syn.mustIf && r.chance(0.3);
    register(name, "bool");
    return v0Style ? `${name} = true ${block(c, b)}` : `${name} ${block(c, b)}`;
  }
  if (roll < 50) {
    // else chain
    const name = c.fresh("r");
    const kind = r.pick(VALUE_KINDS);
    const parts: string[] = [];
    const b = body(c);
    parts.push(`${name} ${assignOp(c)} ${term(c, kind)} ${block(c, b)}`);
    for (let i = r.int(3); i >= 0; i--) {
      c.vars = [];
      const last = i === 0 && r.chance(0.5);
      if (last) parts.push(`else ${assignOp(c)} ${term(c, kind)}`);
      else {
        const eb = body(c);
        parts.push(
          r.chance(0.15) ? `else ${block(c, eb)}` : `else ${assignOp(c)} ${term(c, kind)} ${block(c, eb)}`,
        );
      }
    }
    register(name, kind);
    return parts.join(" ");
  }
  if (roll < 65) {
    // partial set (multi-value)
    const name = c.fresh("s");
    const b = body(c);
    const head = term(c);
    register(name, "set");
    const more = r.chance(0.3) ? `\n\n${setRule(c, name)}` : "";
    if (c.syn.contains && (c.syn.mustIf || r.chance(0.7)))
      return `${name} contains ${head} ${block(c, b)}${more}`;
    return `${name}[${head}] ${block(c, b)}${more}`;
  }
  if (roll < 78) {
    // partial object
    const name = c.fresh("o");
    const b = body(c);
    const key = term(c, r.pick(["str", "num", "any"] as Kind[]));
    const val = term(c);
    register(name, "obj");
    return `${name}[${key}] ${assignOp(c)} ${val} ${block(c, b)}`;
  }
  // ref heads
  const name = c.fresh("h");
  const seg = r.pick(["a", "b", "c"]);
  const form = r.int(3);
  const b = body(c);
  if (form === 0) {
    const kind = r.pick(VALUE_KINDS);
    register(`${name}.${seg}.x`, kind);
    c.rules.push({ text: `${refPrefix}${name}`, kind: "obj", path: `${pkgPath}.${name}` });
    return `${name}.${seg}.x ${assignOp(c)} ${term(c, kind)} ${block(c, b)}`;
  }
  if (form === 1) {
    const key = term(c, r.pick(["str", "num", "any"] as Kind[]));
    register(`${name}.${seg}`, "obj");
    return `${name}.${seg}[${key}] ${assignOp(c)} ${term(c)} ${block(c, b)}`;
  }
  register(`${name}.${seg}`, "set");
  if (c.syn.contains) return `${name}.${seg} contains ${term(c)} ${block(c, b)}`;
  return `${name}.${seg}[${term(c)}] ${block(c, b)}`;
}

function setRule(c: Ctx, name: string): string {
  c.vars = [];
  const b = body(c);
  const head = term(c);
  if (c.syn.contains && (c.syn.mustIf || c.r.chance(0.7))) return `${name} contains ${head} ${block(c, b)}`;
  return `${name}[${head}] ${block(c, b)}`;
}

/** A function with one or more definitions; registered after its definitions unless it is meant to recurse. */
export function func(c: Ctx, refPrefix: string): string {
  const r = c.r;
  const name = c.fresh("f");
  const arity = 1 + r.int(3);
  const args: Kind[] = Array.from({ length: arity }, () => r.pick(["num", "str", "any", "arr"] as Kind[]));
  const boolFn = r.chance(0.25);
  const kind: Kind = boolFn ? "bool" : r.pick(VALUE_KINDS);
  const ref = { text: `${refPrefix}${name}`, args, kind };
  const recursive = r.chance(0.03);
  if (recursive) c.funcs.push(ref);
  const defs: string[] = [];
  for (let d = r.chance(0.4) ? 1 + r.int(3) : 1; d > 0; d--) {
    c.vars = [];
    const params = args.map((k) => {
      const roll = r.int(10);
      if (roll === 0) return literal(randomValue(r, typeOfKind(k === "any" ? "num" : k)));
      if (roll === 1 && (k === "arr" || k === "any")) {
        const a = c.fresh("a");
        const b = c.fresh("a");
        c.bind(a, "any");
        c.bind(b, "any");
        return `[${a}, ${b}]`;
      }
      if (roll === 2) return "_";
      const v = c.fresh("a");
      c.bind(v, k);
      return v;
    });
    const head = `${name}(${params.join(", ")})`;
    const form = r.int(4);
    if (boolFn) {
      defs.push(`${head} ${block(c, body(c))}`);
    } else if (form === 0) {
      defs.push(`${head} ${assignOp(c)} ${term(c, kind)}`);
    } else if (form === 1) {
      // each else branch sees the parameters only, not the bodies before it
      const paramScope = c.vars.slice();
      const b = body(c);
      const first = `${head} ${assignOp(c)} ${term(c, kind)} ${block(c, b)}`;
      c.vars = paramScope.slice();
      const eb = body(c);
      const second = `else ${assignOp(c)} ${term(c, kind)} ${block(c, eb)}`;
      c.vars = paramScope.slice();
      defs.push(`${first} ${second} else ${assignOp(c)} ${term(c, kind)}`);
    } else {
      const b = body(c);
      defs.push(`${head} ${assignOp(c)} ${term(c, kind)} ${block(c, b)}`);
    }
  }
  if (!recursive) c.funcs.push(ref);
  return defs.join("\n\n");
}
