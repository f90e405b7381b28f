/**
 * Property tests of value.ts's term order, equality, hashing and
 * collections (RSet, RObj, ValueMap) against a slow oracle (value-oracle.ts)
 * on random values: equal values in different JS forms (key insertion order,
 * 2^60 as a double and as a bigint, fresh copies), near-equal values sharing
 * deep prefixes, and objects of one shape, which exercise the key-order
 * cache and the proven-equal memo.
 */
import { describe, expect, it } from "vitest";
import {
  compare,
  compareStrings,
  equal,
  hashOf,
  NumText,
  type PlainObject,
  RObj,
  RSet,
  sortedKeys,
  type Value,
  ValueMap,
} from "../../src/rego/value.ts";
import { oracleCompare, oracleSetMembers } from "./value-oracle.ts";

/** mulberry32: a small seeded PRNG, so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = [
  "",
  "a",
  "b",
  "ab",
  "ba",
  "name",
  "env",
  "image",
  "é",
  "\u{1F600}",
  "\uE000",
  "\uFFFF",
  "a\u{1F600}",
];
const KEYS = ["name", "env", "image", "args", "a", "b", "z", "\uE000", "\u{1F600}", "10", "2"];
const NUMBERS: Value[] = [0, -0, 1, -1, 2, 0.5, -2.5, 1e21, 2 ** 60, 2n ** 60n, 2n ** 61n + 1n, -(2n ** 62n)];

class Gen {
  readonly r: () => number;
  private readonly shapes: string[][] = [];
  constructor(seed: number) {
    this.r = rng(seed);
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** key lists reused across objects, as siblings of one shape share them */
  shape(): string[] {
    if (this.shapes.length && this.r() < 0.6) return this.pick(this.shapes);
    const ks = [...new Set(Array.from({ length: 1 + this.int(5) }, () => this.pick(KEYS)))];
    this.shapes.push(ks);
    return ks;
  }
  value(depth: number): Value {
    const k = this.int(depth > 0 ? 10 : 4);
    switch (k) {
      case 0:
        return this.pick([null, true, false]);
      case 1:
      case 2:
        return this.pick(NUMBERS);
      case 3:
        return this.pick(STRINGS);
      case 4:
      case 5:
        return Array.from({ length: this.int(6) }, () => this.value(depth - 1));
      case 6:
      case 7: {
        const o: PlainObject = {};
        for (const key of this.shape()) o[key] = this.value(depth - 1);
        return o;
      }
      case 8:
        return new RSet(Array.from({ length: this.int(6) }, () => this.value(depth - 1)));
      default: {
        const o = new RObj();
        for (let i = 0; i < 1 + this.int(3); i++) o.set(this.value(depth - 1), this.value(depth - 1));
        return o;
      }
    }
  }
  /** An equal value in another JS form: new identities, other key and member orders, 2^60 as the other numeric type. */
  clone(v: Value): Value {
    if (v === 2 ** 60) return 2n ** 60n;
    if (v === 2n ** 60n) return 2 ** 60;
    if (v === null || typeof v !== "object" || v instanceof NumText) return v;
    if (Array.isArray(v)) return v.map((x) => this.clone(x));
    if (v instanceof RSet) return new RSet(this.shuffle([...v.sorted()]).map((x) => this.clone(x)));
    if (v instanceof RObj)
      return new RObj(this.shuffle([...v.entries()]).map(([a, b]) => [this.clone(a), this.clone(b)]));
    const o: PlainObject = {};
    for (const key of this.r() < 0.5 ? Object.keys(v) : this.shuffle(Object.keys(v)))
      o[key] = this.clone(v[key]);
    return o;
  }
  /** A near-equal value: one leaf deep inside changed. */
  mutate(v: Value): Value {
    if (Array.isArray(v) && v.length) {
      const i = this.int(v.length);
      return v.map((x, j) => (j === i ? this.mutate(x) : this.clone(x)));
    }
    if (
      v !== null &&
      typeof v === "object" &&
      !Array.isArray(v) &&
      !(v instanceof RSet) &&
      !(v instanceof RObj) &&
      !(v instanceof NumText)
    ) {
      const ks = Object.keys(v);
      if (ks.length) {
        const kk = this.pick(ks);
        const o: PlainObject = {};
        for (const key of ks) o[key] = key === kk ? this.mutate(v[key]) : this.clone(v[key]);
        return o;
      }
    }
    return this.value(1);
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
  /** Values, their equal clones and near-equal mutants, mixed. */
  pool(n: number): Value[] {
    const out: Value[] = [];
    while (out.length < n) {
      const v = this.value(3);
      out.push(v, this.clone(v), this.mutate(v));
    }
    return this.shuffle(out);
  }
}

const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);
const show = (v: Value): string =>
  JSON.stringify(v, (_, x) =>
    typeof x === "bigint"
      ? `${x}n`
      : x instanceof RSet
        ? { set: x.sorted() }
        : x instanceof RObj
          ? { robj: [...x.entries()] }
          : x,
  );

describe("value order, equality and hashing (against the oracle)", () => {
  for (const seed of [1, 2, 3]) {
    it(`compare and equal agree with the oracle, equal values hash alike (seed ${seed})`, () => {
      const g = new Gen(seed);
      const pool = g.pool(240);
      let equalPairs = 0;
      let collisions = 0;
      for (let i = 0; i < pool.length; i++)
        for (let j = 0; j < pool.length; j += 1 + g.int(3)) {
          const a = pool[i];
          const b = pool[j];
          const want = oracleCompare(a, b);
          const got = sign(compare(a, b));
          if (got !== want) expect.fail(`compare(${show(a)}, ${show(b)}) = ${got}, want ${want}`);
          if (equal(a, b) !== (want === 0))
            expect.fail(`equal(${show(a)}, ${show(b)}) = ${equal(a, b)}, want ${want === 0}`);
          if (want === 0) {
            equalPairs++;
            if (hashOf(a) !== hashOf(b)) expect.fail(`hashOf differs for equal ${show(a)}, ${show(b)}`);
          } else if (hashOf(a) === hashOf(b)) collisions++;
        }
      expect(equalPairs).toBeGreaterThan(pool.length); // clones made equal pairs beyond a === a
      expect(collisions).toBeLessThan(pool.length); // distinct values rarely share a hash
    });
  }

  it("sorting by compare gives the oracle's order", () => {
    const g = new Gen(7);
    const pool = g.pool(300);
    const sorted = [...pool].sort(compare);
    for (let i = 1; i < sorted.length; i++)
      if (oracleCompare(sorted[i - 1], sorted[i]) > 0)
        expect.fail(`out of order: ${show(sorted[i - 1])} before ${show(sorted[i])}`);
  });

  it("objects of one shape, or of shapes alike at both ends, compare by their own keys", () => {
    // same length and end keys: the key-order cache must check the whole list
    const a = { a: 1, x: 1, z: 1 };
    const b = { a: 1, y: 1, z: 1 };
    expect(sign(compare(a, b))).toBe(oracleCompare(a, b));
    expect(sign(compare(b, a))).toBe(oracleCompare(b, a));
    expect(sortedKeys({ z: 0, a: 0 })).toEqual(["a", "z"]);
    expect(sortedKeys({ y: 0, a: 0 })).toEqual(["a", "y"]);
    // hand-built objects may hold undefined: absent in Rego
    const withHole: PlainObject = { b: 1, a: undefined as unknown as Value };
    expect(equal(withHole, { b: 1 })).toBe(true);
    expect(compare(withHole, { b: 1 })).toBe(0);
    expect(compare({ b: 1 }, withHole)).toBe(0);
    expect(hashOf(withHole)).toBe(hashOf({ b: 1 }));
    expect(sign(compare(withHole, { a: 0, b: 1 }))).toBe(oracleCompare({ b: 1 }, { a: 0, b: 1 }));
  });

  it("arrays proven equal stay equal, and unequal arrays are never taken for equal", () => {
    const env = (v: string): Value[] => ["A", "B", "C", { name: "D", value: v }];
    const xs = [env("1"), env("1"), env("1"), env("2"), env("2")];
    for (const x of xs) for (const y of xs) expect(sign(compare(x, y))).toBe(oracleCompare(x, y));
    for (const x of xs) for (const y of xs) expect(equal(x, y)).toBe(oracleCompare(x, y) === 0);
  });
});

describe("collections behave like the oracle", () => {
  it("RSet: members sorted and deduplicated, lookups by any equal form", () => {
    const g = new Gen(11);
    for (let round = 0; round < 60; round++) {
      const pool = g.pool(3 + g.int(40));
      const s = new RSet();
      // some members arrive in order, then the rest: both the clean and the sorting path
      for (const x of pool) s.add(x);
      const want = oracleSetMembers(pool);
      expect(s.size).toBe(want.length);
      const got = s.sorted();
      for (let i = 0; i < want.length; i++)
        if (oracleCompare(got[i], want[i]) !== 0)
          expect.fail(`member ${i}: ${show(got[i])}, want ${show(want[i])}`);
      for (const x of pool) expect(s.has(g.clone(x))).toBe(true);
      const other = g.value(3);
      expect(s.has(other)).toBe(want.some((w) => oracleCompare(w, other) === 0));
    }
  });

  it("RSet: a sorted run then a few members out of order (inserted one by one) matches the oracle", () => {
    const g = new Gen(19);
    for (let round = 0; round < 80; round++) {
      const run = oracleSetMembers(g.pool(8 + g.int(30)));
      // the tail: new values, equal copies of run members and of each other, in any order
      const tail: Value[] = [];
      for (let n = 1 + g.int(20); tail.length < n; ) {
        const r = g.r();
        tail.push(
          r < 0.3 ? g.clone(run[g.int(run.length)]) : r < 0.4 && tail.length ? g.clone(tail[0]) : g.value(2),
        );
      }
      const s = new RSet();
      for (const x of [...run, ...tail]) s.add(x);
      const all = [...run, ...tail];
      const want = oracleSetMembers(all);
      const got = s.sorted();
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        if (oracleCompare(got[i], want[i]) !== 0)
          expect.fail(`member ${i}: ${show(got[i])}, want ${show(want[i])}`);
        // of equal members the first added stays
        expect(got[i]).toBe(all.find((x) => oracleCompare(x, got[i]) === 0));
      }
    }
  });

  it("RSet of many plain objects (sorted with each member's key order taken once) matches the oracle", () => {
    const g = new Gen(17);
    for (let round = 0; round < 40; round++) {
      // only plain objects, more than a short set holds, sharing shapes; some members absent (undefined)
      const pool: Value[] = [];
      while (pool.length < 13 + g.int(60)) {
        const o: PlainObject = {};
        for (const key of g.shape()) o[key] = g.r() < 0.1 ? (undefined as unknown as Value) : g.value(2);
        const twin = g.clone(o);
        const near = g.mutate(o);
        pool.push(o, twin);
        if (
          near !== null &&
          typeof near === "object" &&
          !Array.isArray(near) &&
          !(near instanceof RSet) &&
          !(near instanceof RObj)
        )
          pool.push(near);
      }
      const s = new RSet();
      for (const x of g.shuffle(pool)) s.add(x);
      const want = oracleSetMembers(pool);
      const got = s.sorted();
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++)
        if (oracleCompare(got[i], want[i]) !== 0)
          expect.fail(`member ${i}: ${show(got[i])}, want ${show(want[i])}`);
      for (const x of pool) expect(s.has(g.clone(x))).toBe(true);
    }
  });

  it("ValueMap: equal keys are one key, the last value wins, the first key form stays", () => {
    const g = new Gen(13);
    const pool = g.pool(200);
    const m = new ValueMap<number>();
    const oracle: [Value, number][] = [];
    pool.forEach((k, i) => {
      m.set(k, i);
      const at = oracle.findIndex(([ok]) => oracleCompare(ok, k) === 0);
      if (at >= 0) oracle[at][1] = i;
      else oracle.push([k, i]);
    });
    expect(m.size).toBe(oracle.length);
    oracle.forEach(([k, v], i) => {
      expect(m.get(g.clone(k))).toBe(v);
      expect(m.keyAt(i)).toBe(k);
    });
    expect(m.get("no such key")).toBeUndefined();
  });

  it("RObj: non-string keys by value", () => {
    const o = new RObj([
      [[1, 2], "a"],
      [2 ** 60, "b"],
    ]);
    expect(o.get([1, 2])).toBe("a");
    expect(o.get(2n ** 60n)).toBe("b");
    o.set(2n ** 60n, "c");
    expect(o.size).toBe(2);
    expect(o.get(2 ** 60)).toBe("c");
    expect(
      equal(
        o,
        new RObj([
          [2n ** 60n, "c"],
          [[1, 2], "a"],
        ]),
      ),
    ).toBe(true);
    expect(hashOf(o)).toBe(
      hashOf(
        new RObj([
          [2n ** 60n, "c"],
          [[1, 2], "a"],
        ]),
      ),
    );
  });
});

describe("string order", () => {
  it("compareStrings orders by UTF-8 bytes, across surrogate pairs and high BMP units", () => {
    // small alphabet so random strings share long prefixes and meet at every kind of unit
    const units = [
      "a",
      "b",
      "~",
      "\u00e9",
      "\ud7ff",
      "\ue000",
      "\uffff",
      "\u{10000}",
      "\u{1F600}",
      "\u{10FFFF}",
    ];
    let s = 42;
    const r = (n: number): number => {
      // xorshift32
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % n;
    };
    const str = (): string => Array.from({ length: r(6) }, () => units[r(units.length)]).join("");
    for (let i = 0; i < 20000; i++) {
      const a = str();
      const b = r(4) === 0 ? a + str() : str();
      const want = Math.sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
      if (Math.sign(compareStrings(a, b)) !== want)
        expect.fail(`compareStrings(${JSON.stringify(a)}, ${JSON.stringify(b)}) != ${want}`);
      if (Math.sign(compareStrings(b, a)) !== -want)
        expect.fail(`compareStrings(${JSON.stringify(b)}, ${JSON.stringify(a)}) != ${-want}`);
    }
  });
});
