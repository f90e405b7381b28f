/**
 * Engine benchmark: compiles every gatekeeper-library template (Rego) and
 * evaluates it against its suite objects, reporting µs per evaluation.
 * Where `opa` is installed (.cache/bin or PATH), the same policy, query and
 * input go through `opa bench` in the same run, side by side (for the first
 * case of each suite test, since each `opa bench` takes seconds).
 *
 *   pnpm bench:engine [--no-opa] [--filter <regex>] [--ms <per-case budget>]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { compile } from "../src/rego/index.ts";
import type { Value } from "../src/rego/value.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const LIBRARY = resolve(ROOT, "../shared/corpus/gatekeeper-library/library");

interface Args {
  opa: boolean;
  filter?: RegExp;
  ms: number;
}
function parseArgs(argv: string[]): Args {
  const a: Args = { opa: true, ms: 200 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--no-opa") a.opa = false;
    else if (argv[i] === "--filter") a.filter = new RegExp(argv[++i]);
    else if (argv[i] === "--ms") a.ms = Number(argv[++i]);
  }
  return a;
}

type Obj = Record<string, any>;
const loadYaml = (path: string): Obj[] =>
  parseAllDocuments(readFileSync(path, "utf8"))
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);

function findSuites(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...findSuites(p));
    else if (e === "suite.yaml") out.push(p);
  }
  return out.sort();
}

/** gator-style review of a plain object (operation empty). */
function reviewOf(obj: Obj): Obj {
  const [group, version] = String(obj.apiVersion ?? "").includes("/")
    ? String(obj.apiVersion).split("/")
    : ["", String(obj.apiVersion ?? "")];
  return {
    kind: { group, version, kind: obj.kind },
    name: obj.metadata?.name,
    namespace: obj.metadata?.namespace ?? "",
    operation: "",
    object: obj,
  };
}

/** data.inventory in Gatekeeper's layout. */
function inventoryOf(objs: Obj[]): Obj {
  const cluster: Obj = {};
  const namespace: Obj = {};
  for (const o of objs) {
    const gv = o.apiVersion;
    const ns = o.metadata?.namespace;
    const root = ns ? ((namespace[ns] ??= {}) as Obj) : cluster;
    ((root[gv] ??= {})[o.kind] ??= {})[o.metadata?.name] = o;
  }
  return { cluster, namespace };
}

interface Bench {
  name: string;
  /** First case of its suite test: these also run through `opa bench` (one per template × constraint keeps the run short). */
  first: boolean;
  modules: { file: string; source: string }[];
  pkg: string;
  input: Obj;
  data: Obj;
}

function collect(filter?: RegExp): Bench[] {
  const benches: Bench[] = [];
  for (const suitePath of findSuites(LIBRARY)) {
    const dir = dirname(suitePath);
    const suite = loadYaml(suitePath)[0];
    for (const t of suite.tests ?? []) {
      const tpl = loadYaml(join(dir, t.template))[0];
      const target = tpl?.spec?.targets?.[0];
      const regoCode = target?.code?.find((c: Obj) => c.engine === "Rego")?.source;
      const rego: string | undefined = target?.rego ?? regoCode?.rego;
      if (!rego) continue; // CEL-only template
      const libs: string[] = target?.rego ? (target.libs ?? []) : (regoCode?.libs ?? []);
      const pkg = /^\s*package\s+([\w.]+)/m.exec(rego)?.[1];
      if (!pkg) continue;
      const constraint = t.constraint ? loadYaml(join(dir, t.constraint))[0] : {};
      for (const c of t.cases ?? []) {
        if (!c.object) continue;
        const name = `${relative(LIBRARY, dir)}/${t.name}/${c.name}`;
        if (filter && !filter.test(name)) continue;
        const obj = loadYaml(join(dir, c.object))[0];
        const inv = (c.inventory ?? []).flatMap((p: string) => loadYaml(join(dir, p)));
        benches.push({
          name,
          first: !benches.some((x) => x.name.startsWith(`${relative(LIBRARY, dir)}/${t.name}/`)),
          pkg,
          modules: [
            { file: "template.rego", source: rego },
            ...libs.map((source, i) => ({ file: `lib${i}.rego`, source })),
          ],
          input: { review: reviewOf(obj), parameters: constraint?.spec?.parameters ?? {} },
          data: { inventory: inventoryOf(inv) },
        });
      }
    }
  }
  return benches;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const BATCH = 10;

/**
 * Runs one evaluation repeatedly for `ms`; returns per-eval µs samples
 * (batched to beat timer resolution). Each evaluation gets a fresh copy of
 * the input, made outside the timed region, as a webhook gets a freshly
 * parsed request: no per-object cache can carry over between evaluations.
 */
function measure(fn: (input: Value) => void, input: Obj, ms: number): number[] {
  const text = JSON.stringify(input);
  const fresh = (): Value[] => Array.from({ length: BATCH }, () => JSON.parse(text) as Value);
  for (const x of [...fresh(), ...fresh()]) fn(x); // warm up the JIT
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const inputs = fresh();
    const t0 = performance.now();
    for (const x of inputs) fn(x);
    samples.push(((performance.now() - t0) * 1000) / BATCH);
  }
  return samples.sort((a, b) => a - b);
}

function opaBinary(): string | undefined {
  const local = join(ROOT, ".cache/bin/opa");
  if (existsSync(local)) return local;
  try {
    return execFileSync("which", ["opa"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** ns/op of `opa bench` on the same modules, query and input, or undefined on failure. */
function opaBench(opa: string, b: Bench): number | undefined {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-"));
  try {
    const args = ["bench", "--v0-compatible", "--format", "json", "--fail=false", "--metrics=false"];
    b.modules.forEach((m, i) => {
      const f = join(dir, `m${i}.rego`);
      writeFileSync(f, m.source);
      args.push("-d", f);
    });
    writeFileSync(join(dir, "data.json"), JSON.stringify(b.data));
    writeFileSync(join(dir, "input.json"), JSON.stringify(b.input));
    args.push("-d", join(dir, "data.json"), "-i", join(dir, "input.json"), `data.${b.pkg}.violation[r]`);
    const out = JSON.parse(execFileSync(opa, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    return out.N ? out.T / out.N : undefined;
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const benches = collect(args.filter);
  const opa = args.opa ? opaBinary() : undefined;
  const all: number[] = [];
  let ratioLogSum = 0;
  let ratioCount = 0;
  let errors = 0;
  console.log(
    `${"case".padEnd(72)} ${"p50 µs".padStart(9)} ${"p99 µs".padStart(9)}${opa ? `${"opa µs".padStart(9)}  ratio` : ""}`,
  );
  for (const b of benches) {
    let p50: number;
    let p99: number;
    let mean: number;
    try {
      const q = compile(b.modules, { regoVersion: 0 }).prepare(`data.${b.pkg}.violation[r]`);
      const data = b.data as Value;
      const samples = measure((input) => q.eval({ input, data }), b.input, args.ms);
      all.push(...samples);
      p50 = percentile(samples, 50);
      p99 = percentile(samples, 99);
      mean = samples.reduce((s, x) => s + x, 0) / samples.length;
    } catch (e) {
      errors++;
      console.log(`${b.name.padEnd(72)} error: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    let line = `${b.name.slice(-72).padEnd(72)} ${p50.toFixed(2).padStart(9)} ${p99.toFixed(2).padStart(9)}`;
    if (opa && b.first) {
      const ns = opaBench(opa, b);
      if (ns !== undefined) {
        // opa bench reports a mean (T/N), so compare it with our mean.
        const ratio = ns / 1000 / mean;
        ratioLogSum += Math.log(ratio);
        ratioCount++;
        line += `${(ns / 1000).toFixed(2).padStart(9)}  ${ratio.toFixed(2)}x`;
      } else line += `${"n/a".padStart(9)}`;
    }
    console.log(line);
  }
  all.sort((a, b) => a - b);
  const p50 = percentile(all, 50);
  const p99 = percentile(all, 99);
  const evalsPerS = Math.round(1e6 / (all.reduce((s, x) => s + x, 0) / all.length));
  const ratio = ratioCount ? Math.exp(ratioLogSum / ratioCount).toFixed(2) : "na";
  console.log(
    `${benches.length} cases, ${errors} errors; opa_ratio is the geometric mean over ${ratioCount} cases of OPA µs/eval ÷ ours`,
  );
  console.log(
    `us_per_eval_p50=${p50.toFixed(2)} us_per_eval_p99=${p99.toFixed(2)} evals_per_s=${evalsPerS} opa_ratio=${ratio}`,
  );
}

main();
