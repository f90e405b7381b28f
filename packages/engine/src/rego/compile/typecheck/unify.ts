/**
 * Unification of terms against types (OPA's unify1/unify2): checks that a
 * term can have a type, inferring types for the untyped vars inside it.
 */
import { keyOf } from "../../value.ts";
import type { Env } from "./env.ts";
import { type CTerm, childTerms, literal } from "./flatten.ts";
import { ANY, isAnyAll, isNil, or, select, type T, type Type, unifies, values } from "./types.ts";

/** What unification needs from the checker: the type of a term in an environment. */
export interface Typer {
  typeOf(env: Env, t: CTerm): T;
}

const itemAt = (t: Type & { k: "array" }, i: number): T => (i < t.static.length ? t.static[i] : t.dynamic);

/** Can `term` have type `tpe`? Untyped vars in it are given their part of `tpe` (or, with `union`, widened). */
export function unify1(ty: Typer, env: Env, term: CTerm, tpe: T, union: boolean): boolean {
  const t = literal(term);
  switch (t.c) {
    case "array":
    case "object":
    case "set": {
      if (tpe?.k === "any") {
        if (isAnyAll(tpe)) {
          for (const sub of childTerms(t)) unify1(ty, env, sub, ANY, true);
          return true;
        }
        let ok = false;
        for (let j = 0; j < tpe.of.length; j++) {
          const m = tpe.of[j];
          ok = unify1(ty, env, t, m, true) || ok;
        }
        return ok;
      }
      if (t.c === "array" && tpe?.k === "array") {
        if (t.items.length !== tpe.static.length && !tpe.dynamic) return false;
        return t.items.every((x, i) => unify1(ty, env, x, itemAt(tpe, i), union));
      }
      if (t.c === "object" && tpe?.k === "object") {
        if (t.entries.length !== tpe.static.length && !tpe.dynamic?.value) return false;
        for (let j = 0; j < t.entries.length; j++) {
          const k = t.entries[j][0];
          const v = t.entries[j][1];
          if (k.c === "const") {
            const child = select(tpe, k.v);
            if (!child || !unify1(ty, env, v, child, union)) return false;
          } else unify1(ty, env, v, ANY, union);
        }
        return true;
      }
      if (t.c === "set" && tpe?.k === "set") {
        const of = values(tpe);
        return t.items.every((x) => unify1(ty, env, x, of, union));
      }
      return false;
    }
    case "var": {
      if (!union) {
        const exist = env.get(t.id);
        if (exist) return unifies(exist, tpe);
        env.put(t.id, tpe);
      } else env.put(t.id, or(env.get(t.id), tpe));
      return true;
    }
    default:
      return unifies(ty.typeOf(env, t), tpe);
  }
}

/** Can terms a and b (of types typeA, typeB) be unified? Infers types for untyped vars on either side. */
export function unify2(ty: Typer, env: Env, a0: CTerm, typeA: T, b0: CTerm, typeB: T): boolean {
  const nilA = isNil(typeA);
  const nilB = isNil(typeB);
  if (nilA && !nilB) return unify1(ty, env, a0, typeB, false);
  if (nilB && !nilA) return unify1(ty, env, b0, typeA, false);
  if (!nilA && !nilB) return unifies(typeA, typeB);
  const a = literal(a0);
  const b = literal(b0);
  switch (a.c) {
    case "array":
      return unify2Array(ty, env, a, b);
    case "object":
      return unify2Object(ty, env, a, b);
    case "var":
      switch (b.c) {
        case "var":
          return unify1(ty, env, a, ANY, false) && unify1(ty, env, b, ty.typeOf(env, a), false);
        case "array":
          return unify2Array(ty, env, b, a);
        case "object":
          return unify2Object(ty, env, b, a);
        case "ref":
          return unify1(ty, env, a, ANY, false);
      }
      break;
    case "ref":
      if (b.c === "var") return unify1(ty, env, b, ANY, false);
      break;
  }
  // an untyped var against a partly typed term takes what is known
  if (a.c === "var" && !typeA && typeB) return unify1(ty, env, a, typeB, false);
  if (b.c === "var" && !typeB && typeA) return unify1(ty, env, b, typeA, false);
  return false;
}

function unify2Array(ty: Typer, env: Env, a: CTerm & { c: "array" }, b: CTerm): boolean {
  if (b.c === "array") {
    if (a.items.length !== b.items.length) return false;
    return a.items.every((x, i) =>
      unify2(ty, env, x, ty.typeOf(env, x), b.items[i], ty.typeOf(env, b.items[i])),
    );
  }
  if (b.c === "var") return unify1(ty, env, a, ANY, false) && unify1(ty, env, b, ty.typeOf(env, a), false);
  return false;
}

function unify2Object(ty: Typer, env: Env, a: CTerm & { c: "object" }, b: CTerm): boolean {
  if (b.c === "object") {
    const common: [CTerm, CTerm][] = [];
    for (let i = 0; i < a.entries.length; i++) {
      const k = a.entries[i][0];
      const v = a.entries[i][1];
      const other = b.entries.find(([k2]) => sameTerm(k, k2));
      if (other) common.push([v, other[1]]);
    }
    if (a.entries.length !== b.entries.length || b.entries.length !== common.length) return false;
    return common.every(([x, y]) => unify2(ty, env, x, ty.typeOf(env, x), y, ty.typeOf(env, y)));
  }
  if (b.c === "var") return unify1(ty, env, a, ANY, false) && unify1(ty, env, b, ty.typeOf(env, a), false);
  return false;
}

function sameTerm(a: CTerm, b: CTerm): boolean {
  if (a.c === "const" && b.c === "const") return keyOf(a.v) === keyOf(b.v);
  if (a.c === "var" && b.c === "var") return a.id === b.id;
  return false;
}
