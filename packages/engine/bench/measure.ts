/** Timing of one prepared evaluation on fresh inputs. */
import type { Value } from "../src/rego/value.ts";

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const BATCH = 10;

export interface Timing {
  /** per-eval µs samples, sorted */
  samples: number[];
  /** mean µs/eval of the best of the windows */
  mean: number;
}

const WINDOWS = 3;

/**
 * Runs one evaluation repeatedly for `ms`; returns per-eval µs samples
 * (batched to beat timer resolution). Each evaluation gets a fresh copy of
 * the input, made outside the timed region, as a webhook gets a freshly
 * parsed request: no per-object cache can carry over between evaluations.
 * The time is split into windows and the mean is the lowest window mean:
 * GC pauses stay in (each window is many evaluations), while a window where
 * the shared machine took the CPU away is dropped.
 */
export function measure(fn: (input: Value) => void, input: unknown, ms: number): Timing {
  const text = JSON.stringify(input);
  const fresh = (): Value[] => Array.from({ length: BATCH }, () => JSON.parse(text) as Value);
  for (const x of [...fresh(), ...fresh()]) fn(x); // warm up the JIT
  const samples: number[] = [];
  let mean = Number.POSITIVE_INFINITY;
  for (let w = 0; w < WINDOWS; w++) {
    const end = performance.now() + ms / WINDOWS;
    let sum = 0;
    let n = 0;
    do {
      const inputs = fresh();
      const t0 = performance.now();
      for (const x of inputs) fn(x);
      const us = ((performance.now() - t0) * 1000) / BATCH;
      samples.push(us);
      sum += us;
      n++;
    } while (performance.now() < end);
    mean = Math.min(mean, sum / n);
  }
  return { samples: samples.sort((a, b) => a - b), mean };
}
