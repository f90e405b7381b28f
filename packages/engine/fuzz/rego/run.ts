/**
 * The differential loop: generate program i of a seed, run it on OPA and on
 * the engine, compare; shrink each disagreement and write it to `outDir`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeCase } from "./case.ts";
import { runEngine } from "./engine.ts";
import { generate, type Program } from "./gen/program.ts";
import { OpaRunner } from "./opa.ts";
import { agree, describe, kindKey, type Outcome } from "./outcome.ts";
import { programSeed, rand } from "./random.ts";
import { shrink } from "./shrink.ts";

export interface FuzzOptions {
  seed: number;
  n: number;
  /** Stop after this many minutes even if fewer than n programs ran. */
  minutes?: number;
  /** Where shrunk disagreements go (none written when unset). */
  outDir?: string;
  opa?: string;
  log?: (line: string) => void;
  shrink?: boolean;
}

export interface Finding {
  index: number;
  program: Program;
  opa: Outcome;
  engine: Outcome;
  file?: string;
}

export interface FuzzReport {
  programs: number;
  disagreements: number;
  skipped: number;
  findings: Finding[];
  /** OPA outcome classes: value, undefined, error:<codes>, timeout. */
  outcomes: Map<string, number>;
}

export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => {});
  const opa = new OpaRunner(o.opa);
  await opa.start();
  const report: FuzzReport = { programs: 0, disagreements: 0, skipped: 0, findings: [], outcomes: new Map() };
  const until = o.minutes ? Date.now() + o.minutes * 60_000 : Number.POSITIVE_INFINITY;
  if (o.outDir) mkdirSync(o.outDir, { recursive: true });
  try {
    for (let i = 0; i < o.n && Date.now() < until; i++) {
      const p = generate(rand(programSeed(o.seed, i)));
      const theirs = await opa.run(p);
      const ours = runEngine(p);
      report.programs++;
      const key = kindKey(theirs);
      report.outcomes.set(key, (report.outcomes.get(key) ?? 0) + 1);
      if (theirs.kind === "timeout" || ours.kind === "timeout") {
        report.skipped++;
        continue;
      }
      if (agree(theirs, ours)) continue;
      report.disagreements++;
      let small = p;
      let sOpa: Outcome = theirs;
      let sEngine: Outcome = ours;
      if (o.shrink !== false) {
        small = await shrink(p, async (cand) => {
          const a = await opa.run(cand);
          const b = runEngine(cand);
          if (kindKey(a) !== kindKey(theirs) || kindKey(b) !== kindKey(ours) || agree(a, b)) return false;
          sOpa = a;
          sEngine = b;
          return true;
        });
        // the last accepted candidate set sOpa/sEngine; re-run to pair them with `small` exactly
        sOpa = await opa.run(small);
        sEngine = runEngine(small);
      }
      const f: Finding = { index: i, program: small, opa: sOpa, engine: sEngine };
      if (o.outDir) {
        f.file = join(o.outDir, `seed${o.seed}-${i}.json`);
        writeCase(f.file, {
          note: `fuzz:rego seed ${o.seed} program ${i}`,
          program: small,
          want: sOpa,
          got: sEngine,
        });
      }
      report.findings.push(f);
      log(`disagreement: program ${i} (v${p.regoVersion})${f.file ? ` → ${f.file}` : ""}`);
      log(`  opa:    ${describe(sOpa)}`);
      log(`  engine: ${describe(sEngine)}`);
    }
  } finally {
    opa.stop();
  }
  return report;
}
