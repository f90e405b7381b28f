/**
 * Terms of a wanted kind: literals, bound variables, input/data refs, rule
 * refs, user function calls, builtin calls (every builtin, arguments of the
 * declared types most of the time and of any type sometimes), arithmetic and
 * set operators, and array/set/object comprehensions nested in each other.
 */
import { bodyInline } from "./body.ts";
import type { Ctx } from "./scope.ts";
import {
  type BuiltinSig,
  builtinCatalogue,
  type GenType,
  type Kind,
  kindOf,
  NONDETERMINISTIC,
  typeOfKind,
} from "./types.ts";
import { literal, randomValue, SMALL_NUMBERS } from "./values.ts";

/** Builtins whose numeric arguments size their work (ranges, shifts): kept small so neither side runs for minutes. */
const SMALL_ARGS = new Set([
  "numbers.range",
  "numbers.range_step",
  "bits.lsh",
  "strings.repeat",
  "net.cidr_expand",
]);

let byResult: Map<Kind, BuiltinSig[]> | undefined;
function builtinsFor(kind: Kind): BuiltinSig[] {
  if (!byResult) {
    byResult = new Map();
    for (const b of builtinCatalogue()) {
      if (NONDETERMINISTIC.has(b.name) || !b.result || b.infix) continue;
      const k = kindOf(b.result);
      for (const key of k === "any" ? (["any"] as Kind[]) : ([k, "any"] as Kind[])) {
        const xs = byResult.get(key) ?? [];
        xs.push(b);
        byResult.set(key, xs);
      }
    }
  }
  return byResult.get(kind) ?? byResult.get("any") ?? [];
}

/** Every generatable builtin, for the program-level "call one of each" share. */
export function callableBuiltins(): BuiltinSig[] {
  return builtinCatalogue().filter((b) => !NONDETERMINISTIC.has(b.name) && !b.infix);
}

const pickKind = (c: Ctx): Kind =>
  c.r.pick(["num", "num", "str", "str", "bool", "arr", "set", "obj", "null", "any"]);

/** A term that is not a literal (a variable, input/data/rule ref or call), for unification targets whose shape must stay open. */
export function openTerm(c: Ctx, kind: Kind): string {
  const r = c.r;
  const vs = c.varsOf(kind);
  if (vs.length && r.chance(0.5)) return r.pick(vs).name;
  const xs = [...c.inputs, ...c.data, ...c.rules].filter((x) => x.kind === kind || x.kind === "any");
  if (xs.length) return r.pick(xs).text;
  return kind === "obj" ? "input" : "input.a";
}

export function term(c: Ctx, kind: Kind = pickKind(c)): string {
  const r = c.r;
  const deep = c.depth > 2;
  for (let tries = 0; tries < 4; tries++) {
    const roll = r.int(100);
    if (roll < 22) return literal(randomValue(r, typeOfKind(kind === "any" ? pickKind(c) : kind)));
    if (roll < 38) {
      const vs = c.varsOf(kind);
      if (vs.length) return r.pick(vs).name;
    } else if (roll < 48) {
      const xs = [...c.inputs, ...c.data].filter((x) => kind === "any" || x.kind === kind);
      if (xs.length) return r.pick(xs).text;
    } else if (roll < 56) {
      const xs = c.rules.filter((x) => c.fits(x.kind, kind));
      if (xs.length) return r.pick(xs).text;
    } else if (roll < 62) {
      const fs = c.funcs.filter((f) => c.fits(f.kind, kind));
      if (fs.length && !deep) {
        const f = r.pick(fs);
        return `${f.text}(${f.args.map((a) => term(c, a)).join(", ")})`;
      }
    } else if (roll < 72) {
      if (!deep && r.chance(c.depth === 0 ? 1 : 0.5)) {
        // deprecated builtins are undefined in v1: called there only now and then, for the error
        const exact = c.sloppy ? [] : builtinsFor(kind).filter((x) => x.result && kindOf(x.result) === kind);
        const b = r.pick(exact.length ? exact : builtinsFor(kind));
        if (!b.deprecated || c.syn.v === 0 || (c.sloppy && r.chance(0.2))) return builtinCall(c, b);
      }
    } else if (roll < 82) {
      if (!deep) {
        const op = operator(c, kind);
        if (op) return op;
      }
    } else if (roll < 88) {
      if (!deep && r.chance(c.depth === 0 ? 0.8 : 0.3)) {
        const comp = comprehension(c, kind);
        if (comp) return comp;
      }
    } else if (roll < 96) {
      if (!deep) {
        const coll = collection(c, kind);
        if (coll) return coll;
      }
    } else {
      // an element of a collection: a ref with a constant index (into input or data, whose types are open)
      const docs = [...c.inputs, ...c.data].filter(
        (x) => x.kind === "arr" || x.kind === "obj" || x.kind === "any",
      );
      const vs = c.sloppy
        ? c.vars.filter((v) => v.kind === "arr" || v.kind === "obj" || v.kind === "any")
        : [];
      const all = [...docs.map((d) => ({ name: d.text, kind: d.kind })), ...vs];
      if (all.length) {
        const v = r.pick(all);
        const idx =
          v.kind === "arr" || (v.kind === "any" && r.chance(0.5))
            ? literal(r.int(3))
            : literal(r.pick(["a", "b", "k"]));
        return `${v.name}[${idx}]`;
      }
    }
  }
  return literal(randomValue(r, typeOfKind(kind === "any" ? "num" : kind)));
}

/** Arguments of a declared type: a literal of exactly that type, or a term of its kind, or (rarely) anything. */
function argument(c: Ctx, b: BuiltinSig, ty: GenType): string {
  const r = c.r;
  if (c.sloppy && r.chance(0.05)) return term(c, pickKind(c));
  if (SMALL_ARGS.has(b.name) && kindOf(ty) === "num") return literal(r.pick(SMALL_NUMBERS));
  if (r.chance(0.6)) return literal(randomValue(r, ty));
  return term(c, kindOf(ty));
}

export function builtinCall(c: Ctx, b: BuiltinSig): string {
  c.depth++;
  try {
    return `${b.name}(${b.args.map((a) => argument(c, b, a)).join(", ")})`;
  } finally {
    c.depth--;
  }
}

function operator(c: Ctx, kind: Kind): string | undefined {
  const r = c.r;
  c.depth++;
  try {
    if (kind === "num" || (kind === "any" && r.chance(0.5)))
      return `(${term(c, "num")} ${r.pick(["+", "-", "*", "/", "%"])} ${term(c, "num")})`;
    if (kind === "set" || kind === "any")
      return `(${term(c, "set")} ${r.pick(["|", "&", "-"])} ${term(c, "set")})`;
    return undefined;
  } finally {
    c.depth--;
  }
}

function comprehension(c: Ctx, kind: Kind): string | undefined {
  const r = c.r;
  if (kind !== "arr" && kind !== "set" && kind !== "obj" && kind !== "any") return undefined;
  const k = kind === "any" ? r.pick(["arr", "set", "obj"] as const) : kind;
  return c.nested(() => {
    const body = bodyInline(c, 1 + r.int(3));
    if (k === "obj") {
      const key = term(c, r.pick(["str", "num", "any"] as Kind[]));
      return `{${key}: ${term(c)} | ${body}}`;
    }
    const head = term(c);
    return k === "arr" ? `[${head} | ${body}]` : `{${head} | ${body}}`;
  });
}

function collection(c: Ctx, kind: Kind): string | undefined {
  const r = c.r;
  c.depth++;
  try {
    const n = r.int(4);
    const items = () => Array.from({ length: n }, () => term(c));
    if (kind === "arr") return `[${items().join(", ")}]`;
    if (kind === "set") return n === 0 ? "set()" : `{${items().join(", ")}}`;
    if (kind === "obj")
      return `{${Array.from({ length: n }, () => `${term(c, r.pick(["str", "str", "num", "any"] as Kind[]))}: ${term(c)}`).join(", ")}}`;
    return undefined;
  } finally {
    c.depth--;
  }
}
