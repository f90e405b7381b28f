/**
 * Compile time of the whole library and the memory it takes. Run as a
 * script (`node --expose-gc compile.ts < templates.json`), it is the measuring child: a
 * fresh process that loads the engine, parses and compiles every library
 * template (and prepares its violation query), then prints the time and the
 * process RSS after a full GC as JSON. `compileAll` runs it a few times, on
 * the engine as production runs it (`strippedTree`) and from its TypeScript
 * source.
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
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

function runChildren(args: string[], input: string, runs: number): CompileResult {
  let best: CompileResult | undefined;
  for (let r = 0; r < runs; r++) {
    const out = execFileSync(process.execPath, ["--expose-gc", ...args], { encoding: "utf8", input });
    const x = JSON.parse(out) as CompileResult;
    best = best
      ? { ms: Math.min(best.ms, x.ms), rssMb: Math.max(best.rssMb, x.rssMb), templates: x.templates }
      : x;
  }
  return best!;
}

const ENGINE = resolve(import.meta.dirname, "..");

/**
 * The engine as the production image runs it (scripts/build-prod-tree.sh):
 * its sources with their types stripped at build time, as
 * scripts/strip-types.mjs does, in a temporary copy of the package (its
 * node_modules linked), with this file stripped to `bench/compile.mjs` and
 * `bench/load-stripped.mjs` to load them as they are. The production tree
 * itself is not built: `pnpm deploy` of every service takes minutes.
 */
function strippedTree(): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-engine-"));
  const strip = (from: string, to: string): void => {
    mkdirSync(to, { recursive: true });
    for (const e of readdirSync(from, { withFileTypes: true })) {
      const src = join(from, e.name);
      if (e.isDirectory()) strip(src, join(to, e.name));
      else if (e.name.endsWith(".ts"))
        writeFileSync(join(to, e.name), stripTypeScriptTypes(readFileSync(src, "utf8")));
      else cpSync(src, join(to, e.name));
    }
  };
  strip(join(ENGINE, "src"), join(dir, "src"));
  cpSync(join(ENGINE, "package.json"), join(dir, "package.json"));
  symlinkSync(join(ENGINE, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(dir, "bench"));
  cpSync(join(ENGINE, "bench", "load-stripped.mjs"), join(dir, "bench", "load-stripped.mjs"));
  writeFileSync(
    join(dir, "bench", "compile.mjs"),
    stripTypeScriptTypes(readFileSync(fileURLToPath(import.meta.url), "utf8")),
  );
  return dir;
}

export interface CompileAll extends CompileResult {
  /** the same children run from the TypeScript source (Node strips the types as it loads each file) */
  source: CompileResult;
}

export function compileAll(templates: Template[], runs = 3): CompileAll {
  const input = JSON.stringify(templates.map((t) => ({ pkg: t.pkg, modules: t.modules })) satisfies Input);
  const dir = strippedTree();
  try {
    const built = runChildren(
      ["--import", join(dir, "bench", "load-stripped.mjs"), join(dir, "bench", "compile.mjs")],
      input,
      runs,
    );
    return { ...built, source: runChildren([fileURLToPath(import.meta.url)], input, runs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) child();
