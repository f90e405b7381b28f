/**
 * Differential fuzzer against OPA (issue 13): random well-formed Rego
 * programs (v0 and v1, every rule form, `some`/`every`/comprehensions/
 * negation/`with`/imports, every builtin with edge-value arguments) with
 * random input and data, run on `opa` (.cache/bin/opa, v1.22.2) and on the
 * engine; results and error kinds must agree. Disagreements are shrunk and
 * written to a folder it prints.
 *
 *   pnpm fuzz:rego [--seed S] [--n N] [--minutes M] [--out DIR] [--no-shrink]
 *
 * Deterministic for a seed. Last line: `programs=<n> disagreements=<n> seed=<s>`.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fuzz } from "./rego/run.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seed = Number(arg("seed") ?? 1);
const n = Number(arg("n") ?? (arg("minutes") ? Number.POSITIVE_INFINITY : 300));
const minutes = arg("minutes") ? Number(arg("minutes")) : undefined;
const outDir = arg("out") ?? join(tmpdir(), `fuzz-rego-${seed}`);
if (!Number.isInteger(seed) || !(n > 0) || (minutes !== undefined && !(minutes > 0))) {
  console.error("usage: pnpm fuzz:rego [--seed S] [--n N] [--minutes M] [--out DIR] [--no-shrink]");
  process.exit(2);
}

const t0 = Date.now();
const report = await fuzz({
  seed,
  n,
  minutes,
  outDir,
  shrink: !process.argv.includes("--no-shrink"),
  log: (l) => console.log(l),
});
const classes = [...report.outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`);
console.log(`opa outcomes: ${classes.join(" ")}`);
console.log(`skipped (timeout): ${report.skipped}; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (report.disagreements) console.log(`shrunk disagreements in ${outDir}`);
console.log(`programs=${report.programs} disagreements=${report.disagreements} seed=${seed}`);
process.exitCode = report.disagreements ? 1 : 0;
