/**
 * Comprehensions memoised per evaluation (eval/compr-memo.ts): one that reads
 * only vars bound outside a loop is built once, while any change of the vars
 * it reads, of the `with` context, or a print sink makes it run again; the
 * answers are the unmemoised ones (checked against `opa eval` where opa is
 * installed).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OPA_PATH } from "../../fuzz/rego/opa.ts";
import { compile } from "../../src/rego/index.ts";
import { toJSON, type Value } from "../../src/rego/value.ts";
import { counter } from "./helpers.ts";

const LOOP = `package t
import rego.v1

# the labels comprehension reads only obj: invariant over the loop on pdb
p contains name if {
  obj := input.obj
  some pdb in input.pdbs
  want := {[k, v] | some k; v := pdb.labels[k]}
  have := {[k, v] | some k; v := test.counted(obj.labels[k])}
  count(want - have) == 0
  name := pdb.name
}
`;

const INPUT: Value = {
  obj: { labels: { app: "a", tier: "web" } },
  pdbs: [
    { name: "x", labels: { app: "a" } },
    { name: "y", labels: { app: "b" } },
    { name: "z", labels: { tier: "web", app: "a" } },
    { name: "w", labels: {} },
  ],
};

describe("comprehension memo", () => {
  it("builds a comprehension that reads only outer vars once per evaluation", () => {
    const c = counter();
    const q = compile([{ file: "t.rego", source: LOOP }], { builtins: [c.def] }).prepare("x := data.t.p");
    expect(q.eval({ input: INPUT }).map((r) => toJSON(r as Value))).toEqual([{ x: ["w", "x", "z"] }]);
    expect(c.calls()).toBe(2); // two labels, not two per pdb
    q.eval({ input: INPUT });
    expect(c.calls()).toBe(4); // per evaluation: nothing carried over
  });

  it("runs it again for each print line when print output is observed", () => {
    const src = `package t
import rego.v1
p := [n | some x in input.xs; s := {y | some y in input.ys; print("y", y)}; n := count(s) + x]`;
    const q = compile([{ file: "t.rego", source: src }]).prepare("x := data.t.p");
    const lines: string[] = [];
    const input = { xs: [1, 2], ys: ["a"] };
    expect(q.eval({ input, print: (l) => lines.push(l) }).map((r) => toJSON(r as Value))).toEqual([
      { x: [2, 3] },
    ]);
    expect(lines).toEqual(["y a", "y a"]);
  });

  it("keys on the vars it reads, the function frame's arguments included", () => {
    const src = `package t
import rego.v1
f(a) := {x | some x in a}
p := [s | some i in [1, 2, 1]; s := {x | some x in input.xs; x > i}]
q := [f([1]), f([2]), f([1])]
r := [s | some i in [1, 2]; s := {x | some x in input.xs} with input.xs as [i]]
t := [s | some i in [1, 2]; s := {x | some x in input.xs}]`;
    const q = compile([{ file: "t.rego", source: src }]).prepare("x := data.t");
    expect(q.eval({ input: { xs: [1, 2, 3] } }).map((r) => toJSON(r as Value))).toEqual([
      {
        x: {
          p: [[2, 3], [3], [2, 3]],
          q: [[1], [2], [1]],
          r: [[1], [2]],
          t: [
            [1, 2, 3],
            [1, 2, 3],
          ],
        },
      },
    ]);
  });

  it("matches opa eval on loops, nested comprehensions and with", () => {
    if (!existsSync(OPA_PATH)) return;
    const src = `package t
import rego.v1
p contains name if {
  obj := input.obj
  some pdb in input.pdbs
  want := {[k, v] | some k; v := pdb.labels[k]}
  have := {[k, v] | some k; v := obj.labels[k]}
  count(want - have) == 0
  name := pdb.name
}
nested := [o | some pdb in input.pdbs; o := {k: ks | some k, _ in pdb.labels; ks := [j | some j, _ in input.obj.labels; j >= k]}]
arr := [a | some i in [0, 1, 0]; a := [x | some x in input.pdbs[i].labels]]
withs := [s | some pdb in input.pdbs; s := {x | some x in input.obj.labels} with input.obj.labels as pdb.labels]
fn(p) := count({k | some k, _ in p.labels})
calls := [fn(pdb) | some pdb in input.pdbs]`;
    const dir = mkdtempSync(join(tmpdir(), "compr-memo-"));
    writeFileSync(join(dir, "t.rego"), src);
    writeFileSync(join(dir, "input.json"), JSON.stringify(INPUT));
    const out = execFileSync(
      OPA_PATH,
      ["eval", "--format", "json", "-d", join(dir, "t.rego"), "-i", join(dir, "input.json"), "data.t"],
      { encoding: "utf8" },
    );
    const want = JSON.parse(out).result[0].expressions[0].value;
    const q = compile([{ file: "t.rego", source: src }]).prepare("x := data.t");
    expect(toJSON(q.eval({ input: INPUT })[0].x as Value)).toEqual(want);
  });
});
