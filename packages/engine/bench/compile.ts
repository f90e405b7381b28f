/**
 * Compile time of the whole library and the memory it takes. Run as a
 * script (`node --expose-gc compile.ts [--preload <preload-engine.mjs>] [--prime] < templates.json`),
 * it is the measuring child: a fresh process that loads the engine, parses and compiles every library
 * template (and prepares its violation query), then prints the time and the
 * process RSS after a full GC as JSON. `compileAll` runs it a few times, on
 * the engine as production runs it (`strippedTree`, loaded by
 * deploy/image/preload-engine.mjs from a compile cache primed first, as the
 * image build does) and from its TypeScript source.
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
import { flushCompileCache, stripTypeScriptTypes } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Module, Template } from "./library.ts";

export interface CompileResult {
  /**
   * ms: per template the fastest of the runs, summed, which is how OPA's time is taken
   * (bench/opa.ts opaCompileMs), so both sides have the same estimator
   */
  ms: number;
  /** the fastest run's whole loop, ms */
  wholeMs: number;
  /** loading the engine (before the loop), ms: the fastest run's */
  loadMs: number;
  /** RSS after compiling everything and a GC, MB (largest of the runs) */
  rssMb: number;
  templates: number;
}

type Input = { pkg: string; modules: Module[] }[];

async function child(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf("--preload");
  const t00 = performance.now();
  if (at >= 0) {
    // as deploy/image/entrypoint.mjs loads the engine, with the tree's compile cache
    const preload = (await import(pathToFileURL(argv[at + 1]).href)) as {
      cacheDir(tree: string): string;
      useCompileCache(dir: string): string;
      preloadEngine(fromFile: string): Promise<unknown>;
    };
    preload.useCompileCache(preload.cacheDir(resolve(import.meta.dirname, "..")));
    await preload.preloadEngine(fileURLToPath(import.meta.url));
  }
  const { compile } = await import("../src/rego/index.ts");
  const loadMs = performance.now() - t00;
  if (argv.includes("--prime")) {
    flushCompileCache();
    console.log("{}");
    return;
  }
  // the templates' Rego arrives as JSON on stdin: the YAML reader is no part of the engine's footprint
  const templates = JSON.parse(readFileSync(0, "utf8")) as Input;
  const keep: unknown[] = [];
  const each: number[] = [];
  const t0 = performance.now();
  for (const t of templates) {
    const t1 = performance.now();
    keep.push(compile(t.modules, { regoVersion: 0 }).prepare(`data.${t.pkg}.violation[r]`));
    each.push(performance.now() - t1);
  }
  const ms = performance.now() - t0;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("compile.ts needs --expose-gc");
  gc();
  const rss = process.memoryUsage().rss;
  console.log(JSON.stringify({ ms, each, loadMs, rssMb: rss / 2 ** 20, templates: keep.length }));
}

interface ChildOutput {
  ms: number;
  each: number[];
  loadMs: number;
  rssMb: number;
  templates: number;
}

function runChildren(args: string[], input: string, runs: number, before?: () => void): CompileResult {
  const outs: ChildOutput[] = [];
  for (let r = 0; r < runs; r++) {
    before?.();
    outs.push(
      JSON.parse(
        execFileSync(process.execPath, ["--expose-gc", ...args], { encoding: "utf8", input }),
      ) as ChildOutput,
    );
  }
  const each = outs[0].each.map((_, i) => Math.min(...outs.map((o) => o.each[i])));
  return {
    ms: each.reduce((a, b) => a + b, 0),
    wholeMs: Math.min(...outs.map((o) => o.ms)),
    loadMs: Math.min(...outs.map((o) => o.loadMs)),
    rssMb: Math.max(...outs.map((o) => o.rssMb)),
    templates: outs[0].templates,
  };
}

const ENGINE = resolve(import.meta.dirname, "..");
const PRELOAD = resolve(ENGINE, "../../deploy/image/preload-engine.mjs");

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
    const args = [
      "--import",
      join(dir, "bench", "load-stripped.mjs"),
      join(dir, "bench", "compile.mjs"),
      "--preload",
      PRELOAD,
    ];
    // the image build's `entrypoint.mjs --prime`: fills the tree's compile cache
    execFileSync(process.execPath, ["--expose-gc", ...args, "--prime"], { encoding: "utf8" });
    // The image's cache cannot be written at run time (read-only root filesystem): each child
    // starts from the primed cache, not from what an earlier child added to it.
    const cache = join(dir, ".compile-cache");
    cpSync(cache, `${cache}.primed`, { recursive: true });
    const built = runChildren(args, input, runs, () => {
      rmSync(cache, { recursive: true, force: true });
      cpSync(`${cache}.primed`, cache, { recursive: true });
    });
    return { ...built, source: runChildren([fileURLToPath(import.meta.url)], input, runs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await child();
