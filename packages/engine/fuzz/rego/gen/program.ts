/**
 * A whole program: one or two modules (`package fuzz` and sometimes a
 * `package fuzz.lib` it imports, with or without `as`), in v0 or v1 syntax
 * with the imports that syntax allows (`future.keywords`, `rego.v1`), a
 * random input (object, other type, or none) and random data under `data.d`.
 */
import type { Value } from "../../../src/rego/value.ts";
import type { Rand } from "../random.ts";
import { func, rule } from "./rules.ts";
import { Ctx, type Ref, type Syntax } from "./scope.ts";
import { builtinCall, callableBuiltins } from "./terms.ts";
import { type Kind, typeOfKind } from "./types.ts";
import { randomValue } from "./values.ts";

export interface Program {
  regoVersion: 0 | 1;
  modules: { file: string; source: string }[];
  /** undefined: no input document. */
  input?: Value;
  data: Value;
  strictBuiltinErrors: boolean;
}

function syntax(r: Rand, v: 0 | 1): Syntax {
  if (v === 1) {
    const imports = r.chance(0.1) ? ["import rego.v1"] : r.chance(0.05) ? ["import future.keywords"] : [];
    return { v, ifKw: true, mustIf: true, contains: true, inKw: true, every: true, imports };
  }
  const roll = r.int(10);
  if (roll < 4)
    return { v, ifKw: false, mustIf: false, contains: false, inKw: false, every: false, imports: [] };
  if (roll < 7)
    return {
      v,
      ifKw: true,
      mustIf: false,
      contains: true,
      inKw: true,
      every: true,
      imports: ["import future.keywords"],
    };
  if (roll < 8) {
    const kws = ["in", "every", "if", "contains"].filter(() => r.chance(0.6));
    return {
      v,
      ifKw: kws.includes("if"),
      mustIf: false,
      contains: kws.includes("contains"),
      inKw: kws.includes("in") || kws.includes("every"),
      every: kws.includes("every"),
      imports: kws.map((k) => `import future.keywords.${k}`),
    };
  }
  return {
    v,
    ifKw: true,
    mustIf: true,
    contains: true,
    inKw: true,
    every: true,
    imports: ["import rego.v1"],
  };
}

const FIELD_KINDS: Kind[] = ["num", "str", "bool", "arr", "obj", "any", "null", "num", "str"];

/** A document of a few fields of known kinds, and refs to them from `base`. */
function document(r: Rand, base: string): { doc: Record<string, Value>; refs: Ref[] } {
  const doc: Record<string, Value> = {};
  const refs: Ref[] = [];
  const names = ["a", "b", "c", "n", "s", "xs", "o", "k"];
  for (let i = 1 + r.int(5); i > 0; i--) {
    const name = r.pick(names);
    const kind = r.pick(FIELD_KINDS);
    doc[name] = randomValue(r, typeOfKind(kind === "null" ? "null" : kind), 0, true);
    const k: Kind = kind === "any" ? "any" : kind;
    refs.push({ text: r.chance(0.8) ? `${base}.${name}` : `${base}["${name}"]`, kind: k });
  }
  return { doc, refs };
}

function moduleSource(
  c: Ctx,
  pkg: string,
  refPrefix: string,
  header: string[],
  nFuncs: number,
  nRules: number,
): string {
  const r = c.r;
  const parts: string[] = [`package ${pkg}`, "", ...c.syn.imports, ...header];
  for (let i = 0; i < nFuncs; i++) parts.push("", func(c, refPrefix));
  for (let i = 0; i < nRules; i++) parts.push("", rule(c, `data.${pkg}`, refPrefix));
  // one call of a builtin picked uniformly, so every builtin is reached whatever the term weights
  if (r.chance(0.7)) {
    c.vars = [];
    const bs = callableBuiltins().filter((b) => c.syn.v === 0 || !b.deprecated || r.chance(0.1));
    parts.push("", `${c.fresh("b")} := ${builtinCall(c, r.pick(bs))}`);
  }
  return `${parts.join("\n")}\n`;
}

export function generate(r: Rand): Program {
  const v: 0 | 1 = r.chance(0.5) ? 1 : 0;
  const sloppy = r.chance(0.2);
  const inp = document(r, "input");
  const dat = document(r, "data.d");
  const inputRoll = r.int(20);
  const input: Value | undefined =
    inputRoll === 0 ? undefined : inputRoll === 1 ? randomValue(r, typeOfKind("arr"), 0, true) : inp.doc;
  const modules: Program["modules"] = [];
  const funcsFromLib: Ctx["funcs"] = [];
  const rulesFromLib: Ctx["rules"] = [];
  const header: string[] = [];
  if (r.chance(0.35)) {
    const lc = new Ctx(r, syntax(r, v), inp.refs, dat.refs, sloppy);
    const src = moduleSource(lc, "fuzz.lib", "", [], 1 + r.int(2), 1 + r.int(2));
    modules.push({ file: "lib.rego", source: src });
    const style = r.int(3);
    const prefix = style === 0 ? "data.fuzz.lib." : style === 1 ? "lib." : "l.";
    if (style === 1) header.push("import data.fuzz.lib");
    if (style === 2) header.push("import data.fuzz.lib as l");
    for (const f of lc.funcs) funcsFromLib.push({ ...f, text: prefix + f.text });
    for (const x of lc.rules) rulesFromLib.push({ ...x, text: prefix + x.text });
  }
  const dataRefs = [...dat.refs];
  if (r.chance(0.15)) {
    header.push("import data.d as dd");
    dataRefs.push(...dat.refs.map((x) => ({ ...x, text: x.text.replace(/^data\.d/, "dd") })));
  }
  const inputRefs = [...inp.refs];
  if (r.chance(0.1)) {
    header.push("import input.a as ia");
    inputRefs.push({ text: "ia", kind: "any" });
  }
  const c = new Ctx(r, syntax(r, v), inputRefs, dataRefs, sloppy);
  c.funcs.push(...funcsFromLib);
  c.rules.push(...rulesFromLib);
  modules.push({ file: "main.rego", source: moduleSource(c, "fuzz", "", header, r.int(3), 1 + r.int(4)) });
  return { regoVersion: v, modules, input, data: { d: dat.doc }, strictBuiltinErrors: r.chance(0.25) };
}
