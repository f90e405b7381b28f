/** Seeded randomness for generators, fuzzers and property tests: a failure replays from its seed. */

export interface Rand {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
  /** Up to `max` picks (with repeats). */
  some<T>(xs: readonly T[], max: number): T[];
}

/** mulberry32: small, fast, deterministic; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededRand(seed: number): Rand {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return {
    next,
    int,
    pick,
    chance: (p) => next() < p,
    some: (xs, max) => Array.from({ length: int(max + 1) }, () => pick(xs)),
  };
}
