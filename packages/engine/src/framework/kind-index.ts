import type { KindKey } from "./match.ts";

/**
 * Items (constraints) bucketed by the (group, kind) pairs they can select, so a
 * lookup touches only the buckets for one (group, kind) and the wildcard ones; its
 * cost does not grow with the number of items that select other kinds.
 */
export class KindIndex<T> {
  // group → kind → items naming both exactly
  readonly #exact = new Map<string, Map<string, Set<T>>>();
  // kind → items with any group; group → items with any kind
  readonly #byKind = new Map<string, Set<T>>();
  readonly #byGroup = new Map<string, Set<T>>();
  // items selecting every (group, kind)
  readonly #all = new Set<T>();
  readonly #keys = new Map<T, KindKey[] | undefined>();

  get size(): number {
    return this.#keys.size;
  }

  /** keys undefined: the item selects every kind. Re-adding an item replaces its keys. */
  add(item: T, keys: readonly KindKey[] | undefined): void {
    this.delete(item);
    const own = keys === undefined ? undefined : [...keys];
    this.#keys.set(item, own);
    if (own === undefined) {
      this.#all.add(item);
      return;
    }
    for (const k of own) this.#bucket(k, true)!.add(item);
  }

  delete(item: T): void {
    if (!this.#keys.has(item)) return;
    const keys = this.#keys.get(item);
    this.#keys.delete(item);
    if (keys === undefined) {
      this.#all.delete(item);
      return;
    }
    for (const k of keys) {
      const b = this.#bucket(k, false);
      b?.delete(item);
      if (b?.size === 0) this.#prune(k);
    }
  }

  /** Every item that can select (group, kind), each once, in no particular order. */
  lookup(group: string, kind: string): T[] {
    const buckets: Set<T>[] = [];
    for (const b of [this.#exact.get(group)?.get(kind), this.#byKind.get(kind), this.#byGroup.get(group)]) {
      if (b !== undefined && b.size > 0) buckets.push(b);
    }
    if (this.#all.size > 0) buckets.push(this.#all);
    if (buckets.length === 1) return [...buckets[0]];
    // An item with several kinds entries may sit in more than one bucket.
    const seen = new Set<T>();
    for (const b of buckets) for (const item of b) seen.add(item);
    return [...seen];
  }

  #bucket(k: KindKey, create: boolean): Set<T> | undefined {
    const at = <K>(m: Map<K, Set<T>>, key: K): Set<T> | undefined => {
      let s = m.get(key);
      if (s === undefined && create) m.set(key, (s = new Set()));
      return s;
    };
    if (k.group === undefined) return k.kind === undefined ? this.#all : at(this.#byKind, k.kind);
    if (k.kind === undefined) return at(this.#byGroup, k.group);
    let kinds = this.#exact.get(k.group);
    if (kinds === undefined) {
      if (!create) return undefined;
      this.#exact.set(k.group, (kinds = new Map()));
    }
    return at(kinds, k.kind);
  }

  #prune(k: KindKey): void {
    if (k.group === undefined) {
      if (k.kind !== undefined) this.#byKind.delete(k.kind);
    } else if (k.kind === undefined) this.#byGroup.delete(k.group);
    else {
      const kinds = this.#exact.get(k.group);
      kinds?.delete(k.kind);
      if (kinds?.size === 0) this.#exact.delete(k.group);
    }
  }
}
