/**
 * Rego values.
 *
 * JSON stays JSON so that input and data need no conversion: null, boolean,
 * string, plain arrays and plain string-keyed objects are Rego values as-is.
 * What JSON cannot express is wrapped:
 *   - integers beyond 2^53 are `bigint` (invariant: a bigint is never a safe
 *     integer; use `normInt` when producing one);
 *   - sets are `RSet`;
 *   - objects with any non-string key are `RObj`.
 * `undefined` is Rego's "undefined", never a value.
 */

export type Num = number | bigint;
export type PlainObject = { [key: string]: Value };
export type Value = null | boolean | number | bigint | string | Value[] | PlainObject | RObj | RSet;
export type RegoObject = PlainObject | RObj;

/** Canonical string for a value: equal values (in Rego's sense, 1 == 1.0) have equal keys. */
export function keyOf(v: Value): string {
  switch (typeof v) {
    case "string":
      return `"${v}`;
    case "number":
      return numKey(v);
    case "bigint":
      return `#${v.toString()}`;
    case "boolean":
      return v ? "T" : "F";
    case "object":
      if (v === null) return "N";
      if (Array.isArray(v)) {
        let s = "[";
        for (let i = 0; i < v.length; i++) s += (i ? "," : "") + keyOf(v[i]);
        return `${s}]`;
      }
      if (v instanceof RSet) return v.canonicalKey();
      if (v instanceof RObj) return v.canonicalKey();
      return plainObjectKey(v);
  }
  throw new Error(`not a Rego value: ${String(v)}`);
}

function numKey(n: number): string {
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && Number.isFinite(n))
    return `#${BigInt(n).toString()}`;
  return `#${n === 0 ? 0 : n}`;
}

function plainObjectKey(o: PlainObject): string {
  const keys = Object.keys(o).sort(compareStrings);
  let s = "{";
  for (let i = 0; i < keys.length; i++) s += `${i ? "," : ""}${keyOf(keys[i])}:${keyOf(o[keys[i]])}`;
  return `${s}}`;
}

/** A Rego set. Members are kept by canonical key; iteration follows insertion order. */
export class RSet {
  readonly map = new Map<string, Value>();
  private sortedCache: Value[] | undefined;
  private keyCache: string | undefined;

  constructor(items?: Iterable<Value>) {
    if (items) for (const v of items) this.map.set(keyOf(v), v);
  }
  get size(): number {
    return this.map.size;
  }
  /** Mutates: only while building a new set, before it is shared. */
  add(v: Value): this {
    const k = keyOf(v);
    if (!this.map.has(k)) {
      this.map.set(k, v);
      this.sortedCache = undefined;
      this.keyCache = undefined;
    }
    return this;
  }
  has(v: Value): boolean {
    return this.map.has(keyOf(v));
  }
  values(): IterableIterator<Value> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<Value> {
    return this.map.values();
  }
  /** Members in Rego's term order. */
  sorted(): Value[] {
    if (!this.sortedCache) this.sortedCache = [...this.map.values()].sort(compare);
    return this.sortedCache;
  }
  canonicalKey(): string {
    if (this.keyCache === undefined) {
      const keys = [...this.map.keys()].sort();
      this.keyCache = `<${keys.join(",")}>`;
    }
    return this.keyCache;
  }
}

/** An object with at least one non-string key (plain objects cover the rest). */
export class RObj {
  /** canonical key -> [key, value] */
  readonly map = new Map<string, [Value, Value]>();
  private keyCache: string | undefined;

  constructor(entries?: Iterable<[Value, Value]>) {
    if (entries) for (const [k, v] of entries) this.map.set(keyOf(k), [k, v]);
  }
  get size(): number {
    return this.map.size;
  }
  /** Mutates: only while building a new object, before it is shared. */
  set(k: Value, v: Value): this {
    this.map.set(keyOf(k), [k, v]);
    this.keyCache = undefined;
    return this;
  }
  get(k: Value): Value | undefined {
    return this.map.get(keyOf(k))?.[1];
  }
  has(k: Value): boolean {
    return this.map.has(keyOf(k));
  }
  entries(): IterableIterator<[Value, Value]> {
    return this.map.values();
  }
  canonicalKey(): string {
    if (this.keyCache === undefined) {
      const parts = [...this.map.values()].sort((a, b) => compare(a[0], b[0]));
      this.keyCache = `{${parts.map(([k, v]) => `${keyOf(k)}:${keyOf(v)}`).join(",")}}`;
    }
    return this.keyCache;
  }
}

// ---- type tests -----------------------------------------------------------

export const isNumber = (v: Value | undefined): v is Num => typeof v === "number" || typeof v === "bigint";
export const isString = (v: Value | undefined): v is string => typeof v === "string";
export const isArray = (v: Value | undefined): v is Value[] => Array.isArray(v);
export const isSet = (v: Value | undefined): v is RSet => v instanceof RSet;
export function isObject(v: Value | undefined): v is RegoObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RSet);
}
export function isPlainObject(v: Value | undefined): v is PlainObject {
  return isObject(v) && !(v instanceof RObj);
}

/** OPA's type names, as returned by type_name and used in error messages. */
export function typeName(v: Value): "null" | "boolean" | "number" | "string" | "array" | "object" | "set" {
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
    case "bigint":
      return "number";
    case "boolean":
      return "boolean";
  }
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (v instanceof RSet) return "set";
  return "object";
}

const typeRank = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5, set: 6 } as const;

// ---- objects --------------------------------------------------------------

/** Look up a key in any object. */
export function objGet(o: RegoObject, k: Value): Value | undefined {
  if (o instanceof RObj) return o.get(k);
  if (typeof k !== "string") return undefined;
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

export function objSize(o: RegoObject): number {
  return o instanceof RObj ? o.size : Object.keys(o).length;
}

export function* objEntries(o: RegoObject): Generator<[Value, Value]> {
  if (o instanceof RObj) {
    yield* o.entries();
    return;
  }
  for (const k in o) if (Object.hasOwn(o, k)) yield [k, o[k]];
}

export function objKeys(o: RegoObject): Value[] {
  if (o instanceof RObj) return [...o.entries()].map((e) => e[0]);
  return Object.keys(o);
}

/** Build an object from entries, choosing the plain form when every key is a string. */
export function makeObject(entries: Iterable<[Value, Value]>): RegoObject {
  let plain: PlainObject | undefined = {};
  let robj: RObj | undefined;
  for (const [k, v] of entries) {
    if (plain && typeof k === "string") {
      setOwn(plain, k, v);
      continue;
    }
    if (plain) {
      robj = new RObj(Object.entries(plain));
      plain = undefined;
    }
    robj!.set(k, v);
  }
  return plain ?? robj!;
}

/** Assign an own property; "__proto__" must not reach the prototype setter. */
export function setOwn(o: PlainObject, k: string, v: Value): void {
  if (k === "__proto__")
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

// ---- numbers --------------------------------------------------------------

/** Keep the bigint invariant: safe integers are numbers. */
export function normInt(b: bigint): Num {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

export function compareNumbers(a: Num, b: Num): number {
  // JS compares bigint and number exactly.
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- ordering and equality -----------------------------------------------

/** Strings order by UTF-8 bytes, i.e. by code point (UTF-16 units differ for surrogates vs U+E000..U+FFFF). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        const cx = a.codePointAt(i)!;
        const cy = b.codePointAt(i)!;
        return cx < cy ? -1 : cx > cy ? 1 : 0;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Rego's total order: null < boolean < number < string < array < object < set. */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ta = typeName(a);
  const tb = typeName(b);
  if (ta !== tb) return typeRank[ta] - typeRank[tb];
  switch (ta) {
    case "null":
      return 0;
    case "boolean":
      return a === b ? 0 : a ? 1 : -1;
    case "number":
      return compareNumbers(a as Num, b as Num);
    case "string":
      return compareStrings(a as string, b as string);
    case "array": {
      const x = a as Value[];
      const y = b as Value[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i], y[i]);
        if (c) return c;
      }
      return x.length - y.length;
    }
    case "object": {
      // OPA: compare sorted keys pairwise (key, then value), then by size.
      const ex = sortedEntries(a as RegoObject);
      const ey = sortedEntries(b as RegoObject);
      const n = Math.min(ex.length, ey.length);
      for (let i = 0; i < n; i++) {
        const ck = compare(ex[i][0], ey[i][0]);
        if (ck) return ck;
        const cv = compare(ex[i][1], ey[i][1]);
        if (cv) return cv;
      }
      return ex.length - ey.length;
    }
    case "set": {
      const x = (a as RSet).sorted();
      const y = (b as RSet).sorted();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i], y[i]);
        if (c) return c;
      }
      return x.length - y.length;
    }
  }
}

export function sortedEntries(o: RegoObject): [Value, Value][] {
  return [...objEntries(o)].sort((p, q) => compare(p[0], q[0]));
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  const t = typeof a;
  if (t === "string" || t === "boolean" || typeof b === "string" || typeof b === "boolean") return false;
  if ((t === "number" || t === "bigint") && (typeof b === "number" || typeof b === "bigint")) {
    // biome-ignore lint/suspicious/noDoubleEquals: exact cross-type numeric equality
    return a == b;
  }
  if (a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof RSet) {
    if (!(b instanceof RSet) || a.size !== b.size) return false;
    for (const k of a.map.keys()) if (!b.map.has(k)) return false;
    return true;
  }
  if (isObject(a) && isObject(b)) {
    if (objSize(a) !== objSize(b)) return false;
    for (const [k, v] of objEntries(a)) {
      const w = objGet(b, k);
      if (w === undefined || !equal(v, w)) return false;
    }
    return true;
  }
  return false;
}

// ---- conversion -----------------------------------------------------------

/**
 * Value -> JSON-compatible JS (for output): sets become sorted arrays, RObj
 * keys are stringified as OPA does, bigints become numbers only when `bigAsString` is false.
 */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v !== "object") return typeof v === "bigint" ? Number(v) : v;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RSet) return v.sorted().map(toJSON);
  // keys in OPA's output order (sorted as JSON strings), so serialised results match `opa eval`
  const ents: [string, Value][] = [];
  for (const [k, val] of objEntries(v))
    ents.push([typeof k === "string" ? k : JSON.stringify(toJSON(k)), val]);
  ents.sort((x, y) => compareStrings(x[0], y[0]));
  const out: Record<string, unknown> = {};
  for (const [key, val] of ents) {
    if (key === "__proto__")
      Object.defineProperty(out, key, {
        value: toJSON(val),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = toJSON(val);
  }
  return out;
}

/** Serialise like OPA's json.marshal: compact, object keys sorted, sets as sorted arrays, exact big integers. */
export function toJSONText(v: Value): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? numberText(v) : "null";
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "true" : "false";
  }
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(toJSONText).join(",")}]`;
  if (v instanceof RSet) return `[${v.sorted().map(toJSONText).join(",")}]`;
  const parts = sortedEntries(v).map(
    ([k, val]) => `${JSON.stringify(typeof k === "string" ? k : toJSONText(k))}:${toJSONText(val)}`,
  );
  return `{${parts.join(",")}}`;
}

/** OPA prints integral floats without exponent up to 1e21 like Go's json; JS String() matches that range. */
export function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) >= 1e21) return BigInt(n).toString();
  return String(n);
}

/**
 * Rego's term syntax for a value, as OPA prints it (print, string
 * interpolation, sprintf %v): `[1, "a"]`, `{"k": 1}`, `{1, 2}`, `set()`.
 */
export function termString(v: Value): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? numberText(v) : String(v);
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "true" : "false";
  }
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(termString).join(", ")}]`;
  if (v instanceof RSet) return v.size === 0 ? "set()" : `{${v.sorted().map(termString).join(", ")}}`;
  return `{${sortedEntries(v)
    .map(([k, val]) => `${termString(k)}: ${termString(val)}`)
    .join(", ")}}`;
}
