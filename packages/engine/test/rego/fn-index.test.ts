/**
 * Lookups keyed by a function of the matched value (`flat(x) == p`,
 * `y := f(x); y == p`): the index (eval/ref-plan.ts, fn-key.ts) must give the
 * scan's outcome — values, order, duplicates, and errors — on random data and
 * as data changes, and must not be used when a function could raise, print,
 * read input or give several values (fn-safety.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Rand, seededRand } from "../../../../test/harness/random.ts";
import { OPA_PATH } from "../../fuzz/rego/opa.ts";
import { Inventory } from "../../src/framework/index.ts";
import type { RNode } from "../../src/rego/compile/tree.ts";
import { fnVerdict } from "../../src/rego/eval/fn-safety.ts";
import { refIndexStats } from "../../src/rego/eval/ref-index.ts";
import { compile, type EvalOptions, type Value } from "../../src/rego/index.ts";

const FNS = `package t
import rego.v1

flat(obj) := concat(",", sort([s | some k, v in obj.spec.selector; s := concat(":", [k, v])]))
apiver(kind) := v if {
  g := kind.group
  g != ""
  v := sprintf("%v/%v", [g, kind.version])
}
apiver(kind) := kind.version if kind.group == ""
same(obj, review) if {
  obj.metadata.name == review.name
  obj.apiVersion == apiver(review.kind)
}
labelset(obj) := {v | some v in obj.labels}
num(obj) := to_number(obj.n)
pair(obj) := [obj.metadata.name, count(obj.labels)]
keyed(obj) := {"n": num(obj), "s": labelset(obj)}
tagged(obj) := "yes" if obj.a == true
tagged(obj) := "no" if obj.a == false
tagged(obj) := "other" if obj.a != true

clash(obj) := 1 if obj.a
clash(obj) := 2 if obj.b
reads_input(obj) := concat("/", [obj.metadata.name, input.sfx])
iter(obj) := v if v := obj.labels[_]
noisy(_) if print("seen")
`;

/** name → [rule, indexed?] */
const RULES: Record<string, [string, boolean]> = {
  fn_eq: [
    "[[ns, n] | p := flat(input.obj); x := data.inv[ns][_].K[n]; not same(x, input.review); flat(x) == p]",
    true,
  ],
  fn_named: [
    '[[ns, g, n] | p := flat(input.obj); x := data.inv[ns][g].K[n]; not same(x, input.review); y := flat(x); startswith(g, "a"); p == y]',
    true,
  ],
  fn_unify: ["[n | x := data.inv[_][_].K[n]; flat(x) = input.flat]", true],
  fn_set: ["[n | p := labelset(input.obj); x := data.inv[_][_].K[n]; labelset(x) == p]", true],
  fn_num: ["[n | x := data.inv[_][_].K[n]; num(x) == input.num]", true],
  chain: ["[n | x := data.inv[_][_].K[n]; lower(x.metadata.name) == input.name]", true],
  composite: ["[n | x := data.inv[_][_].K[n]; pair(x) == input.pair]", true],
  array_key: ["[n | x := data.inv[_][_].K[n]; [num(x), flat(x)] == [input.num, input.flat]]", true],
  object_key: [
    '[n | p := {"s": labelset(input.obj), "n": input.num}; x := data.inv[_][_].K[n]; keyed(x) == p]',
    true,
  ],
  field_named: ["[n | x := data.inv[_][_].K[n]; y := x.metadata.name; y == input.name]", true],
  several: ["[[h, n] | h := input.flats[_]; x := data.inv[_][_].K[n]; flat(x) == h]", true],
  // two definitions that both succeed for {a: true, b: true}: a conflict, which the scan raises
  conflicting: ["[n | x := data.inv[_][_].K[n]; clash(x) == input.num]", false],
  // `tagged` conflicts for a: true ("yes" and "other" are not exclusive by the checks)
  tagged_key: ["[n | x := data.inv[_][_].K[n]; tagged(x) == input.tag]", false],
  input_dep: ["[n | x := data.inv[_][_].K[n]; reads_input(x) == input.name]", false],
  multi: ["[n | x := data.inv[_][_].K[n]; iter(x) == input.v]", false],
  noisy_between: ["[n | x := data.inv[_][_].K[n]; noisy(x); flat(x) == input.flat]", false],
  clash_between: ["[n | x := data.inv[_][_].K[n]; clash(x); flat(x) == input.flat]", false],
  time_key: ["[n | x := data.inv[_][_].K[n]; [time.now_ns() > 0, flat(x)] == [true, input.flat]]", false],
};

const SRC = `${FNS}\n${Object.entries(RULES)
  .map(([name, [rule]]) => `${name} := ${rule}`)
  .join("\n")}\n`;
const policy = compile([{ file: "fns.rego", source: SRC }]);
const queries = Object.keys(RULES).map((name) => [name, policy.prepare(`x := data.t.${name}`)] as const);

const SELECTORS: Value[] = [
  { app: "x" },
  { app: "y" },
  { app: "x", tier: "1" },
  { tier: "1", app: "x" },
  {},
  { app: 1 }, // concat fails: the pair is left out, not an error
  "x",
  ["app"],
];
const LABELS: Value[] = [["a", "b"], ["b", "a", "a"], [], ["a"], { k: "a" }, [1, 1.5], "a"];
const NUMS: Value[] = ["1", "1.0", "01", "1e0", "2", "x", 1, null];
const NAMES = ["one", "One", "ONE", "two", "x"];

function randObject(r: Rand): Value {
  const o: Record<string, Value> = {};
  if (r.int(8)) o.metadata = { name: r.pick(NAMES) };
  o.apiVersion = r.pick(["v1", "apps/v1"]);
  if (r.int(6)) o.spec = r.int(8) ? { selector: r.pick(SELECTORS) } : {};
  if (r.int(3)) o.labels = r.pick(LABELS);
  if (r.int(2)) o.n = r.pick(NUMS);
  if (r.int(2)) o.a = r.pick<Value>([true, false, "t"]);
  if (r.int(4) === 0) o.b = true;
  return r.int(20) === 0 ? r.pick<Value>(["scalar", 3, null]) : o;
}

function randInv(r: Rand): Value {
  const inv: Record<string, Value> = {};
  for (const ns of r.some(["a", "b", "c", "d"], 4)) {
    const byGroup: Record<string, Value> = {};
    for (const g of r.some(["a/v1", "b/v1", "v1"], 2)) {
      const objs: Record<string, Value> = {};
      for (const n of r.some(["n1", "n2", "n3", "10", "9", "é"], 5)) objs[n] = randObject(r);
      byGroup[g] = r.int(15) ? { K: objs, L: { z: randObject(r) } } : "not an object";
    }
    inv[ns] = byGroup;
  }
  return inv;
}

function randInput(r: Rand): Value {
  const obj = randObject(r);
  return {
    obj,
    review: {
      name: r.pick(NAMES),
      kind: r.pick<Value>([
        { group: "", version: "v1" },
        { group: "apps", version: "v1" },
        { version: "v1" },
      ]),
    },
    flat: r.pick(["app:x", "app:x,tier:1", "", "app:y"]),
    flats: r.some(["app:x", "app:x,tier:1", "", "app:y"], 3),
    num: r.pick<Value>([1, 2, 1.0, 1.5]),
    name: r.pick(["one", "two", "one/s"]),
    pair: r.pick<Value>([
      ["one", 2],
      ["two", 0],
      ["One", 3],
    ]),
    tag: r.pick(["yes", "no", "other"]),
    v: r.pick<Value>(["a", "b", 1]),
    sfx: "s",
  };
}

type Outcome = { value: unknown } | { error: string };

function outcome(q: { eval(o?: EvalOptions): unknown }, opts: EvalOptions): Outcome {
  try {
    return { value: q.eval(opts) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe("function-keyed index: random data", () => {
  it("gives the scan's outcome for every shape, errors included", () => {
    let errors = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const r = seededRand(seed);
      const data = { inv: randInv(r) };
      for (let j = 0; j < 4; j++) {
        const input = randInput(r);
        for (const [name, q] of queries) {
          const indexed = outcome(q, { input, data });
          const scan = outcome(q, { input, data, refIndex: false });
          if ("error" in scan) errors++;
          expect(indexed, `${name} seed ${seed}`).toEqual(scan);
        }
      }
    }
    // the unsafe shapes do raise on this data: the comparison covers errors
    expect(errors).toBeGreaterThan(50);
  });

  it("indexes the safe shapes and only those", () => {
    const r = seededRand(3);
    const input = randInput(r);
    for (const [name, q] of queries) {
      const before = refIndexStats().builds;
      outcome(q, { input, data: { inv: randInv(r) } });
      expect(refIndexStats().builds - before, name).toBe(RULES[name][1] ? 1 : 0);
    }
  });

  it("builds once per data and policy, and scans when errors are strict", () => {
    const r = seededRand(11);
    const data = { inv: randInv(r) };
    const q = policy.prepare("x := data.t.fn_eq");
    const before = refIndexStats().builds;
    for (let j = 0; j < 5; j++) q.eval({ input: randInput(r), data });
    expect(refIndexStats().builds - before).toBe(1);
    // another policy with the same function text keys its own index
    const other = compile([{ file: "fns.rego", source: SRC }]).prepare("x := data.t.fn_eq");
    const input = randInput(r);
    expect(other.eval({ input, data })).toEqual(q.eval({ input, data, refIndex: false }));
    expect(refIndexStats().builds - before).toBe(2);
    outcome(q, { input, data, strictBuiltinErrors: true });
    expect(refIndexStats().builds - before).toBe(2);
  });

  it("raises a key's builtin error in strict mode, as the scan does", () => {
    const src = `package t
import rego.v1
p := [n | x := data.inv[_].K[n]; to_number(x.n) == input.n]`;
    const q = compile([{ file: "s.rego", source: src }]).prepare("x := data.t.p");
    const data = { inv: { a: { K: { one: { n: "1" }, two: { n: "no" } } } } };
    expect(q.eval({ input: { n: 1 }, data })).toEqual([{ x: ["one"] }]);
    expect(() => q.eval({ input: { n: 1 }, data, strictBuiltinErrors: true })).toThrow(/to_number/);
  });
});

describe("function safety verdicts", () => {
  const src = `package v
import rego.v1
exclusive(k) := v if {
  g := k.group
  g != ""
  v := concat("/", [g, k.version])
}
exclusive(k) := k.version if k.group == ""
by_arg("a") := 1
by_arg("b") := 2
overlap(k) := 1 if k.a == 1
overlap(k) := 2 if k.b == 1
same_const(k) if k.a == 1
same_const(k) if k.b == 1
iterates(k) := v if v := k.items[_]
iterates_test(k) if k.items[_] == 1
iterates_pattern(k) := i if k.items[[i, 1]]
iterates_somein(k) := v if some v in k.items
bound_key(k) := k.items[k.i]
reads_input(k) := k.a if input.x
reads_data(k) := data.d[k]
objcompr(k) := {v: 1 | some v in k}
prints(k) if print(k)
clock(k) := [k, time.now_ns()]
with_in(k) := x if x := reads_input(k) with input.x as true
calls_overlap(k) if overlap(k) == 1
else_chain(k) := 1 if k.a else := 2
`;
  const root = (compile([{ file: "v.rego", source: src }]) as unknown as { cp: { root: RNode } }).cp.root;
  const verdict = (name: string) => {
    const v = fnVerdict(root, { kind: "user", name: `data.v.${name}`, path: ["v", name], arity: 1 });
    return v.pure ? "pure" : v.quiet ? "quiet" : "loud";
  };
  const want: Record<string, string> = {
    exclusive: "pure",
    by_arg: "pure",
    overlap: "loud",
    same_const: "pure",
    iterates: "loud",
    iterates_test: "pure",
    iterates_pattern: "loud",
    iterates_somein: "loud",
    bound_key: "pure",
    reads_input: "quiet",
    reads_data: "loud",
    objcompr: "loud",
    prints: "loud",
    clock: "quiet",
    with_in: "loud",
    calls_overlap: "loud",
    else_chain: "pure",
  };
  for (const [name, v] of Object.entries(want)) it(name, () => expect(verdict(name)).toBe(v));
});

/** OPA 1.22.2's results (`opa eval`) on one inventory, recorded. */
describe("function-keyed index: OPA's recorded results", () => {
  const data = {
    inv: {
      a: {
        v1: {
          K: {
            s1: {
              apiVersion: "v1",
              metadata: { name: "s1" },
              spec: { selector: { app: "x", tier: "1" } },
              labels: ["a", "b"],
              n: "1.0",
            },
            s2: {
              apiVersion: "v1",
              metadata: { name: "s2" },
              spec: { selector: { tier: "1", app: "x" } },
              labels: ["b", "a", "a"],
              n: "01",
            },
            s3: { apiVersion: "v1", metadata: { name: "s3" }, spec: {}, labels: [], n: "x" },
          },
        },
      },
      b: {
        "apps/v1": {
          K: {
            s1: { apiVersion: "apps/v1", metadata: { name: "s1" }, spec: { selector: { app: 1 } }, n: 1 },
            s4: {
              apiVersion: "apps/v1",
              metadata: { name: "ONE" },
              spec: { selector: { app: "x", tier: "1" } },
              labels: { k: "a" },
            },
          },
        },
      },
    },
  };
  const input = {
    obj: { spec: { selector: { tier: "1", app: "x" } }, labels: ["a", "b"] },
    review: { name: "s1", kind: { group: "", version: "v1" } },
    flat: "",
    num: 1,
    name: "one",
    pair: ["s2", 3],
  };
  const want: Record<string, Value> = {
    fn_eq: [
      ["a", "s2"],
      ["b", "s4"],
    ],
    fn_named: [["b", "apps/v1", "s4"]],
    fn_unify: ["s3", "s1"],
    fn_set: ["s1", "s2"],
    fn_num: ["s1", "s2", "s1"],
    chain: ["s4"],
    composite: ["s2"],
    object_key: ["s1", "s2"],
  };
  for (const [name, v] of Object.entries(want))
    it(name, () => {
      const q = queries.find(([n]) => n === name)![1];
      expect(q.eval({ input, data })).toEqual([{ x: v }]);
      expect(q.eval({ input, data, refIndex: false })).toEqual([{ x: v }]);
    });
});

describe("function-keyed index: against opa eval", () => {
  it("agrees with the reference opa on random inventories", { timeout: 60_000 }, () => {
    const indexed = Object.keys(RULES).filter((n) => RULES[n][1]);
    const query = `{${indexed.map((n) => `"${n}": data.t.${n}`).join(", ")}}`;
    const q = policy.prepare(`x := ${query}`);
    const dir = mkdtempSync(join(tmpdir(), "fn-index-"));
    writeFileSync(join(dir, "fns.rego"), SRC);
    let nonEmpty = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const r = seededRand(seed * 7919);
      const data = { inv: randInv(r) };
      const input = randInput(r);
      writeFileSync(join(dir, "data.json"), JSON.stringify(data));
      writeFileSync(join(dir, "input.json"), JSON.stringify(input));
      const args = ["eval", "-f", "json", "-d", join(dir, "fns.rego"), "-d", join(dir, "data.json")];
      const out = execFileSync(OPA_PATH, [...args, "-i", join(dir, "input.json"), query], {
        encoding: "utf8",
      });
      const want = JSON.parse(out).result[0].expressions[0].value as Record<string, Value[]>;
      const got = q.eval({ input, data })[0].x as Record<string, Value[]>;
      expect(got, `seed ${seed}`).toEqual(want);
      for (const n of indexed) if (want[n].length) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(10);
  });
});

describe("function-keyed index: cancelled while building or catching up", () => {
  it("leaves no half-made index behind", () => {
    const src = `package t
import rego.v1
flat(obj) := concat(",", sort([s | some k, v in obj.spec.selector; s := concat(":", [k, v])]))
sel := [n | p := flat(input.obj); x := data.inventory.namespace[_][_].Service[n]; flat(x) == p]`;
    const q = compile([{ file: "s.rego", source: src }]).prepare("x := data.t.sel");
    const svc = (i: number) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `s${i}`, namespace: `n${i % 7}` },
      spec: { selector: { app: `a${i % 5}` } },
    });
    const inv = new Inventory();
    for (let i = 0; i < 300; i++) inv.add(svc(i));
    const input = { obj: { spec: { selector: { app: "a1" } } } };
    const check = () => {
      const data = { inventory: inv.root as Value };
      expect(q.eval({ input, data })).toEqual(q.eval({ input, data, refIndex: false }));
    };
    const cut = () => q.eval({ input, data: { inventory: inv.root as Value }, maxSteps: 100 });
    expect(cut).toThrow(/step budget/); // while building
    check();
    for (let i = 300; i < 600; i++) inv.add(svc(i));
    for (let i = 0; i < 100; i++) inv.remove(svc(i * 3));
    expect(cut).toThrow(/step budget/); // while replaying the edits
    check();
  });
});

describe("function-keyed index: data changing through an Inventory", () => {
  it("follows random adds and removes, carried over rather than rebuilt", () => {
    const src = `package t
import rego.v1
flat(obj) := concat(",", sort([s | some k, v in obj.spec.selector; s := concat(":", [k, v])]))
same(obj, review) if obj.metadata.name == review.name
sel := [[ns, n] |
  p := flat(input.obj)
  x := data.inventory.namespace[ns][_].Service[n]
  not same(x, input.review)
  flat(x) == p
]`;
    const q = compile([{ file: "s.rego", source: src }]).prepare("x := data.t.sel");
    const before = refIndexStats();
    const svc = (r: Rand) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: r.pick(["one", "two", "three", "four"]), namespace: r.pick(["a", "b", "c"]) },
      spec: r.int(5) ? { selector: r.pick(SELECTORS) } : {},
    });
    for (let seed = 1; seed <= 20; seed++) {
      const r = seededRand(seed);
      const inv = new Inventory();
      const live: Record<string, unknown>[] = [];
      for (let step = 0; step < 120; step++) {
        if (live.length && r.int(3) === 0) inv.remove(live.splice(r.int(live.length), 1)[0]);
        else {
          const o = svc(r);
          inv.add(o);
          live.push(o);
        }
        if (r.int(3) !== 0) continue;
        const input = {
          obj: { spec: { selector: r.pick(SELECTORS) } },
          review: { name: r.pick(["one", "two"]) },
        };
        const data = { inventory: inv.root as Value };
        expect(q.eval({ input, data }), `seed ${seed} step ${step}`).toEqual(
          q.eval({ input, data, refIndex: false }),
        );
      }
    }
    const after = refIndexStats();
    expect(after.carriedOver - before.carriedOver).toBeGreaterThan(after.builds - before.builds);
  });
});
