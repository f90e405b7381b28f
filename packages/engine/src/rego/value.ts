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
export type Value = null | boolean | number | bigint | NumText | string | Value[] | PlainObject | RObj | RSet;

export const NUM: unique symbol = Symbol("num");
export const TEXT: unique symbol = Symbol("text");
const CANON: unique symbol = Symbol("canon");
const EXACT: unique symbol = Symbol("exact");

/**
 * A number whose OPA text differs from the engine's own text for its value:
 * a literal written `1.0` or `1e3`, a float result carrying big.Float's 64-bit
 * digits (`2 / 7` is 0.28571428571428571428), `to_number("2.50")`. `n` is the
 * nearest engine number (a double, or a bigint for big integers), the text
 * the exact number: read them with numOf and textOf. Only made where the text differs (see numtext.ts), so
 * ordinary numbers stay plain JS numbers.
 */
/**
 * The Rego values held in JS class instances that are not Rego objects (sets,
 * texted numbers): one instanceof tells a plain object from both, so the
 * object tests on the hot path cost what they did before NumText.
 */
export class Boxed {
  hash(): number {
    throw new Error("Boxed.hash");
  }
  canonicalKey(): string {
    throw new Error("Boxed.canonicalKey");
  }
}

export class NumText extends Boxed {
  // Symbol-keyed, so that a NumText has no string keys: code that reads a
  // value as a plain object (a field read, iterating members) finds nothing
  // in it, as in any number, without testing for it on the hot path.
  readonly [NUM]: Num;
  readonly [TEXT]: string;
  /** equality key, when the text's value is not exactly the number (worked out once) */
  [CANON]: string | undefined = undefined;
  /** whether the number is the exact (64-bit) value of the text; undefined until known */
  [EXACT]: boolean | undefined = undefined;
  constructor(n: Num, text: string) {
    super();
    this[NUM] = n;
    this[TEXT] = text;
  }
  override hash(): number {
    return numTextHash(this);
  }
  override canonicalKey(): string {
    return numTextKey(this);
  }
}

/** Hooks set by numtext.ts (which needs bigfloat): value.ts stays free of an import cycle at load. */
export const numTextHooks: {
  /** whether t's value is exactly t.n (so it is equal to, and keyed like, the plain number) */
  exact: (t: NumText) => boolean;
  /** compare numbers when either is a NumText */
  compare: (a: Num | NumText, b: Num | NumText) => number;
} = {
  exact: notLoaded,
  compare: notLoaded,
};

function notLoaded(): never {
  throw new Error("numtext.ts is not loaded");
}
export type RegoObject = PlainObject | RObj;

/** Canonical string for a value: equal values (in Rego's sense, 1 == 1.0) have equal keys. */
export function keyOf(v: Value): string {
  // a top-level string needs no delimiter: the key is the whole string
  return typeof v === "string" ? `"${v}` : nestedKey(v);
}

/** A self-delimiting key, for members of composites: strings are JSON-quoted so that no key is a prefix of another. */
function nestedKey(v: Value): string {
  switch (typeof v) {
    case "string":
      return quoteKey(v);
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
        for (let i = 0; i < v.length; i++) s += (i ? "," : "") + nestedKey(v[i]);
        return `${s}]`;
      }
      if (v instanceof Boxed || v instanceof RObj) return v.canonicalKey();
      return plainObjectKey(v);
  }
  throw new Error(`not a Rego value: ${String(v)}`);
}

/** A length-prefixed string: injective and self-delimiting without scanning or escaping it. */
function quoteKey(s: string): string {
  return `${s.length}"${s}`;
}

/** Equal to the plain number's key when the text's value is that number; else a key of the exact value. */
function numTextKey(t: NumText): string {
  if (numTextHooks.exact(t)) return typeof t[NUM] === "bigint" ? `#${t[NUM].toString()}` : numKey(t[NUM]);
  return t[CANON] as string;
}

function numKey(n: number): string {
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && Number.isFinite(n))
    return `#${BigInt(n).toString()}`;
  return `#${n === 0 ? 0 : n}`;
}

function plainObjectKey(o: PlainObject): string {
  const keys = orderedKeys(o);
  let s = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const x = o[k];
    if (x === undefined) continue;
    s += `${s.length > 1 ? "," : ""}${quoteKey(k)}:${nestedKey(x)}`;
  }
  return `${s}}`;
}

// ---- what is worked out once per composite value --------------------------------

/**
 * Recently seen key lists (in insertion order) and their Rego order. Objects
 * of one shape (the containers of a Pod, the items of a list) list the same
 * keys in the same order, and JSON.parse interns key strings, so a hit costs
 * Object.keys and one === per key, where sorting ten keys costs some thirty
 * string comparisons. Keyed by the list's length and end keys; checked in full.
 */
const SHAPES = 256;
/** Objects with more keys are maps rather than records: their order is kept per object. */
const SHAPE_MAX_KEYS = 16;
const bigKeyOrders = new WeakMap<object, string[]>();
const shapeKeys: (string[] | undefined)[] = new Array(SHAPES);
const shapeOrder: (string[] | undefined)[] = new Array(SHAPES);

function shapeSlot(ks: string[]): number {
  const n = ks.length;
  const first = ks[0];
  const last = ks[n - 1];
  return (
    ((n * 0x9e3779b1 +
      first.length * 31 +
      first.charCodeAt(0) * 7 +
      last.length * 131 +
      last.charCodeAt(last.length - 1)) >>>
      0) %
    SHAPES
  );
}

/**
 * A plain object's keys in Rego's order (OPA iterates and compares objects
 * sorted). The array may be shared with other objects of the same shape: do
 * not modify it. Keys whose value is `undefined` (absent in JSON, possible in
 * hand-built JS objects) are included: readers skip them.
 */
export function sortedKeys(o: PlainObject): string[] {
  const big = bigKeyOrders.get(o);
  if (big !== undefined) return big;
  const ks = Object.keys(o);
  const n = ks.length;
  if (n < 2) return ks;
  if (n > SHAPE_MAX_KEYS) {
    // maps keyed by name (an inventory's objects, a ConfigMap's data): one of a kind, often re-read
    const sorted = isSortedStrings(ks) ? ks : sortInPlace(ks, compareStrings);
    bigKeyOrders.set(o, sorted);
    return sorted;
  }
  const slot = shapeSlot(ks);
  const seen = shapeKeys[slot];
  if (seen !== undefined && seen.length === n) {
    let i = 0;
    while (i < n && seen[i] === ks[i]) i++;
    if (i === n) return shapeOrder[slot]!;
  }
  const sorted = isSortedStrings(ks) ? ks : sortInPlace(ks.slice(), compareStrings);
  shapeKeys[slot] = ks;
  shapeOrder[slot] = sorted;
  return sorted;
}

/** Sorted keys without `undefined` members. */
function presentKeys(o: PlainObject): string[] {
  const ks = sortedKeys(o);
  for (let i = 0; i < ks.length; i++) if (o[ks[i]] === undefined) return ks.filter((k) => o[k] !== undefined);
  return ks;
}

/** Sorted keys, uncached: a fresh array the caller may keep or modify. */
export function orderedKeys(o: PlainObject): string[] {
  const ks = Object.keys(o);
  if (ks.length > 1 && !isSortedStrings(ks)) sortInPlace(ks, compareStrings);
  return ks;
}

/** Array.prototype.sort allocates scratch space; short arrays (the usual object or set) are insertion-sorted in place. */
export function sortInPlace<T>(xs: T[], cmp: (a: T, b: T) => number): T[] {
  const n = xs.length;
  if (n > 12) return xs.sort(cmp);
  for (let i = 1; i < n; i++) {
    const x = xs[i];
    let j = i - 1;
    while (j >= 0 && cmp(xs[j], x) > 0) {
      xs[j + 1] = xs[j];
      j--;
    }
    xs[j + 1] = x;
  }
  return xs;
}

function isSortedStrings(ks: string[]): boolean {
  for (let i = 1; i < ks.length; i++) if (compareStrings(ks[i - 1], ks[i]) > 0) return false;
  return true;
}

// ---- hashing ---------------------------------------------------------------

const FNV_PRIME = 0x01000193;

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Final avalanche (murmur3's), so that sums of hashes spread. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const F64 = new Float64Array(1);
const I32 = new Int32Array(F64.buffer);

function hashNumber(n: number): number {
  if (Number.isSafeInteger(n)) return mix((n | 0) ^ Math.imul((n / 4294967296) | 0, 0x27d4eb2d)); // -0 | 0 is 0
  // an integral double beyond 2^53 equals the bigint of the same value: hash them alike
  if (Number.isInteger(n)) return hashBig(BigInt(n));
  F64[0] = n;
  return mix(I32[0] ^ Math.imul(I32[1], 0x27d4eb2d));
}

const hashBig = (b: bigint): number => mix(hashString(b.toString()) ^ 0x5bd1e995);

const H_NULL = 0x1b873593;
const H_TRUE = 0x3c6ef372;
const H_FALSE = 0x7f4a7c15;

/**
 * A 32-bit hash consistent with Rego equality: equal(a, b) implies
 * hashOf(a) === hashOf(b) (1 and 1.0, and an integral double and the
 * bigint of the same value, are equal). Objects and sets combine their
 * members order-independently. Sets and non-string-keyed objects keep theirs;
 * a plain object or array is walked each time (a per-object cache costs more
 * in WeakMap entries than the walk): hash a value once and keep the number,
 * as RSet and ValueMap do.
 */
export function hashOf(v: Value): number {
  switch (typeof v) {
    case "string":
      return hashString(v);
    case "number":
      return hashNumber(v);
    case "bigint":
      return hashBig(v);
    case "boolean":
      return v ? H_TRUE : H_FALSE;
  }
  if (v === null) return H_NULL;
  if (Array.isArray(v)) {
    let h = 0x6a09e667 ^ v.length;
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ hashOf(v[i]), FNV_PRIME);
    return mix(h);
  }
  if (v instanceof Boxed || v instanceof RObj) return v.hash();
  let h = 0x510e527f;
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    const x = v[k];
    if (x !== undefined) h = (h + entryHash(hashString(k), hashOf(x))) | 0;
  }
  return h;
}

/** A NumText hashes as the plain number of its value, or by its exact-value key. */
function numTextHash(t: NumText): number {
  if (numTextHooks.exact(t)) return typeof t[NUM] === "bigint" ? hashBig(t[NUM]) : hashNumber(t[NUM]);
  return hashString(t[CANON] as string);
}

/** One object entry's share of the object's (order-independent) hash. */
const entryHash = (hk: number, hv: number): number => mix(hk ^ Math.imul(hv, 0x9e3779b1));

/** Map key for a value: a string is its own key; anything else its hash (which a string key can never be). */
const slotOf = (v: Value): string | number => (typeof v === "string" ? v : hashOf(v));

/**
 * A map keyed by Rego values: keys equal in Rego's sense are one key.
 * Strings are looked up by themselves, other keys by hash with `equal`
 * settling collisions, so neither insert nor lookup deep-compares unless two
 * keys share a hash. Iterates in insertion order.
 */
export class ValueMap<T> {
  private readonly ks: Value[] = [];
  private readonly vs: T[] = [];
  /** slot -> index into ks/vs, or the indices sharing a hash */
  private readonly index = new Map<string | number, number | number[]>();

  get size(): number {
    return this.ks.length;
  }
  private find(k: Value): number {
    const i = this.index.get(slotOf(k));
    if (i === undefined) return -1;
    if (typeof i === "number") return typeof k === "string" || equal(this.ks[i], k) ? i : -1;
    for (let j = 0; j < i.length; j++) if (equal(this.ks[i[j]], k)) return i[j];
    return -1;
  }
  get(k: Value): T | undefined {
    const i = this.find(k);
    return i < 0 ? undefined : this.vs[i];
  }
  has(k: Value): boolean {
    return this.find(k) >= 0;
  }
  /** Sets k's value; an existing equal key keeps its place (and its own form, e.g. 1 for 1.0). */
  set(k: Value, v: T): this {
    const slot = slotOf(k);
    const i = this.index.get(slot);
    if (i === undefined) this.index.set(slot, this.ks.length);
    else {
      const at = this.find(k);
      if (at >= 0) {
        this.vs[at] = v;
        return this;
      }
      if (typeof i === "number") this.index.set(slot, [i, this.ks.length]);
      else i.push(this.ks.length);
    }
    this.ks.push(k);
    this.vs.push(v);
    return this;
  }
  keyAt(i: number): Value {
    return this.ks[i];
  }
  valueAt(i: number): T {
    return this.vs[i];
  }
  *entries(): IterableIterator<[Value, T]> {
    for (let i = 0; i < this.ks.length; i++) yield [this.ks[i], this.vs[i]];
  }
  values(): IterableIterator<T> {
    return this.vs.values();
  }
}

/**
 * A Rego set. Members are kept sorted in Rego's order (OPA iterates sets
 * sorted) and deduplicated by that order: compare(a, b) === 0 exactly when
 * a and b are equal. Added members wait at the end until the set is next
 * read, so building a set costs one sort, and lookups are a binary search.
 * No member is hashed: two containers differ within their first keys, so
 * comparing them is cheaper than hashing either whole, now that compare
 * takes each object's key order from the shape cache instead of sorting.
 */
export class RSet extends Boxed {
  /** items[0, clean) is sorted and duplicate-free; the rest was added since */
  private items: Value[];
  private clean: number;
  private h = 0;
  private hashed = false;
  private keyCache: string | undefined;

  constructor(items?: Iterable<Value>) {
    super();
    this.items = items === undefined ? [] : Array.from(items);
    this.clean = this.items.length <= 1 ? this.items.length : 0;
  }
  get size(): number {
    return this.sorted().length;
  }
  /** Mutates: only while building a new set, before it is shared. */
  add(v: Value): this {
    const xs = this.items;
    const n = xs.length;
    // in order (or the first member): stays clean; otherwise sorted on the next read.
    // Members usually differ within their first keys, so this compare is short.
    if (this.clean === n) {
      const c = n === 0 ? -1 : compare(xs[n - 1], v);
      if (c === 0) return this;
      if (c < 0) this.clean = n + 1;
    }
    xs.push(v);
    this.hashed = false;
    this.keyCache = undefined;
    // many adds without a read (a comprehension over repeated values): sort as we go
    if (xs.length - this.clean > 64 && xs.length > 2 * this.clean) this.sorted();
    return this;
  }
  has(v: Value): boolean {
    return this.get(v) !== undefined;
  }
  /** The member equal to v, if any. */
  get(v: Value): Value | undefined {
    const xs = this.sorted();
    if (xs.length <= 8) {
      for (let i = 0; i < xs.length; i++) if (equal(xs[i], v)) return xs[i];
      return undefined;
    }
    let lo = 0;
    let hi = xs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compare(xs[mid], v);
      if (c === 0) return xs[mid];
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
  values(): IterableIterator<Value> {
    return this.sorted().values();
  }
  [Symbol.iterator](): IterableIterator<Value> {
    return this.sorted().values();
  }
  /** Members in Rego's term order (the set's own array: do not modify). */
  sorted(): Value[] {
    const xs = this.items;
    if (this.clean === xs.length) return xs;
    if (this.clean >= 8 && xs.length - this.clean <= TAIL_INSERT_MAX) {
      this.insertTail();
      return xs;
    }
    // stable: of equal members, the first added is kept
    let w = 1;
    if (xs.length > 12 && allPlainObjects(xs)) w = sortPlainObjects(xs as PlainObject[]);
    else {
      sortInPlace(xs, compare);
      for (let r = 1; r < xs.length; r++) if (compare(xs[w - 1], xs[r]) !== 0) xs[w++] = xs[r];
    }
    xs.length = w;
    this.clean = w;
    return xs;
  }
  /**
   * A long sorted run with a few members added out of order after it (a set of containers
   * whose names sort differently from the input's order): binary-insert those into the run
   * rather than sort everything again. Equal members: the first added stays, as in sorted().
   */
  private insertTail(): void {
    const xs = this.items;
    const tail = xs.splice(this.clean);
    for (let t = 0; t < tail.length; t++) {
      const v = tail[t];
      let lo = 0;
      let hi = xs.length - 1;
      let dup = false;
      if (compare(xs[hi], v) < 0) lo = hi + 1;
      else
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const c = compare(xs[mid], v);
          if (c === 0) {
            dup = true;
            break;
          }
          if (c < 0) lo = mid + 1;
          else hi = mid - 1;
        }
      if (!dup) xs.splice(lo, 0, v);
    }
    this.clean = xs.length;
  }
  /** Order-independent: the sum of the members' hashes. */
  override hash(): number {
    if (!this.hashed) {
      let h = 0x1f83d9ab;
      const xs = this.sorted();
      for (let i = 0; i < xs.length; i++) h = (h + mix(hashOf(xs[i]))) | 0;
      this.h = h;
      this.hashed = true;
    }
    return this.h;
  }
  override canonicalKey(): string {
    if (this.keyCache === undefined) {
      // member keys in the nested (self-delimiting) form, so that joining them is unambiguous
      const xs = this.sorted();
      const keys: string[] = new Array(xs.length);
      for (let i = 0; i < xs.length; i++) keys[i] = nestedKey(xs[i]);
      keys.sort();
      this.keyCache = `<${keys.join(",")}>`;
    }
    return this.keyCache;
  }
}

/** At most this many members added out of order are inserted one by one into a set's sorted run. */
const TAIL_INSERT_MAX = 16;

/** An object with at least one non-string key (plain objects cover the rest). */
export class RObj {
  private readonly map = new ValueMap<Value>();
  private h = 0;
  private hashed = false;
  private keyCache: string | undefined;

  constructor(entries?: Iterable<[Value, Value]>) {
    if (entries) for (const [k, v] of entries) this.map.set(k, v);
  }
  get size(): number {
    return this.map.size;
  }
  /** Mutates: only while building a new object, before it is shared. */
  set(k: Value, v: Value): this {
    this.map.set(k, v);
    this.hashed = false;
    this.keyCache = undefined;
    return this;
  }
  get(k: Value): Value | undefined {
    return this.map.get(k);
  }
  has(k: Value): boolean {
    return this.map.has(k);
  }
  entries(): IterableIterator<[Value, Value]> {
    return this.map.entries();
  }
  /** The same order-independent sum as a plain object's. */
  hash(): number {
    if (!this.hashed) {
      let h = 0x510e527f;
      for (let i = 0; i < this.map.size; i++)
        h = (h + entryHash(hashOf(this.map.keyAt(i)), hashOf(this.map.valueAt(i)))) | 0;
      this.h = h;
      this.hashed = true;
    }
    return this.h;
  }
  canonicalKey(): string {
    if (this.keyCache === undefined) {
      const parts = [...this.map.entries()].sort((a, b) => compare(a[0], b[0]));
      this.keyCache = `{${parts.map(([k, v]) => `${nestedKey(k)}:${nestedKey(v)}`).join(",")}}`;
    }
    return this.keyCache;
  }
}

// ---- type tests -----------------------------------------------------------

export const isNumber = (v: Value | undefined): v is Num | NumText =>
  typeof v === "number" || typeof v === "bigint" || v instanceof NumText;

/** v, or a NumText's engine number: for code that reads numbers as JS numbers (times, ids). */
export function plainNum<T extends Value | undefined>(v: T): Exclude<T, NumText> | Num {
  return v instanceof NumText ? v[NUM] : (v as Exclude<T, NumText>);
}

/** A NumText's text, as OPA prints it. */
export const textOf = (t: NumText): string => t[TEXT];

/** Whether a NumText's value is exactly its engine number; else its equality key is recorded. */
export function numTextExact(t: NumText, decide: (t: NumText) => string | undefined): boolean {
  if (t[EXACT] === undefined) {
    const canon = decide(t);
    t[EXACT] = canon === undefined;
    t[CANON] = canon;
  }
  return t[EXACT];
}

/** The engine number of a number value (a NumText's nearest double or bigint). */
export const numOf = (v: Num | NumText): Num => (v instanceof NumText ? v[NUM] : v);
export const isString = (v: Value | undefined): v is string => typeof v === "string";
export const isArray = (v: Value | undefined): v is Value[] => Array.isArray(v);
export const isSet = (v: Value | undefined): v is RSet => v instanceof RSet;
export function isObject(v: Value | undefined): v is RegoObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Boxed);
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
  if (v instanceof NumText) return "number";
  return "object";
}

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

export function compareNumbers(a: Num | NumText, b: Num | NumText): number {
  if (a instanceof NumText || b instanceof NumText) return numTextHooks.compare(a, b);
  // JS compares bigint and number exactly.
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- ordering and equality -----------------------------------------------

const HIGH_UNIT = /[\ud800-\uffff]/;

/**
 * Strings order by UTF-8 bytes, i.e. by code point. JS's native `<` orders
 * UTF-16 units, which differs only where a surrogate meets a unit in
 * U+E000..U+FFFF at the first difference; that needs a unit >= U+D800 in
 * both strings, so the native comparison answers everything else.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  if (HIGH_UNIT.test(a) && HIGH_UNIT.test(b)) return compareCodePoints(a, b);
  return a < b ? -1 : 1;
}

function compareCodePoints(a: string, b: string): number {
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
  const ta = typeof a;
  // same-type primitives first: the common case when sorting
  if (ta === typeof b) {
    if (ta === "string") return compareStrings(a as string, b as string);
    if (ta === "number") return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0: // null
      return 0;
    case 1: // boolean
      return a === b ? 0 : a ? 1 : -1;
    case 2:
      return compareNumbers(a as Num | NumText, b as Num | NumText);
    case 3:
      return compareStrings(a as string, b as string);
    case 4: {
      const x = a as Value[];
      const y = b as Value[];
      const n = Math.min(x.length, y.length);
      const memo = x.length === y.length && n >= PROVEN_MIN;
      if (memo && provenEqual(x, y)) return 0;
      for (let i = 0; i < n; i++) {
        const c = compare(x[i], y[i]);
        if (c) return c;
      }
      if (memo) proveEqual(x, y);
      return x.length - y.length;
    }
    case 5:
      if (!(a instanceof RObj) && !(b instanceof RObj))
        return comparePlain(a as PlainObject, b as PlainObject);
      return compareEntries(sortedEntries(a as RegoObject), sortedEntries(b as RegoObject));
    default: {
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

/**
 * Arrays already proven deep-equal, as a union-find forest: Pods whose
 * containers share an env block compare that block again for every pair a
 * set sort or lookup compares, and each proof makes the next one a lookup.
 * Only arrays of PROVEN_MIN or more members: below that the walk is cheaper
 * than the WeakMap. Values are immutable once shared, so a proof holds.
 */
const sameAs = new WeakMap<Value[], Value[]>();
const PROVEN_MIN = 4;

function representative(x: Value[]): Value[] {
  let r = x;
  for (let next = sameAs.get(r); next !== undefined; next = sameAs.get(r)) r = next;
  if (r !== x) sameAs.set(x, r); // compress the path for the next lookup
  return r;
}

function provenEqual(x: Value[], y: Value[]): boolean {
  return representative(x) === representative(y);
}

function proveEqual(x: Value[], y: Value[]): void {
  const rx = representative(x);
  const ry = representative(y);
  if (rx !== ry) sameAs.set(ry, rx);
}

/** typeRank of a value's type name. */
function rankOf(v: Value): number {
  switch (typeof v) {
    case "boolean":
      return 1;
    case "number":
    case "bigint":
      return 2;
    case "string":
      return 3;
  }
  if (v === null) return 0;
  if (Array.isArray(v)) return 4;
  if (v instanceof Boxed) return v instanceof RSet ? 6 : 2;
  return 5;
}

// OPA: compare sorted keys pairwise (key, then value), then by size.
function comparePlain(a: PlainObject, b: PlainObject): number {
  let ka = sortedKeys(a);
  let kb = sortedKeys(b);
  for (let pass = 0; pass < 2; pass++) {
    const n = Math.min(ka.length, kb.length);
    let i = 0;
    for (; i < n; i++) {
      const x = a[ka[i]];
      const y = b[kb[i]];
      if (x === undefined || y === undefined) break; // absent members: compare the present keys instead
      const ck = ka[i] === kb[i] ? 0 : compareStrings(ka[i], kb[i]);
      if (ck) return ck;
      const cv = compare(x, y);
      if (cv) return cv;
    }
    if (i === n) return ka.length - kb.length;
    ka = presentKeys(a);
    kb = presentKeys(b);
  }
  return 0; // unreachable: present keys hold no undefined
}

function allPlainObjects(xs: Value[]): boolean {
  for (let i = 0; i < xs.length; i++) if (!isPlainObject(xs[i])) return false;
  return true;
}

/**
 * Sorts plain objects in Rego's order (stable) and drops duplicates, returning
 * how many were kept. Each one's key order is worked out once: a sort
 * compares each member about log2(n) times, and taking the keys of both sides
 * on every comparison (Object.keys) was most of the cost of sorting a set of
 * small objects such as violations.
 */
function sortPlainObjects(xs: PlainObject[]): number {
  const keyed = xs.map(keyedMember);
  keyed.sort(compareKeyedMembers);
  // and drops duplicates (the first of equal members stays), comparing with the keys already worked out
  xs[0] = keyed[0].o;
  let w = 1;
  for (let r = 1; r < keyed.length; r++)
    if (compareKeyedMembers(keyed[r - 1], keyed[r]) !== 0) xs[w++] = keyed[r].o;
  return w;
}

interface KeyedMember {
  o: PlainObject;
  ks: string[];
  /** no key or string member holds a unit >= U+D800: its strings order as JS orders them */
  low: boolean;
}

function keyedMember(o: PlainObject): KeyedMember {
  const ks = presentKeys(o);
  let low = true;
  for (let i = 0; i < ks.length && low; i++) {
    const v = o[ks[i]];
    low = !HIGH_UNIT.test(ks[i]) && (typeof v !== "string" || !HIGH_UNIT.test(v));
  }
  return { o, ks, low };
}

/**
 * comparePlain with both sides' present keys already in Rego order. Where
 * both members' keys and string values were checked once for high units,
 * those strings compare natively: a sort compares each member about log2(n)
 * times, and compareStrings scans a string for high units on every call.
 */
function compareKeyedMembers(p: KeyedMember, q: KeyedMember): number {
  const a = p.o;
  const b = q.o;
  if (a === b) return 0;
  const ka = p.ks;
  const kb = q.ks;
  const low = p.low && q.low;
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const x = ka[i];
    const y = kb[i];
    if (x !== y) return low ? (x < y ? -1 : 1) : compareStrings(x, y);
    const u = a[x];
    const v = b[y];
    if (u === v) continue;
    const cv = low && typeof u === "string" && typeof v === "string" ? (u < v ? -1 : 1) : compare(u, v);
    if (cv) return cv;
  }
  return ka.length - kb.length;
}

function compareEntries(ex: [Value, Value][], ey: [Value, Value][]): number {
  const n = Math.min(ex.length, ey.length);
  for (let i = 0; i < n; i++) {
    const ck = compare(ex[i][0], ey[i][0]);
    if (ck) return ck;
    const cv = compare(ex[i][1], ey[i][1]);
    if (cv) return cv;
  }
  return ex.length - ey.length;
}

export function sortedEntries(o: RegoObject): [Value, Value][] {
  if (o instanceof RObj) return sortInPlace(Array.from(o.entries()), (p, q) => compare(p[0], q[0]));
  const out: [Value, Value][] = [];
  for (const k of presentKeys(o)) out.push([k, o[k]]);
  return out;
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  const t = typeof a;
  if (t === "string" || t === "boolean" || typeof b === "string" || typeof b === "boolean") return false;
  if (t === "number" || t === "bigint") {
    // biome-ignore lint/suspicious/noDoubleEquals: exact cross-type numeric equality
    if (typeof b === "number" || typeof b === "bigint") return a == b;
    return b instanceof NumText && numTextHooks.compare(a as Num, b) === 0;
  }
  if (a === null || b === null || t !== "object") return false;
  if (typeof b !== "object")
    return (
      (typeof b === "number" || typeof b === "bigint") &&
      a instanceof NumText &&
      numTextHooks.compare(a, b) === 0
    );
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    const memo = a.length >= PROVEN_MIN;
    if (memo && provenEqual(a, b)) return true;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    if (memo) proveEqual(a, b);
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof Boxed || b instanceof Boxed) return equalBoxed(a, b);
  if (!(a instanceof RObj) && !(b instanceof RObj)) return equalPlain(a as PlainObject, b as PlainObject);
  if (objSize(a as RegoObject) !== objSize(b as RegoObject)) return false;
  for (const [k, v] of objEntries(a as RegoObject)) {
    const w = objGet(b as RegoObject, k);
    if (w === undefined || !equal(v, w)) return false;
  }
  return true;
}

/** equal when either is a set or a NumText. */
function equalBoxed(a: Value, b: Value): boolean {
  if (a instanceof NumText || b instanceof NumText)
    return a instanceof NumText && b instanceof NumText && numTextHooks.compare(a, b) === 0;
  if (!(a instanceof RSet) || !(b instanceof RSet) || a.size !== b.size) return false;
  // both sorted by the same order: equal sets are equal member by member
  const x = a.sorted();
  const y = b.sorted();
  for (let i = 0; i < x.length; i++) if (!equal(x[i], y[i])) return false;
  return true;
}

// members that are `undefined` (hand-built JS objects) are absent, as compare and hashOf treat them
function equalPlain(a: PlainObject, b: PlainObject): boolean {
  let n = 0;
  for (const k in a) {
    if (!Object.hasOwn(a, k)) continue;
    const v = a[k];
    if (v === undefined) continue;
    n++;
    const w = b[k];
    if (w === undefined || !Object.hasOwn(b, k) || !equal(v, w)) return false;
  }
  for (const k in b) if (Object.hasOwn(b, k) && b[k] !== undefined && --n < 0) return false;
  return n === 0;
}

// ---- conversion -----------------------------------------------------------

/**
 * Value -> JSON-compatible JS (for output): sets become sorted arrays, RObj
 * keys are stringified as OPA does, bigints become numbers only when `bigAsString` is false.
 */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v !== "object") return typeof v === "bigint" ? Number(v) : v;
  if (v instanceof NumText) return Number(v[NUM]);
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RSet) return v.sorted().map(toJSON);
  // keys in OPA's output order (sorted as JSON strings), so serialised results match `opa eval`
  const ents: [string, Value][] = [];
  for (const [k, val] of objEntries(v))
    ents.push([typeof k === "string" ? k : k instanceof NumText ? k[TEXT] : JSON.stringify(toJSON(k)), val]);
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
  if (v instanceof NumText) return v[TEXT];
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
  // -0 (a literal, or a float result such as 0 / -5) prints as OPA prints it
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
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
  if (v instanceof NumText) return v[TEXT];
  if (Array.isArray(v)) return `[${v.map(termString).join(", ")}]`;
  if (v instanceof RSet) return v.size === 0 ? "set()" : `{${v.sorted().map(termString).join(", ")}}`;
  return `{${sortedEntries(v)
    .map(([k, val]) => `${termString(k)}: ${termString(val)}`)
    .join(", ")}}`;
}
