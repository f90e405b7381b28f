/** Seeded randomness for the generator: one stream per program so a program is reproducible from (seed, index). */

export { type Rand, seededRand as rand } from "../../../../test/harness/random.ts";

/** The seed of program `i` in a run with `seed`: independent streams, so one program's shape never shifts another's. */
export function programSeed(seed: number, i: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
}
