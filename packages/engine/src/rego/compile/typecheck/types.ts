/**
 * Rego's static types and their algebra, with OPA's semantics (its `types`
 * package and the checker's `unifies`): a type is null, boolean, number,
 * string, an array (static items and/or a dynamic item type), an object
 * (static properties and/or a dynamic key/value), a set, a union (`any<...>`,
 * the empty union being `any`) or a function. `undefined` is OPA's nil type:
 * "not known (yet)", which most checks let through.
 */
import { compare as compareValues, isArray, isObject, isSet, objEntries, type Value } from "../../value.ts";

export type Type =
  | { k: "null" }
  | { k: "boolean" }
  | { k: "number" }
  | { k: "string" }
  | { k: "array"; static: T[]; dynamic?: T }
  | { k: "object"; static: StaticProp[]; dynamic?: DynamicProp }
  | { k: "set"; of?: T }
  | { k: "any"; of: Type[] }
  | FnType;

/** A type or nil. */
export type T = Type | undefined;

export interface StaticProp {
  key: Value;
  value: T;
}

export interface DynamicProp {
  key: T;
  value: T;
}

export interface FnType {
  k: "function";
  args: T[];
  result?: T;
  variadic?: T;
  /** Argument and result names (messages only). */
  argNames?: (string | undefined)[];
  resultName?: string;
}

export const NULL: Type = { k: "null" };
export const BOOL: Type = { k: "boolean" };
export const NUM: Type = { k: "number" };
export const STR: Type = { k: "string" };
export const ANY: Type = { k: "any", of: [] };

export const arrayOf = (stat: T[], dynamic?: T): Type => ({ k: "array", static: stat, dynamic });
export const setOf = (of: T): Type => ({ k: "set", of });

export function objectOf(stat: StaticProp[], dynamic?: DynamicProp): Type {
  const sorted = [...stat].sort((a, b) => compareValues(a.key, b.key));
  return { k: "object", static: sorted, dynamic };
}

export function newAny(of: Type[]): Type {
  return { k: "any", of: [...of].sort(compareTypes) };
}

export const isAnyAll = (t: T): boolean => t?.k === "any" && t.of.length === 0;

function order(t: T): number {
  if (!t) return -1;
  switch (t.k) {
    case "null":
      return 0;
    case "boolean":
      return 1;
    case "number":
      return 2;
    case "string":
      return 3;
    case "array":
      return 4;
    case "object":
      return 5;
    case "set":
      return 6;
    case "any":
      return 7;
    case "function":
      return 8;
  }
}

function compareLists(a: T[], b: T[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareTypes(a[i], b[i]);
    if (c) return c;
  }
  return a.length - b.length === 0 ? 0 : a.length < b.length ? -1 : 1;
}

/** A total order on types (OPA's types.Compare), used to keep unions sorted and deduplicated. */
export function compareTypes(a: T, b: T): number {
  const x = order(a);
  const y = order(b);
  if (x !== y) return x < y ? -1 : 1;
  if (!a || !b) return 0;
  switch (a.k) {
    case "array": {
      const bb = b as Extract<Type, { k: "array" }>;
      if (a.dynamic && !bb.dynamic) return 1;
      if (bb.dynamic && !a.dynamic) return -1;
      if (a.dynamic && bb.dynamic) {
        const c = compareTypes(a.dynamic, bb.dynamic);
        if (c) return c;
      }
      return compareLists(a.static, bb.static);
    }
    case "object": {
      const bb = b as Extract<Type, { k: "object" }>;
      if (a.dynamic && !bb.dynamic) return 1;
      if (bb.dynamic && !a.dynamic) return -1;
      if (a.dynamic && bb.dynamic) {
        const c =
          compareTypes(a.dynamic.key, bb.dynamic.key) || compareTypes(a.dynamic.value, bb.dynamic.value);
        if (c) return c;
      }
      const n = Math.min(a.static.length, bb.static.length);
      for (let i = 0; i < n; i++) {
        const c =
          compareValues(a.static[i].key, bb.static[i].key) ||
          compareTypes(a.static[i].value, bb.static[i].value);
        if (c) return c;
      }
      return a.static.length === bb.static.length ? 0 : a.static.length < bb.static.length ? -1 : 1;
    }
    case "set": {
      const bb = b as Extract<Type, { k: "set" }>;
      if (!a.of && !bb.of) return 0;
      if (!a.of) return -1;
      if (!bb.of) return 1;
      return compareTypes(a.of, bb.of);
    }
    case "any":
      return compareLists(a.of, (b as Extract<Type, { k: "any" }>).of);
    case "function": {
      const bb = b as FnType;
      if (a.args.length !== bb.args.length) return a.args.length < bb.args.length ? -1 : 1;
      return (
        compareLists(a.args, bb.args) ||
        compareTypes(a.result, bb.result) ||
        compareTypes(a.variadic, bb.variadic)
      );
    }
    default:
      return 0;
  }
}

function anyContains(a: Extract<Type, { k: "any" }>, b: T): boolean {
  if (b?.k === "function") return false;
  return a.of.length === 0 || a.of.some((x) => compareTypes(x, b) === 0);
}

/** Whether b is one of a's members (or a itself). */
export function contains(a: T, b: T): boolean {
  if (a?.k === "any") return anyContains(a, b);
  return compareTypes(a, b) === 0;
}

function anyMerge(a: Extract<Type, { k: "any" }>, other: Type): Type {
  if (other.k === "any") {
    if (a.of.length === 0) return a;
    if (other.of.length === 0) return other;
    const out = [...a.of];
    for (let i = 0; i < other.of.length; i++) {
      const t = other.of[i];
      if (!out.some((x) => compareTypes(x, t) === 0)) out.push(t);
    }
    return newAny(out);
  }
  if (anyContains(a, other)) return a;
  return newAny([...a.of, other]);
}

function fnUnion(a: FnType, b: FnType): T {
  if (a.args.length !== b.args.length) return undefined;
  if (!!a.variadic !== !!b.variadic) return undefined;
  return {
    k: "function",
    args: a.args.map((x, i) => or(x, b.args[i])),
    result: or(a.result, b.result),
    variadic: or(a.variadic, b.variadic),
  };
}

/** The union of two types (OPA's types.Or); nil is the identity. */
export function or(a: T, b: T): T {
  if (!a) return b;
  if (!b) return a;
  if (a.k === "function" && b.k === "function") return fnUnion(a, b);
  if (a.k === "function" || b.k === "function") return undefined;
  if (a.k === "any") return anyMerge(a, b);
  if (b.k === "any") return anyMerge(b, a);
  if (compareTypes(a, b) === 0) return a;
  return newAny([a, b]);
}

/** The type of a constant term: a literal set is a set of its members' types. */
export function typeOfValue(v: Value): Type {
  // scalars (most constants) straight away
  if (typeof v !== "object" || v === null) return typeOfJSON(v);
  if (isSet(v)) {
    let of: T;
    for (const x of v.sorted()) of = or(of, typeOfValue(x));
    return setOf(of);
  }
  if (isArray(v)) return arrayOf(v.map(typeOfValue));
  if (isObject(v)) return objectOf([...objEntries(v)].map(([key, x]) => ({ key, value: typeOfValue(x) })));
  return typeOfJSON(v);
}

/** The type of a constant key as OPA sees it: its JSON form's (sets are arrays). */
export function typeOfJSON(v: Value): Type {
  if (v === null) return NULL;
  switch (typeof v) {
    case "boolean":
      return BOOL;
    case "number":
    case "bigint":
      return NUM;
    case "string":
      return STR;
  }
  if (isArray(v)) return arrayOf(v.map(typeOfJSON));
  if (isSet(v)) return arrayOf(v.sorted().map(typeOfJSON));
  if (isObject(v)) return objectOf([...objEntries(v)].map(([key, x]) => ({ key, value: typeOfJSON(x) })));
  return ANY;
}

function integerIndex(x: Value): number | undefined {
  if (typeof x === "number" && Number.isInteger(x)) return x;
  if (typeof x === "bigint") return Number(x);
  return undefined;
}

/** The type of member `x` (a constant key) of a value of type a, or nil if it can't have one. */
export function select(a: T, x: Value): T {
  if (!a) return undefined;
  switch (a.k) {
    case "array": {
      const pos = integerIndex(x);
      if (pos === undefined || pos < 0) return undefined;
      if (pos < a.static.length) return a.static[pos];
      return a.dynamic;
    }
    case "object": {
      const p = a.static.find((s) => compareValues(s.key, x) === 0);
      if (p) return p.value;
      if (a.dynamic && contains(a.dynamic.key, typeOfJSON(x))) return a.dynamic.value;
      return undefined;
    }
    case "set": {
      const tpe = typeOfJSON(x);
      if (compareTypes(a.of, tpe) === 0) return a.of;
      if (a.of?.k === "any" && anyContains(a.of, tpe)) return tpe;
      return undefined;
    }
    case "any": {
      if (a.of.length === 0) return ANY;
      let out: T;
      for (let i = 0; i < a.of.length; i++) {
        const m = a.of[i];
        out = or(select(m, x), out);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** The key type of a collection type (nil for scalars). */
export function keys(a: T): T {
  if (!a) return undefined;
  switch (a.k) {
    case "array":
      return NUM;
    case "object": {
      let out: T;
      for (let i = 0; i < a.static.length; i++) {
        const s = a.static[i];
        out = or(out, typeOfJSON(s.key));
      }
      if (a.dynamic) out = or(out, a.dynamic.key);
      return out;
    }
    case "set":
      return a.of;
    case "any": {
      if (a.of.length === 0) return ANY;
      let out: T;
      for (let i = 0; i < a.of.length; i++) {
        const m = a.of[i];
        out = or(keys(m), out);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** The element/value type of a collection type (nil for scalars). */
export function values(a: T): T {
  if (!a) return undefined;
  switch (a.k) {
    case "array": {
      let out: T;
      for (let i = 0; i < a.static.length; i++) {
        const s = a.static[i];
        out = or(out, s);
      }
      return or(out, a.dynamic);
    }
    case "object": {
      let out: T;
      for (let i = 0; i < a.static.length; i++) {
        const s = a.static[i];
        out = or(out, s.value);
      }
      if (a.dynamic) out = or(out, a.dynamic.value);
      return out;
    }
    case "set":
      return a.of;
    case "any": {
      if (a.of.length === 0) return ANY;
      let out: T;
      for (let i = 0; i < a.of.length; i++) {
        const m = a.of[i];
        out = or(values(m), out);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Whether t is nil or has a nil part: its inference is incomplete. */
export function isNil(t: T): boolean {
  if (!t) return true;
  switch (t.k) {
    case "function":
      return t.args.some(isNil) || isNil(t.result);
    case "array":
      return t.static.some(isNil) || (t.dynamic !== undefined && isNil(t.dynamic));
    case "object":
      return (
        t.static.some((s) => isNil(s.value)) ||
        (t.dynamic !== undefined && (isNil(t.dynamic.key) || isNil(t.dynamic.value)))
      );
    case "set":
      return isNil(t.of);
    default:
      return false;
  }
}

/** A collection type that can hold nothing: `{}`, `[]` or the empty set. */
export function isEmptyCollection(t: T): boolean {
  if (!t) return false;
  if (t.k === "object") return t.static.length === 0 && !t.dynamic;
  if (t.k === "array") return t.static.length === 0 && !t.dynamic;
  if (t.k === "set") return !t.of;
  return false;
}

const arraySelect = (a: Extract<Type, { k: "array" }>, i: number): T =>
  i < a.static.length ? a.static[i] : a.dynamic;

/** Whether values of types a and b can be equal (OPA's checker `unifies`). */
export function unifies(a: T, b: T): boolean {
  if (!a || !b) return false;
  if (a.k === "any" && unifiesAny(a, b)) return true;
  if (b.k === "any" && unifiesAny(b, a)) return true;
  if (a.k === "any" || b.k === "any") return false;
  switch (a.k) {
    case "null":
    case "boolean":
    case "number":
    case "string":
      return a.k === b.k;
    case "array": {
      if (b.k !== "array") return false;
      for (let i = 0; i < a.static.length; i++) if (!unifies(a.static[i], arraySelect(b, i))) return false;
      for (let i = 0; i < b.static.length; i++) if (!unifies(b.static[i], arraySelect(a, i))) return false;
      return !a.dynamic || !b.dynamic || unifies(a.dynamic, b.dynamic);
    }
    case "object": {
      if (b.k !== "object") return false;
      if (!objectsStatic(a, b) || !objectsStatic(b, a)) return false;
      return !a.dynamic?.value || !b.dynamic?.value || unifies(a.dynamic.value, b.dynamic.value);
    }
    case "set": {
      if (b.k !== "set") return false;
      if (!a.of || !b.of) return true;
      return unifies(a.of, b.of);
    }
    case "function": {
      if (b.k !== "function" || a.args.length !== b.args.length) return false;
      return a.args.every((x, i) => unifies(x, b.args[i]));
    }
  }
}

function objectsStatic(a: Extract<Type, { k: "object" }>, b: Extract<Type, { k: "object" }>): boolean {
  for (let i = 0; i < a.static.length; i++) {
    const p = a.static[i];
    const tb = select(b, p.key);
    if (!tb) {
      if (a.dynamic?.value || b.dynamic?.value) continue;
      return false;
    }
    if (!unifies(p.value, tb)) return false;
  }
  return true;
}

function unifiesAny(a: Extract<Type, { k: "any" }>, b: Type): boolean {
  if (b.k === "function") return false;
  return a.of.length === 0 || a.of.some((m) => unifies(m, b));
}

/** OPA's rendering of a type (`array[number]`, `object<a: string>[string: any]`, `any<...>`). */
export function sprint(t: T): string {
  if (!t) return "???";
  switch (t.k) {
    case "null":
    case "boolean":
    case "number":
    case "string":
      return t.k;
    case "array": {
      let s = "array";
      if (t.static.length) s += `<${t.static.map(sprint).join(", ")}>`;
      if (t.dynamic) s += `[${sprint(t.dynamic)}]`;
      return s;
    }
    case "object": {
      let s = "object";
      if (t.static.length)
        s += `<${t.static.map((p) => `${keyText(p.key)}: ${sprint(p.value)}`).join(", ")}>`;
      if (t.dynamic) s += `[${sprint(t.dynamic.key)}: ${sprint(t.dynamic.value)}]`;
      return s;
    }
    case "set":
      return t.of ? `set[${sprint(t.of)}]` : "set";
    case "any":
      return t.of.length ? `any<${t.of.map(sprint).join(", ")}>` : "any";
    case "function":
      return `${sprintArgs(t)} => ${sprint(t.result)}`;
  }
}

function keyText(k: Value): string {
  return typeof k === "string" ? k : JSON.stringify(k, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** `(x: number, y: number)` as in OPA's `want:` lines; names where known. */
export function sprintArgs(f: FnType, withResult = false): string {
  const named = (t: T, n?: string) => (n ? `${n}: ${sprint(t)}` : sprint(t));
  const parts = f.args.map((a, i) => named(a, f.argNames?.[i]));
  if (withResult && f.result) parts.push(named(f.result, f.resultName));
  if (f.variadic) parts.push(`${sprint(f.variadic)}...`);
  return `(${parts.join(", ")})`;
}
