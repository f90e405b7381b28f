/**
 * The engine's load cost and cold compile time, side by side with OPA.
 * In this (fresh) process: RSS of Node alone, after importing the engine, and
 * with every gatekeeper-library template in a Client (as a webhook replica or
 * audit worker holds them), each after a full GC; the wall and CPU time of
 * compiling the library's Rego cold (the first compile in the process) and
 * warm; then `opa check` on the same modules (and on an empty one: its startup).
 *
 *   pnpm measure:engine [--imports] [--runs N] [--engine <other checkout>/packages/engine/src/index.ts]
 *
 * Run it with NODE_COMPILE_CACHE=<dir> (twice) to leave out the type
 * stripper, and with --max-semi-space-size=N to cap the young generation.
 *
 * `--imports` instead reports what each of the engine's imports adds to RSS
 * and heap, in import order.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { getHeapSpaceStatistics } from "node:v8";

const ROOT = resolve(import.meta.dirname, "..");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

interface Mem {
  rss: number;
  heap: number;
  /** The young generation's committed size: it grows under allocation and is not given back. */
  young: number;
}
function mem(): Mem {
  for (let i = 0; i < 3; i++) gc?.();
  const m = process.memoryUsage();
  const young = getHeapSpaceStatistics().find((s) => s.space_name === "new_space")?.physical_space_size ?? 0;
  return { rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20, young: young / 2 ** 20 };
}
const fmt = (m: Mem): string =>
  `rss ${m.rss.toFixed(1)} MB, heap used ${m.heap.toFixed(1)} MB, young generation ${m.young.toFixed(1)} MB`;

const args = process.argv.slice(2);
const base = mem();
console.log(`node alone:              ${fmt(base)}`);

if (args.includes("--imports")) {
  // Each import's own cost, in the order the engine loads them.
  const steps = [
    "../packages/engine/src/rego/value.ts",
    "../packages/engine/src/rego/syntax/index.ts",
    "../packages/engine/src/rego/builtins/index.ts",
    "../packages/engine/src/rego/index.ts",
    "../packages/engine/src/framework/index.ts",
    "../packages/engine/src/index.ts",
    // Loaded on first use (a METADATA block or yaml.*; a CEL template), not with the engine:
    "yaml",
    "../packages/engine/src/cel/index.ts",
  ];
  const fromEngine = createRequire(join(ROOT, "packages/engine/package.json"));
  let prev = base;
  for (const s of steps) {
    await import(s.startsWith(".") ? s : pathToFileURL(fromEngine.resolve(s)).href);
    const now = mem();
    console.log(
      `+ ${s.padEnd(46)} rss +${(now.rss - prev.rss).toFixed(1)} MB, heap +${(now.heap - prev.heap).toFixed(1)} MB, young +${(now.young - prev.young).toFixed(1)} MB`,
    );
    prev = now;
  }
  process.exit(0);
}

const t0 = performance.now();
// --engine <…/src/index.ts> measures another checkout's engine (e.g. main's) with the same script, side by side.
const engineAt = args.includes("--engine") ? resolve(args[args.indexOf("--engine") + 1]) : undefined;
const engine: typeof import("../packages/engine/src/index.ts") = await import(
  engineAt ? pathToFileURL(engineAt).href : "../packages/engine/src/index.ts"
);
const tImport = performance.now() - t0;
const loaded = mem();
console.log(`engine imported:         ${fmt(loaded)}  (${tImport.toFixed(0)} ms)`);

// The corpus is read after the engine is in, so its YAML parse is not charged to it.
const { libraryFiles, yamlDocuments } = await import("../test/harness/corpus.ts");
type Obj = Record<string, any>;
const templates = libraryFiles()
  .filter((p) => p.endsWith("/template.yaml"))
  .sort()
  .map((p) => yamlDocuments<Obj>(p)[0]);
const regoOf = (tpl: Obj): { rego: string; libs: string[] } | undefined => {
  const target = tpl.spec?.targets?.[0];
  const code = target?.code?.find((c: Obj) => c.engine === "Rego")?.source;
  const rego: string | undefined = target?.rego ?? code?.rego;
  return rego === undefined
    ? undefined
    : { rego, libs: target?.rego ? (target.libs ?? []) : (code?.libs ?? []) };
};
const sources = templates.map(regoOf).filter((x) => x !== undefined);
const afterCorpus = mem();

const compileAll = (): unknown[] =>
  sources.map((s) =>
    engine.compile(
      [
        { file: "template.rego", source: s.rego },
        ...s.libs.map((source, i) => ({ file: `lib${i}.rego`, source })),
      ],
      { regoVersion: 0 },
    ),
  );
/** Wall and CPU milliseconds of f (CPU: this process's user + system time, less disturbed by a busy machine). */
function timed(f: () => void): { wall: number; cpu: number } {
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - w0, cpu: (c.user + c.system) / 1000 };
}

// Cold: the first compile of each template in this process (Rego, as compile() does it).
const cold = timed(() => void compileAll());
// A process as the webhook and audit workers hold the library: a Client with every template (CEL where it has it).
const client = new engine.Client();
const added = timed(() => {
  for (const t of templates) client.addTemplate(t);
});
const withClient = mem();
console.log(
  `Client with ${templates.length} templates: ${fmt(withClient)}  (corpus held: +${(afterCorpus.rss - loaded.rss).toFixed(1)} MB rss)`,
);
// Warm: the same compiles again (JIT warmed, lazily loaded parts in).
const runs = Number(args[args.indexOf("--runs") + 1]) || 5;
const warm = Array.from({ length: runs }, () => timed(() => void compileAll()));
console.log(
  `compile ${sources.length} templates: cold ${cold.wall.toFixed(1)} ms (cpu ${cold.cpu.toFixed(1)} ms); ` +
    `warm median of ${runs} ${median(warm.map((w) => w.wall)).toFixed(1)} ms (cpu ${median(warm.map((w) => w.cpu)).toFixed(1)} ms); ` +
    `Client.addTemplate all ${added.wall.toFixed(1)} ms (cpu ${added.cpu.toFixed(1)} ms)`,
);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// OPA on the same modules: one `opa check` over all templates, each in its own directory.
const opa = [join(ROOT, ".cache/bin/opa"), "opa"].find((p) => p === "opa" || existsSync(p));
const dir = mkdtempSync(join(tmpdir(), "measure-engine-"));
try {
  sources.forEach((s, i) => {
    const d = join(dir, `t${i}`);
    mkdirSync(d);
    writeFileSync(join(d, "template.rego"), s.rego);
    for (const [j, l] of s.libs.entries()) writeFileSync(join(d, `lib${j}.rego`), l);
  });
  mkdirSync(join(dir, "empty"));
  writeFileSync(join(dir, "empty", "x.rego"), "package x\n");
  // bash's `time` gives the child's CPU time as well as its wall time.
  const time = (paths: string[]): { wall: number; cpu: number } => {
    const s = performance.now();
    const r = spawnSync(
      "bash",
      [
        "-c",
        'TIMEFORMAT="%U %S"; time "$@" >/dev/null',
        "time",
        opa as string,
        "check",
        "--v0-compatible",
        ...paths,
      ],
      {
        encoding: "utf8",
      },
    );
    const wall = performance.now() - s;
    if (r.status !== 0) throw new Error(`opa check failed: ${r.stderr}`);
    const [user, sys] = r.stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
    return { wall, cpu: (user + sys) * 1000 };
  };
  const all = sources.map((_, i) => join(dir, `t${i}`));
  const startup: { wall: number; cpu: number }[] = [];
  const check: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < runs; r++) {
    startup.push(time([join(dir, "empty")]));
    check.push(time(all));
  }
  const m = (xs: { wall: number; cpu: number }[], k: "wall" | "cpu") => median(xs.map((x) => x[k]));
  console.log(
    `opa check ${sources.length} templates (median of ${runs}): ${m(check, "wall").toFixed(1)} ms (cpu ${m(check, "cpu").toFixed(0)} ms), ` +
      `of which startup ${m(startup, "wall").toFixed(1)} ms (cpu ${m(startup, "cpu").toFixed(0)} ms)`,
  );
} catch (e) {
  console.log(`opa: ${(e as Error).message.split("\n")[0]}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
