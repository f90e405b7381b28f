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
/** Warm-up time, as a share of the measuring time (outside it). */
const WARMUP_SHARE = 0.25;

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
  // Warm up the JIT for a while, not for a count: each template brings new closures and
  // shapes, and on a loaded machine the optimizing compiler (a background thread) can take
  // longer than a few evaluations to catch up, which made the first case of every template
  // read 2-3x slow. opa bench discards its own ramp-up runs in the same way.
  const warmEnd = performance.now() + ms * WARMUP_SHARE;
  do for (const x of fresh()) fn(x);
  while (performance.now() < warmEnd);
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
