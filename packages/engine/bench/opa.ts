/**
 * OPA on the same work, for side-by-side ratios: `opa bench` for evaluation
 * and `opa eval --metrics` for parse + compile time. `.cache/bin/opa` (the
 * pinned v1.22.2) or `opa` on PATH.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Module, ROOT } from "./library.ts";

export function opaBinary(): string | undefined {
  const local = join(ROOT, ".cache/bin/opa");
  if (existsSync(local)) return local;
  try {
    return execFileSync("which", ["opa"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function moduleArgs(dir: string, modules: Module[]): string[] {
  return modules.flatMap((m, i) => {
    const f = join(dir, `m${i}.rego`);
    writeFileSync(f, m.source);
    return ["-d", f];
  });
}

/**
 * Mean ns per evaluation from `opa bench` on the same modules, data, input
 * and query, or undefined on failure. opa bench runs Go's benchmark loop
 * (about a second of evaluations after loading), which bounds its run time
 * even for 10,000-object inventories.
 */
export function opaBench(
  opa: string,
  modules: Module[],
  data: unknown,
  input: unknown,
  query: string,
): number | undefined {
  return withDir((dir) => {
    try {
      const args = [
        "bench",
        "--v0-compatible",
        "--format",
        "json",
        "--fail=false",
        "--metrics=false",
        "--benchmem=false",
      ];
      args.push(...moduleArgs(dir, modules));
      writeFileSync(join(dir, "data.json"), JSON.stringify(data));
      writeFileSync(join(dir, "input.json"), JSON.stringify(input));
      args.push("-d", join(dir, "data.json"), "-i", join(dir, "input.json"), query);
      const out = JSON.parse(
        execFileSync(opa, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 }),
      );
      return out.N ? out.T / out.N : undefined;
    } catch {
      return undefined;
    }
  });
}

/**
 * OPA's parse + compile time of one template in ms: `opa eval --metrics`
 * reports timer_rego_module_parse_ns, timer_rego_module_compile_ns and
 * timer_rego_query_compile_ns, which exclude process start and file reads.
 * The minimum of `runs` fresh processes.
 */
export function opaCompileMs(opa: string, modules: Module[], query: string, runs = 3): number | undefined {
  return withDir((dir) => {
    const args = [
      "eval",
      "--v0-compatible",
      "--metrics",
      "--format",
      "json",
      ...moduleArgs(dir, modules),
      query,
    ];
    let best: number | undefined;
    for (let r = 0; r < runs; r++) {
      try {
        const m = JSON.parse(
          execFileSync(opa, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
        ).metrics;
        const ns =
          m.timer_rego_module_parse_ns + m.timer_rego_module_compile_ns + m.timer_rego_query_compile_ns;
        if (Number.isFinite(ns)) best = Math.min(best ?? Number.POSITIVE_INFINITY, ns / 1e6);
      } catch {
        return undefined;
      }
    }
    return best;
  });
}
