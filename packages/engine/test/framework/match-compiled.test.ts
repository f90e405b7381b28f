// The compiled matcher and the (group, kind) index against the matcher they replaced,
// over generated spec.match × object pairs, thrown MatchErrors included.
import { describe, expect, test } from "vitest";
import { mulberry32 } from "../../../../test/harness/random.ts";
import { KindIndex } from "../../src/framework/kind-index.ts";
import { compileMatch, type Matchable } from "../../src/framework/match.ts";
import type { Obj } from "../../src/framework/objects.ts";
import * as reference from "./match-reference.ts";

const rand = mulberry32(8);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const some = <T>(xs: readonly T[], max = 3): T[] =>
  Array.from({ length: Math.floor(rand() * (max + 1)) }, () => pick(xs));
const maybe = <T>(v: () => T): T | undefined => (rand() < 0.5 ? v() : undefined);

const GROUPS = ["", "apps", "*", "rbac.authorization.k8s.io", 7] as const;
const KINDS = ["Pod", "Namespace", "Deployment", "*", "ClusterRole", null] as const;
const NAMES = ["prod", "kube-system", "dev", "", "x"];
const PATTERNS = ["prod", "pro*", "*od", "*ub*", "*", "kube-*", "dev", "", 3];
const LABELS = [{}, { a: "b" }, { a: "c" }, { env: "prod" }, { env: "dev", a: "b" }];

function selector(): unknown {
  return pick([
    undefined,
    "junk",
    { matchLabels: pick(LABELS) },
    {
      matchExpressions: some(
        [
          { key: "a", operator: "In", values: ["b"] },
          { key: "a", operator: "NotIn", values: ["b", "c"] },
          { key: "env", operator: "Exists" },
          { key: "env", operator: "DoesNotExist" },
          { key: "a", operator: "Bogus" },
        ],
        2,
      ),
    },
  ]);
}

function match(): Obj {
  const m: Obj = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined) m[k] = v;
  };
  set(
    "kinds",
    maybe(() =>
      some(
        [
          { apiGroups: some(GROUPS, 2), kinds: some(KINDS, 2) },
          { kinds: some(KINDS, 2) },
          { apiGroups: some(GROUPS, 2) },
          {},
          "junk",
        ],
        2,
      ),
    ),
  );
  set(
    "scope",
    maybe(() => pick(["Cluster", "Namespaced", "*", "typo"])),
  );
  set(
    "namespaces",
    maybe(() => pick([some(PATTERNS), "prod"])),
  );
  set(
    "excludedNamespaces",
    maybe(() => some(PATTERNS)),
  );
  set(
    "name",
    maybe(() => pick(["x", "x*", "*y", "", 5])),
  );
  set(
    "source",
    maybe(() => pick(["Original", "Generated", "All", ""])),
  );
  set("labelSelector", maybe(selector));
  set("namespaceSelector", maybe(selector));
  return m;
}

function object(): Matchable {
  const group = pick(["", "apps", "rbac.authorization.k8s.io", "*"]);
  const kind = pick(["Pod", "Namespace", "Deployment", "ClusterRole"]);
  const name = pick(["x", "xy", "y", "prod"]);
  const namespace = kind === "Namespace" ? "" : pick(NAMES);
  const obj = () => ({ metadata: { name, labels: pick(LABELS) } });
  const m: Matchable = {
    gvk: { group, version: "v1", kind },
    name,
    namespace,
    object: rand() < 0.85 ? obj() : null,
    oldObject: rand() < 0.3 ? obj() : undefined,
    source: pick(["Original", "Generated", "All", ""]),
  };
  const ns = pick([undefined, { metadata: { name: pick(NAMES), labels: pick(LABELS) } }, {}]);
  if (ns !== undefined) m.namespaceObject = ns;
  if (rand() < 0.3) m.namespaceSupplied = true;
  return m;
}

function outcome(f: () => boolean): string {
  try {
    return String(f());
  } catch (e) {
    return `throws ${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

describe("compiled spec.match", () => {
  const matches = Array.from({ length: 400 }, match);
  const objects = Array.from({ length: 150 }, object);

  test("agrees with the reference matcher, throws included", () => {
    let throws = 0;
    let trues = 0;
    for (const m of matches) {
      const compiled = compileMatch(m);
      for (const o of objects) {
        const want = outcome(() => reference.matches(m, o));
        const got = outcome(() => compiled.test(o));
        if (got !== want) expect({ match: m, object: o, got }).toEqual({ match: m, object: o, got: want });
        if (want.startsWith("throws")) throws++;
        if (want === "true") trues++;
      }
    }
    // The generator reaches every outcome often enough to mean something.
    expect(throws).toBeGreaterThan(100);
    expect(trues).toBeGreaterThan(1000);
  });

  test("the index returns exactly the constraints whose kinds select the object", () => {
    const idx = new KindIndex<number>();
    for (const [i, m] of matches.entries()) idx.add(i, compileMatch(m).kinds);
    for (const o of objects) {
      const want = matches.flatMap((m, i) => (reference.kindsMatch(m.kinds, o.gvk) ? [i] : []));
      expect(idx.lookup(o.gvk.group, o.gvk.kind).sort((a, b) => a - b)).toEqual(want);
    }
  });
});
