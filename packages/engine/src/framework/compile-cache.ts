import { createHash } from "node:crypto";
import type { CompiledTemplate, Driver } from "./drivers/driver.ts";
import { FrameworkError, type FrameworkErrorDetail } from "./errors.ts";
import type { ParsedTemplate } from "./template.ts";

/** sha256 of a JSON-able value: a short cache key for a template's engine-relevant content. */
export function contentHash(v: unknown): string {
  return createHash("sha256").update(JSON.stringify(v)).digest("base64url");
}

/** A Map evicting its least recently used entry past max entries. */
export class LruCache<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  constructor(max: number) {
    this.#max = max;
  }
  get size(): number {
    return this.#map.size;
  }
  get(k: K): V | undefined {
    const v = this.#map.get(k);
    if (v !== undefined) {
      // Map order is insertion order: re-inserting marks it most recent.
      this.#map.delete(k);
      this.#map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.#map.delete(k);
    this.#map.set(k, v);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as K);
  }
  clear(): void {
    this.#map.clear();
  }
}

type Outcome = { compiled: CompiledTemplate } | { errors: FrameworkErrorDetail[] };

// One cache per process, shared by every Client: compiled templates are immutable and
// evaluation takes all state as arguments, so sharing is safe, and a server that
// rebuilds its Client (e.g. after a snapshot reload) or runs several (webhook + audit)
// compiles each template once. Bounded because template content churns over a
// process's life; 256 holds a large policy library in both engines. A Client also
// keeps its own templates' compiles, so eviction never costs a resync.
const cache = new LruCache<string, Outcome>(256);
const stats = { hits: 0, misses: 0 };

/** Compiles through the cache; compile errors are cached too (a broken template is re-sent on resync). */
export function compileCached(driver: Driver, key: string, t: ParsedTemplate): CompiledTemplate {
  const hit = cache.get(key);
  if (hit !== undefined) {
    stats.hits++;
    if ("compiled" in hit) return hit.compiled;
    throw new FrameworkError(hit.errors);
  }
  stats.misses++;
  try {
    const compiled = driver.compile(t);
    cache.set(key, { compiled });
    return compiled;
  } catch (e) {
    if (e instanceof FrameworkError) cache.set(key, { errors: e.errors });
    throw e;
  }
}

export interface CompileCacheStats {
  hits: number;
  misses: number;
  size: number;
}

/** Process-wide template compile cache counters (for metrics and tests). */
export function compileCacheStats(): CompileCacheStats {
  return { ...stats, size: cache.size };
}
