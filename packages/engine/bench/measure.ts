/** Timing of one prepared evaluation on fresh inputs. */
import type { Value } from "../src/rego/value.ts";

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const BATCH = 10;

/**
 * Runs one evaluation repeatedly for `ms`; returns sorted per-eval µs
 * samples (batched to beat timer resolution). Each evaluation gets a fresh
 * copy of the input, made outside the timed region, as a webhook gets a
 * freshly parsed request: no per-object cache can carry over between
 * evaluations.
 */
export function measure(fn: (input: Value) => void, input: unknown, ms: number): number[] {
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
