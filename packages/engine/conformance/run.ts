/**
 * `pnpm conformance [--write-failing] [tree-or-dir...]` — runs OPA's conformance
 * cases and prints per-directory results, ending with `N passed, M failed`.
 */
import { writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type CaseResult, defaultRoot, runTree, summarize } from "./core.ts";

const args = process.argv.slice(2);
const writeFailing = args.includes("--write-failing");
const verbose = args.includes("-v");
let targets = args.filter((a) => !a.startsWith("-"));
if (targets.length === 0) targets = [join(defaultRoot(), "v0"), join(defaultRoot(), "v1")];

const all: CaseResult[] = [];
for (const t of targets) {
  const name = basename(t);
  if (name === "v0" || name === "v1") all.push(...runTree(t));
  else {
    // a single group directory inside a tree: filter the tree's run to it
    const tree = dirname(t);
    const rs = runTree(tree).filter((r) => r.dir === `${basename(tree)}/${name}`);
    all.push(...rs);
  }
}
const rows = summarize(all);
const w = Math.max(10, ...rows.map((r) => r.dir.length));
console.log(`${"dir".padEnd(w)}  passed  failed`);
for (const r of rows)
  console.log(`${r.dir.padEnd(w)}  ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}`);
const failed = all.filter((r) => !r.ok);
if (verbose) for (const r of failed) console.log(`FAIL ${r.dir}/${r.file}#${r.note}: ${r.reason}`);
if (writeFailing) {
  const lines = failed.map((r) => `${r.dir}/${r.file}#${r.note}: ${(r.reason ?? "").slice(0, 300)}`);
  writeFileSync(new URL("./failing.txt", import.meta.url), `${lines.join("\n")}\n`);
}
console.log(`${all.length - failed.length} passed, ${failed.length} failed`);
