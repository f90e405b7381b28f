/**
 * Indexes over base documents for referential lookups (see ref-plan.ts): for
 * a node of data, a path pattern below it (constant keys and "any key") and a
 * field path in each value the pattern reaches, a map from each field value
 * (by keyOf, so equal values in Rego's sense meet) to the matches that carry
 * it, in the order a scan would enumerate them.
 *
 * Indexes are kept per node identity: built on first use, carried over to a
 * node derived from an indexed one by replaying its edits (data-revisions.ts).
 * A node must therefore not be mutated in place once evaluated, unless the
 * change is reported there.
 */
import { compare, keyOf, type Value } from "../value.ts";
import { type DataEdit, takeLineage, unwatchNode, watchNode } from "./data-revisions.ts";
import { iterate, lookup } from "./plan.ts";

/** A pattern or field step that matches every key. */
export const ANY: unique symbol = Symbol("any");
export type PatternStep = string | typeof ANY;
export type FieldStep = Value | typeof ANY;

/** One value the pattern reaches: the keys taken at its ANY steps, and the value. */
export interface Match {
  keys: Value[];
  value: Value;
}

export class RefIndex {
  private readonly byKey = new Map<string, Match[]>();
  private readonly pattern: readonly PatternStep[];
  private readonly field: readonly FieldStep[];
  constructor(pattern: readonly PatternStep[], field: readonly FieldStep[]) {
    this.pattern = pattern;
    this.field = field;
  }

  /** The matches whose field has a value equal to the one keyed `key`, in scan order. */
  get(key: string): readonly Match[] | undefined {
    return this.byKey.get(key);
  }

  build(base: Value): void {
    this.each(base, 0, [], (m) => this.add(m));
  }

  /** Replays one edit under the indexed node; false when it cannot be (the caller rebuilds). */
  apply(e: DataEdit): boolean {
    const n = e.path.length;
    // an edit inside a matched value (or of the whole node) changes what its field holds
    if (n === 0 || n > this.pattern.length) return false;
    const keys: Value[] = [];
    for (let i = 0; i < n; i++) {
      const p = this.pattern[i];
      if (p === ANY) keys.push(e.path[i]);
      else if (p !== e.path[i]) return true; // not under the pattern
    }
    if (e.before !== undefined) this.each(e.before, n, keys, (m) => this.remove(m));
    if (e.after !== undefined) this.each(e.after, n, keys, (m) => this.add(m));
    return true;
  }

  /** Each value the pattern reaches from `v` (already at step i, with `keys` taken), in scan order. */
  private each(v: Value, i: number, keys: Value[], emit: (m: Match) => void): void {
    if (i === this.pattern.length) {
      emit({ keys: keys.slice(), value: v });
      return;
    }
    const p = this.pattern[i];
    if (p !== ANY) {
      const w = lookup(v, p);
      if (w !== undefined) this.each(w, i + 1, keys, emit);
      return;
    }
    iterate(v, (key, w) => {
      keys.push(key);
      this.each(w, i + 1, keys, emit);
      keys.pop();
      return false;
    });
  }

  /** The keys of the values at the field path (every member at ANY steps). */
  private fieldKeys(v: Value): Set<string> {
    const out = new Set<string>();
    const visit = (x: Value, i: number): void => {
      if (i === this.field.length) {
        out.add(keyOf(x));
        return;
      }
      const s = this.field[i];
      if (s !== ANY) {
        const w = lookup(x, s);
        if (w !== undefined) visit(w, i + 1);
        return;
      }
      iterate(x, (_k, w) => {
        visit(w, i + 1);
        return false;
      });
    };
    visit(v, 0);
    return out;
  }

  private add(m: Match): void {
    for (const key of this.fieldKeys(m.value)) {
      const list = this.byKey.get(key);
      if (list === undefined) {
        this.byKey.set(key, [m]);
        continue;
      }
      const at = position(list, m.keys);
      if (at < list.length && compareKeys(list[at].keys, m.keys) === 0) list[at] = m;
      else list.splice(at, 0, m);
    }
  }

  private remove(m: Match): void {
    for (const key of this.fieldKeys(m.value)) {
      const list = this.byKey.get(key);
      if (list === undefined) continue;
      const at = position(list, m.keys);
      if (at < list.length && compareKeys(list[at].keys, m.keys) === 0) {
        list.splice(at, 1);
        if (list.length === 0) this.byKey.delete(key);
      }
    }
  }
}

/** Scan order: keys compared step by step, as nested sorted iteration visits them. */
function compareKeys(a: Value[], b: Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compare(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

/** The first position in `list` whose keys are not before `keys`. */
function position(list: Match[], keys: Value[]): number {
  // appends are the common case (a build visits matches in order)
  if (compareKeys(list[list.length - 1].keys, keys) < 0) return list.length;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(list[mid].keys, keys) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const stats = { builds: 0, carriedOver: 0 };

/** Indexes built from scratch and carried over by replaying edits, since start (for tests and diagnostics). */
export function refIndexStats(): { builds: number; carriedOver: number } {
  return { ...stats };
}

/** Indexes per node, by shape key; null marks a shape the node's values cannot be indexed for. */
const indexes = new WeakMap<object, Map<string, RefIndex | null>>();

/** The index of `base` for a shape, made (or carried over from the node it was derived from) on first use. */
export function refIndexFor(
  base: object,
  shape: string,
  pattern: readonly PatternStep[],
  field: readonly FieldStep[],
): RefIndex | null {
  let byShape = indexes.get(base);
  if (byShape === undefined) {
    byShape = carriedOver(base) ?? new Map();
    indexes.set(base, byShape);
    watchNode(base);
  }
  let ix = byShape.get(shape);
  if (ix === undefined) {
    ix = new RefIndex(pattern, field);
    stats.builds++;
    try {
      ix.build(base as Value);
    } catch {
      ix = null; // values that are not Rego values (keyOf throws): scan instead
    }
    byShape.set(shape, ix);
  }
  return ix;
}

function carriedOver(base: object): Map<string, RefIndex | null> | undefined {
  const l = takeLineage(base);
  if (l === undefined) return undefined;
  const byShape = indexes.get(l.prev);
  if (byShape === undefined) return undefined;
  indexes.delete(l.prev);
  unwatchNode(l.prev);
  for (const [shape, ix] of byShape) {
    let ok = ix !== null;
    try {
      for (let i = 0; ok && i < l.edits.length; i++) ok = ix!.apply(l.edits[i]);
    } catch {
      ok = false;
    }
    if (!ok)
      byShape.delete(shape); // rebuilt on next use
    else stats.carriedOver++;
  }
  return byShape;
}
