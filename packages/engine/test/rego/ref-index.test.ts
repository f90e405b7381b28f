/**
 * Referential lookups answered from indexes over base data (eval/ref-plan.ts,
 * eval/ref-index.ts) must give exactly the scan's results — values, order and
 * duplicates — on random data, and keep doing so as data changes
 * copy-on-write (the framework's Inventory) with the indexes carried over.
 */
import { describe, expect, it } from "vitest";
import { libraryYaml } from "../../../../test/harness/corpus.ts";
import { type Rand, seededRand } from "../../../../test/harness/random.ts";
import { buildReview, Client, Inventory } from "../../src/framework/index.ts";
import { refIndexStats } from "../../src/rego/eval/ref-index.ts";
import { compile, type EvalOptions, type Value } from "../../src/rego/index.ts";
import { toJSON } from "../../src/rego/value.ts";

const rng = seededRand;
type Rng = Rand;

const VALUES: Value[] = ["h1", "h2", "h3", 1, 2, 2.5, true, null, { a: 1 }, [1, 2], "é", ""];
const KEYS = ["a", "b", "n1", "n2", "10", "9", "z", "é", "\u{1F600}", "\uE000"];

function randValue(r: Rng): Value {
  return r.pick(VALUES);
}

/** An object the shapes look at: fields present or not, arrays or objects of entries, duplicates. */
function randObject(r: Rng): Value {
  if (r.int(12) === 0) return randValue(r);
  const o: Record<string, Value> = {};
  const items: Value[] = r.some(VALUES, 4).map((v): Value => (r.int(8) === 0 ? { w: v } : { v }));
  switch (r.int(5)) {
    case 0:
      break;
    case 1:
      o.spec = { items: Object.fromEntries(items.map((x, i) => [`k${i}`, x])) };
      break;
    case 2:
      o.spec = { items: r.pick(VALUES) };
      break;
    default:
      o.spec = { items };
  }
  if (r.int(2))
    o.labels = r.int(2)
      ? r.some(VALUES, 3)
      : Object.fromEntries(r.some(VALUES, 3).map((v, i) => [`l${i}`, v]));
  if (r.int(2)) o.sel = r.pick<Value>([{ app: "x" }, { app: "y" }, { app: "x", tier: "1" }, ["app"], "x"]);
  return o;
}

/** A container at a pattern level: usually an object, sometimes an array or a scalar. */
function randLevel(r: Rng, keys: readonly string[], child: () => Value): Value {
  const k = r.int(16);
  if (k === 0) return randValue(r);
  if (k === 1) return Array.from({ length: r.int(3) }, child);
  const o: Record<string, Value> = {};
  for (const key of r.some(keys, 4)) o[key] = child();
  return o;
}

function randInv(r: Rng): Value {
  return randLevel(r, KEYS, () =>
    randLevel(r, ["a/v1", "b/v1", "v1"], () =>
      randLevel(r, ["K", "L"], () => randLevel(r, KEYS, () => randObject(r))),
    ),
  );
}

const SHAPES = `package t
import rego.v1

basic := [[ns, n, i] | x := data.inv[ns][_].K[n]; x.spec.items[i].v == input.v]
unify := [[g, n] | x = data.inv[_][g].K[n]; input.v = x.spec.items[_].v]
between := [[ns, g, n, y] |
  x := data.inv[ns][g].K[n]
  startswith(g, "a")
  y := concat("/", [ns, n])
  x.spec.items[_].v == input.v
  y != ""
]
members := [n | x := data.inv[_][_].K[n]; x.labels[_] == input.v]
several := [[h, n] | h := input.vs[_]; x := data.inv[_][_].K[n]; x.spec.items[_].v == h]
composite := [n | x := data.inv[_][_].K[n]; x.sel == input.sel]
whole := [n | x := data.inv[_][_].K[n]; x == input.v]
bound := [n | ns := input.ns; x := data.inv[ns][_].K[n]; x.spec.items[_].v == input.v]
keyed := [n | k := input.k; x := data.inv[_][_].K[n]; x.spec.items[k].v == input.v]
byname := [n | x := data.inv[_][_].K[n]; x.spec.items[_].v == n]
not_quiet := [n | x := data.inv[_][_].K[n]; f(n); x.spec.items[_].v == input.v]
overridden := [n | x := data.inv[_][_].K[n]; x.spec.items[_].v == input.v] if true
with_data := r if { r := overridden with data.inv as input.inv }
with_input := r if { r := basic with input.v as "h1" }
in_function := fn(input.v)
fn(v) := [[ns, n] | x := data.inv[ns][_].K[n]; x.spec.items[_].v == v]
exists if { x := data.inv[_][_].K[_]; x.spec.items[_].v == input.v }
negated if { not exists }
f(n) := true if n != "zz"
`;

const policy = compile([{ file: "shapes.rego", source: SHAPES }]);
const shapes = policy.prepare("x := data.t");

function randInput(r: Rng): Value {
  return {
    v: randValue(r),
    vs: r.some(VALUES, 3),
    sel: r.pick<Value>([{ app: "x" }, { tier: "1", app: "x" }, ["app"], "x", 1]),
    ns: r.pick(KEYS),
    k: r.pick([0, 1, "k0", "k1"]),
    inv: randInv(r),
  };
}

function both(q: { eval(o?: EvalOptions): unknown }, opts: EvalOptions) {
  return { indexed: q.eval(opts), scan: q.eval({ ...opts, refIndex: false }) };
}

describe("referential index: generated shapes on random data", () => {
  it("gives the scan's results, order and duplicates included", () => {
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed);
      const data = { inv: randInv(r) };
      for (let j = 0; j < 5; j++) {
        const { indexed, scan } = both(shapes, { input: randInput(r), data });
        expect(indexed, `seed ${seed}`).toEqual(scan);
      }
    }
  });

  it("is used for the shapes it recognises, and built once per data", () => {
    const r = rng(7);
    const inv = () => ({ a: { "b/v1": { K: { n1: randObject(r), n2: randObject(r) } } } });
    const data = { inv: inv() };
    const before = refIndexStats().builds;
    const q = policy.prepare("x := data.t.basic");
    q.eval({ input: randInput(r), data });
    const built = refIndexStats().builds - before;
    expect(built).toBe(1);
    for (let j = 0; j < 5; j++) q.eval({ input: randInput(r), data });
    expect(refIndexStats().builds - before).toBe(1);
    q.eval({ input: randInput(r), data, refIndex: false });
    q.eval({ input: randInput(r), data: { inv: inv() } });
    expect(refIndexStats().builds - before).toBe(2);
  });

  it("strict builtin errors between the enumeration and the comparison are still raised", () => {
    const src = `package t
import rego.v1
p := [n | x := data.inv[_].K[n]; to_number(n) > 0; x.v == input.v]`;
    const q = compile([{ file: "s.rego", source: src }]).prepare("x := data.t.p");
    const data = { inv: { a: { K: { one: { v: "no" }, "2": { v: "yes" } } } } };
    const input = { v: "yes" };
    expect(q.eval({ input, data })).toEqual([{ x: ["2"] }]);
    expect(() => q.eval({ input, data, strictBuiltinErrors: true })).toThrow(/to_number/);
  });

  it("sees rules under the path, not only base data", () => {
    const src = `package t
import rego.v1
p := [n | x := data.t.inv[_].K[n]; x.v == input.v]
inv.a.K.r := {"v": 1}`;
    const q = compile([{ file: "s.rego", source: src }]).prepare("x := data.t.p");
    expect(q.eval({ input: { v: 1 }, data: { t: { inv: { b: { K: { s: { v: 1 } } } } } } })).toEqual([
      { x: ["r", "s"] },
    ]);
  });
});

type Obj = Record<string, unknown>;

const ingress = (r: Rng, ns: string, name: string): Obj => ({
  apiVersion: r.pick(["networking.k8s.io/v1", "extensions/v1beta1", "v1"]),
  kind: "Ingress",
  metadata: { name, namespace: ns },
  spec:
    r.int(6) === 0
      ? {}
      : { rules: r.some(["a.com", "b.com", "c.com", "d.com"], 3).map((host) => (r.int(8) ? { host } : {})) },
});

const service = (r: Rng, ns: string, name: string): Obj => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: ns },
  spec: r.int(5) === 0 ? {} : { selector: r.pick([{ app: "x" }, { app: "y" }, { app: "x", tier: "1" }]) },
});

function randObj(r: Rng): Obj {
  const ns = r.pick(["default", "a", "b", "c"]);
  const name = r.pick(["one", "two", "three", "four", "five"]);
  return r.int(3) === 0 ? service(r, ns, name) : ingress(r, ns, name);
}

describe("referential index: data changing through the framework", () => {
  it("follows random adds and removes on an Inventory, carried over rather than rebuilt", () => {
    const src = `package t
import rego.v1
hosts := [[ns, g, n] |
  h := input.hosts[_]
  x := data.inventory.namespace[ns][g].Ingress[n]
  x.spec.rules[_].host == h
]
names := [n | x := data.inventory.namespace[_][_][_][n]; x.metadata.namespace == input.ns]`;
    const q = compile([{ file: "s.rego", source: src }]).prepare("x := data.t");
    const before = refIndexStats();
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed);
      const inv = new Inventory();
      const live: Obj[] = [];
      for (let step = 0; step < 120; step++) {
        if (live.length && r.int(3) === 0) inv.remove(live.splice(r.int(live.length), 1)[0]);
        else {
          const o = randObj(r);
          inv.add(o);
          live.push(o);
        }
        // several changes between reads, sometimes: nodes not yet read are updated in place
        if (r.int(3) !== 0) continue;
        const input = { hosts: r.some(["a.com", "b.com", "c.com", "d.com"], 2), ns: r.pick(["a", "b"]) };
        const { indexed, scan } = both(q, { input, data: { inventory: inv.root as Value } });
        expect(indexed, `seed ${seed} step ${step}`).toEqual(scan);
      }
    }
    const after = refIndexStats();
    expect(after.carriedOver - before.carriedOver).toBeGreaterThan(after.builds - before.builds);
  });

  const templates = ["uniqueingresshost", "uniqueserviceselector"].map((t) =>
    libraryYaml<{ spec: { crd: { spec: { names: { kind: string } } } } }>("general", t, "template.yaml"),
  );
  const scanQueries = templates.map((t) => {
    const rego = (t as unknown as { spec: { targets: { rego: string }[] } }).spec.targets[0].rego;
    const pkg = /package (\S+)/.exec(rego)![1];
    return compile([{ file: "t.rego", source: rego, regoVersion: 0 }]).prepare(`r = data.${pkg}.violation`);
  });

  it("Client reviews with uniqueingresshost and uniqueserviceselector match a scan of the same inventory", () => {
    for (let seed = 1; seed <= 15; seed++) {
      const r = rng(seed);
      const client = new Client();
      for (const t of templates) {
        client.addTemplate(t);
        const kind = t.spec.crd.spec.names.kind;
        client.addConstraint({
          apiVersion: "constraints.gatekeeper.sh/v1beta1",
          kind,
          metadata: { name: "c" },
          spec: {},
        });
      }
      const live: Obj[] = [];
      for (let step = 0; step < 80; step++) {
        const op = r.int(10);
        if (op === 0) live.splice(0, live.length, ...Array.from({ length: r.int(15) }, () => randObj(r)));
        if (op === 0) client.replaceData(live);
        else if (live.length && op < 4) client.removeData(live.splice(r.int(live.length), 1)[0]);
        else {
          const o = randObj(r);
          client.addData(o);
          live.push(o);
        }
        if (r.int(2)) continue;
        const obj = randObj(r);
        const got = client.review(obj);
        expect(got.errors).toEqual([]);
        const input = { review: buildReview(obj, {}, new Inventory()).request as Value, parameters: {} };
        const want = scanQueries.flatMap((q) =>
          q
            .eval({ input, data: { inventory: client.inventory() as Value }, refIndex: false })
            .flatMap((row) => toJSON(row.r) as Obj[]),
        );
        expect(
          got.results.map((x) => x.msg),
          `seed ${seed} step ${step}`,
        ).toEqual(want.map((v) => v.msg));
      }
    }
  });
});
