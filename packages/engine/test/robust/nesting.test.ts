// Deep nesting gives a located Rego error quickly (issue 13), never a RangeError or a hang.
import { describe, expect, test } from "vitest";
import { Client, FrameworkError } from "../../src/framework/index.ts";
import { compile, parseModule, RegoError } from "../../src/index.ts";
import { MAX_PARSE_DEPTH } from "../../src/rego/syntax/limits.ts";
import { regoTemplate } from "../framework/helpers.ts";

const SHAPES: Record<string, (d: number) => string> = {
  array: (d) => `${"[".repeat(d)}1${"]".repeat(d)}`,
  object: (d) => `${'{"a":'.repeat(d)}1${"}".repeat(d)}`,
  set: (d) => `${"{".repeat(d)}1${"}".repeat(d)}`,
  parens: (d) => `${"(".repeat(d)}1${")".repeat(d)}`,
  comprehension: (d) => `${"[x | x := ".repeat(d)}1${"]".repeat(d)}`,
  call: (d) => `${"abs(".repeat(d)}1${")".repeat(d)}`,
  ref: (d) => `${"a[".repeat(d)}1${"]".repeat(d)}`,
  minus: (d) => `${"-".repeat(d)}1`,
  operators: (d) => Array(d).fill("1").join(" + "),
};

const mod = (shape: string, d: number) => `package p\n\nx := ${SHAPES[shape](d)}\n`;

function regoError(f: () => unknown): RegoError {
  try {
    f();
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  throw new Error("expected a RegoError");
}

describe("nesting limits", () => {
  for (const shape of Object.keys(SHAPES))
    for (const d of [2000, 10000]) {
      test(`${shape} ${d} deep: located parse error`, () => {
        const t0 = Date.now();
        const e = regoError(() => parseModule(mod(shape, d), "deep.rego", { regoVersion: 1 }));
        expect(e.code).toBe("rego_parse_error");
        expect(e.message).toMatch(/nesting too deep \(limit \d+\)/);
        expect(e.errors[0].location).toMatchObject({ file: "deep.rego", row: 3 });
        const c = regoError(() => compile([{ file: "deep.rego", source: mod(shape, d) }]));
        expect(c.message).toMatch(/nesting too deep/);
        expect(Date.now() - t0).toBeLessThan(5000);
      });
    }

  test("addTemplate reports a FrameworkError with a location", () => {
    for (const shape of ["array", "parens", "comprehension"]) {
      let err: unknown;
      try {
        new Client().addTemplate(
          regoTemplate(`package k8sdemo\n\nviolation[{"msg": "m"}] {\n  x := ${SHAPES[shape](10000)}\n}\n`),
        );
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FrameworkError);
      const fe = err as FrameworkError;
      expect(fe.message).toMatch(/nesting too deep/);
      expect(fe.errors[0].location).toBeDefined();
    }
  });

  test("nesting just under the limit still compiles and evaluates", () => {
    for (const shape of ["array", "parens", "call", "comprehension"]) {
      const p = compile([{ file: "ok.rego", source: mod(shape, MAX_PARSE_DEPTH - 10) }]);
      expect(p.prepare("data.p.x").eval()).toHaveLength(1);
    }
  });

  test("backtracking over nested terms is linear (was 2^depth)", () => {
    const t0 = Date.now();
    for (const [open, close] of [
      ["[", "] + 1"],
      ['{"a": ', "} + 1"],
      ['{"a": ', " + 1}"],
      ["{", "} | 1"],
      ['{"a":', "}, 2}"],
      ["[", "], 2"],
    ]) {
      const src = `package p\n\nx := ${open.repeat(40)}1${close.repeat(40)}\n`;
      try {
        parseModule(src, "b.rego", { regoVersion: 1 });
      } catch (e) {
        expect(e).toBeInstanceOf(RegoError);
      }
    }
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test("nested comprehensions type-check in linear time (was 2^depth)", () => {
    const t0 = Date.now();
    const src = `package p\n\nx := ${Array.from({ length: 150 }, (_, i) => `[x${i} | x${i} := `).join("")}1${"]".repeat(150)}\n`;
    expect(
      compile([{ file: "c.rego", source: src }])
        .prepare("data.p.x")
        .eval(),
    ).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test("input or data nested deeper than the limit: an error naming it, not a stack overflow", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const q = compile([
      { file: "t.rego", source: "package t\ns := json.marshal(input)\nd := json.marshal(data.x)\n" },
    ]);
    const err = (query: string, opts: { input?: unknown; data?: unknown }): RegoError => {
      try {
        q.prepare(query).eval(opts as never);
      } catch (e) {
        if (e instanceof RegoError) return e;
        throw e;
      }
      throw new Error(`${query}: no error`);
    };
    expect(err("x := data.t.s", { input: deep }).message).toMatch(
      /input nested too deep: more than \d+ levels/,
    );
    expect(err("x := data.t.d", { data: { x: deep } }).message).toMatch(/data nested too deep/);
    // Shallow documents evaluate as before.
    expect(q.prepare("x := data.t.s").eval({ input: [[1]] })).toEqual([{ x: "[[1]]" }]);
  });
});
