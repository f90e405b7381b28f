/**
 * Profiling driver: evaluates one bench case (by exact name) in a loop on
 * fresh JSON-parsed inputs, as the bench does, and prints µs/eval.
 *   node --cpu-prof bench/one-case.ts <case name> [seconds]
 */
import { compile } from "../src/rego/index.ts";
import type { Value } from "../src/rego/value.ts";
import { inventoryOf, loadLibrary, type Module, reviewOf } from "./library.ts";
import { INVENTORY_SHAPES, inventoryObjects } from "./shapes/inventory.ts";
import { pod } from "./shapes/pods.ts";

const [name, secs = "3"] = process.argv.slice(2);
const templates = loadLibrary();
let modules: Module[] = [];
let pkg = "";
let input: unknown;
let data: unknown = { inventory: inventoryOf([]) };
const inv = /^inventory\/(.+)\/n=(\d+)\/(clear|collides)$/.exec(name);
const pods = /^pods\/(.+?\/[^/]+)\/([^/]+)\/n=(\d+)\/(identical|distinct)$/.exec(name);
if (inv) {
  const t = templates.find((x) => x.dir === inv[1])!;
  ({ modules, pkg } = t);
  const shape = INVENTORY_SHAPES[t.dir];
  data = { inventory: inventoryOf(inventoryObjects(shape, Number(inv[2]))) };
  input = { review: reviewOf(shape.review(inv[3] === "collides")), parameters: t.tests[0]?.parameters ?? {} };
} else if (pods) {
  const t = templates.find((x) => x.dir === pods[1])!;
  ({ modules, pkg } = t);
  const test = t.tests.find((x) => x.name === pods[2])!;
  input = { review: reviewOf(pod(Number(pods[3]), pods[4] as "identical")), parameters: test.parameters };
} else throw new Error(`unknown case ${name}`);
const q = compile(modules, { regoVersion: 0 }).prepare(`data.${pkg}.violation[r]`);
const text = JSON.stringify(input);
console.log(JSON.stringify(q.eval({ input: JSON.parse(text), data: data as Value })).slice(0, 300));
const end = performance.now() + Number(secs) * 1000;
let best = Infinity;
while (performance.now() < end) {
  const xs = Array.from({ length: 50 }, () => JSON.parse(text) as Value);
  const t0 = performance.now();
  for (const x of xs) q.eval({ input: x, data: data as Value });
  best = Math.min(best, ((performance.now() - t0) * 1000) / 50);
}
console.log(`best batch µs/eval ${best.toFixed(2)}`);
