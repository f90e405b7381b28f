/**
 * Compile time of the whole library and the memory it takes. Run as a
 * script (`node --expose-gc compile.ts < templates.json`), it is the measuring child: a
 * fresh process that loads the engine, parses and compiles every library
 * template (and prepares its violation query), then prints the time and the
 * process RSS after a full GC as JSON. `compileAll` runs it a few times.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compile } from "../src/rego/index.ts";
import type { Module, Template } from "./library.ts";

export interface CompileResult {
  /** fastest of the runs, ms */
  ms: number;
  /** RSS after compiling everything and a GC, MB (largest of the runs) */
  rssMb: number;
  templates: number;
}

type Input = { pkg: string; modules: Module[] }[];

function child(): void {
  // the templates' Rego arrives as JSON on stdin: the YAML reader is no part of the engine's footprint
  const templates = JSON.parse(readFileSync(0, "utf8")) as Input;
  const keep: unknown[] = [];
  const t0 = performance.now();
  for (const t of templates)
    keep.push(compile(t.modules, { regoVersion: 0 }).prepare(`data.${t.pkg}.violation[r]`));
  const ms = performance.now() - t0;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("compile.ts needs --expose-gc");
  gc();
  const rss = process.memoryUsage().rss;
  console.log(JSON.stringify({ ms, rssMb: rss / 2 ** 20, templates: keep.length }));
}

export function compileAll(templates: Template[], runs = 3): CompileResult {
  const input = JSON.stringify(templates.map((t) => ({ pkg: t.pkg, modules: t.modules })) satisfies Input);
  let best: CompileResult | undefined;
  for (let r = 0; r < runs; r++) {
    const out = execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url)], {
      encoding: "utf8",
      input,
    });
    const x = JSON.parse(out) as CompileResult;
    best = best
      ? { ms: Math.min(best.ms, x.ms), rssMb: Math.max(best.rssMb, x.rssMb), templates: x.templates }
      : x;
  }
  return best!;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) child();
