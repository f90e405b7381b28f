/**
 * Differential test: every gatekeeper-library Rego template, evaluated on its
 * suite objects and on generated variants of them, must give the same
 * violations in Portcullis and in the reference `opa` (built by setup into
 * .cache/bin). One `opa eval` per template keeps it quick: the inputs go in as
 * data and a wrapper rule evaluates the template `with input as` each one.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { libraryDir, referenceTool } from "@portcullis/testkit";
import { describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { compile } from "../../src/rego/index.ts";
import { toJSON, type Value } from "../../src/rego/value.ts";

type Obj = Record<string, any>;
const loadYaml = (p: string): Obj[] =>
  parseAllDocuments(readFileSync(p, "utf8"))
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);

function suites(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? suites(p) : e === "suite.yaml" ? [p] : [];
  });
}

/** Deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function leafPaths(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []) {
  if (v && typeof v === "object") {
    for (const [k, c] of Object.entries(v)) leafPaths(c, [...path, Array.isArray(v) ? Number(k) : k], out);
  } else out.push(path);
  return out;
}

/** Variants of an object: one leaf deleted, blanked or retyped, or a label added. */
function variants(obj: Obj, seed: number, n: number): Obj[] {
  const rand = rng(seed);
  const paths = leafPaths(obj).filter((p) => p[0] !== "apiVersion" && p[0] !== "kind");
  const out: Obj[] = [];
  for (let i = 0; i < n && paths.length; i++) {
    const copy = structuredClone(obj);
    const p = paths[Math.floor(rand() * paths.length)];
    let parent: any = copy;
    for (const k of p.slice(0, -1)) parent = parent[k];
    const last = p[p.length - 1];
    const mode = Math.floor(rand() * 4);
    if (mode === 0) {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (mode === 1) parent[last] = typeof parent[last] === "number" ? 0 : "";
    else if (mode === 2) parent[last] = typeof parent[last] === "string" ? 7 : "seven";
    else ((copy.metadata ??= {}).labels ??= {})[`gen-${i}`] = "x";
    out.push(copy);
  }
  return out;
}

function reviewOf(obj: Obj): Obj {
  const av = String(obj.apiVersion ?? "");
  const [group, version] = av.includes("/") ? av.split("/") : ["", av];
  return {
    kind: { group, version, kind: obj.kind },
    name: obj.metadata?.name,
    namespace: obj.metadata?.namespace ?? "",
    operation: "",
    object: obj,
  };
}

interface Case {
  name: string;
  modules: { file: string; source: string }[];
  pkg: string;
  inputs: Obj[];
  inventory: Obj;
}

function collect(): Case[] {
  const cases: Case[] = [];
  for (const suitePath of suites(libraryDir).sort()) {
    const dir = dirname(suitePath);
    const suite = loadYaml(suitePath)[0];
    for (const t of suite.tests ?? []) {
      const target = loadYaml(join(dir, t.template))[0]?.spec?.targets?.[0];
      const code = target?.code?.find((c: Obj) => c.engine === "Rego")?.source;
      const rego: string | undefined = target?.rego ?? code?.rego;
      const pkg = rego && /^\s*package\s+([\w.]+)/m.exec(rego)?.[1];
      if (!rego || !pkg) continue;
      const libs: string[] = target?.rego ? (target.libs ?? []) : (code?.libs ?? []);
      const params = t.constraint ? (loadYaml(join(dir, t.constraint))[0]?.spec?.parameters ?? {}) : {};
      const inputs: Obj[] = [];
      for (const [i, c] of (t.cases ?? []).entries()) {
        if (!c.object) continue;
        const obj = loadYaml(join(dir, c.object))[0];
        if (!obj) continue;
        for (const o of [obj, ...variants(obj, i + 1, 6)])
          inputs.push({ review: reviewOf(o), parameters: params });
      }
      if (!inputs.length) continue;
      cases.push({
        name: `${relative(libraryDir, dir)}/${t.name}`,
        pkg,
        modules: [
          { file: "template.rego", source: rego },
          ...libs.map((source, i) => ({ file: `lib${i}.rego`, source })),
        ],
        inputs,
        inventory: { cluster: {}, namespace: {} },
      });
    }
  }
  return cases;
}

const canon = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

describe("differential: Portcullis vs opa on gatekeeper-library templates", () => {
  const cases = collect();
  test("the corpus yields cases", () => expect(cases.length).toBeGreaterThan(30));
  for (const c of cases) {
    test(c.name, () => {
      const opa = referenceTool("opa");
      const wrapper = `package portcullis_diff\n\nresults[i] = rs {\n  some i\n  inp := data.diff_inputs[i]\n  rs := [v | data.${c.pkg}.violation[v] with input as inp]\n}\n`;
      const dir = mkdtempSync(join(tmpdir(), "portcullis-diff-"));
      let theirs: unknown[][];
      try {
        const args = ["eval", "--v0-compatible", "-f", "json"];
        for (const [i, m] of [...c.modules, { file: "w.rego", source: wrapper }].entries()) {
          writeFileSync(join(dir, `m${i}.rego`), m.source);
          args.push("-d", join(dir, `m${i}.rego`));
        }
        writeFileSync(
          join(dir, "data.json"),
          JSON.stringify({ diff_inputs: c.inputs, inventory: c.inventory }),
        );
        args.push("-d", join(dir, "data.json"), "data.portcullis_diff.results");
        const out = JSON.parse(execFileSync(opa, args, { encoding: "utf8", maxBuffer: 64 << 20 }));
        const res = out.result?.[0]?.expressions?.[0]?.value ?? {};
        theirs = c.inputs.map((_, i) => res[String(i)] ?? []);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const q = compile(c.modules, { regoVersion: 0 }).prepare(`data.${c.pkg}.violation[v]`);
      c.inputs.forEach((input, i) => {
        const ours = q
          .eval({ input: input as Value, data: { inventory: c.inventory } as Value })
          .map((r) => toJSON(r.v));
        expect(
          canon(ours),
          `input #${i} of ${c.name}: ${JSON.stringify(input.review.object).slice(0, 300)}`,
        ).toEqual(canon(theirs[i]));
      });
    });
  }
});
