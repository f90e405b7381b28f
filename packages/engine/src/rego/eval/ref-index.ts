/**
 * Indexes over base documents for referential lookups (see ref-plan.ts): for
 * a node of data, a path pattern below it (constant keys and "any key") and a
 * way to key each value the pattern reaches (the values at a field path, or
 * the value of a pure function of it: KeysOf), a map from each key (by keyOf,
 * so equal values in Rego's sense meet) to the matches that carry it, in the
 * order a scan would enumerate them.
 *
 * Indexes are kept per node identity: built on first use, carried over to a
 * node derived from an indexed one by replaying its edits (data-revisions.ts).
 * The replay waits until the index is next asked for, with the caller's
 * KeysOf (a function's keys are computed in the evaluation that needs them).
 * A node must therefore not be mutated in place once evaluated, unless the
 * change is reported there.
 */
import { RegoError } from "../errors.ts";
import { compare, keyOf, type Value } from "../value.ts";
import { type DataEdit, takeLineage, unwatchNode, watchNode } from "./data-revisions.ts";
import { iterate, lookup } from "./plan.ts";

/** A pattern or field step that matches every key. */
export const ANY: unique symbol = Symbol("any");
export type PatternStep = string | typeof ANY;
export type FieldStep = Value | typeof ANY;

/** The keys one matched value is found under (by keyOf); may throw, for values that cannot be indexed. */
export type KeysOf = (v: Value) => Iterable<string>;

/** One value the pattern reaches: the keys taken at its ANY steps, and the value. */
export interface Match {
  keys: Value[];
  value: Value;
}

export class RefIndex {
  private readonly byKey = new Map<string, Match[]>();
  private readonly pattern: readonly PatternStep[];
  constructor(pattern: readonly PatternStep[]) {
    this.pattern = pattern;
  }

  /** The matches whose field has a value equal to the one keyed `key`, in scan order. */
  get(key: string): readonly Match[] | undefined {
    return this.byKey.get(key);
  }

  build(base: Value, keysOf: KeysOf): void {
    this.each(base, 0, [], (m) => this.add(m, keysOf));
  }

  /** Replays one edit under the indexed node; false when it cannot be (the caller rebuilds). */
  apply(e: DataEdit, keysOf: KeysOf): boolean {
    const n = e.path.length;
    // an edit inside a matched value (or of the whole node) changes what its field holds
    if (n === 0 || n > this.pattern.length) return false;
    const keys: Value[] = [];
    for (let i = 0; i < n; i++) {
      const p = this.pattern[i];
      if (p === ANY) keys.push(e.path[i]);
      else if (p !== e.path[i]) return true; // not under the pattern
    }
    if (e.before !== undefined) this.each(e.before, n, keys, (m) => this.remove(m, keysOf));
    if (e.after !== undefined) this.each(e.after, n, keys, (m) => this.add(m, keysOf));
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

  private add(m: Match, keysOf: KeysOf): void {
    for (const key of keysOf(m.value)) {
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

  private remove(m: Match, keysOf: KeysOf): void {
    for (const key of keysOf(m.value)) {
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

/** Keys by the values at a field path (every member at ANY steps). */
export function fieldKeys(field: readonly FieldStep[]): KeysOf {
  return (v) => {
    const out = new Set<string>();
    const visit = (x: Value, i: number): void => {
      if (i === field.length) {
        out.add(keyOf(x));
        return;
      }
      const s = field[i];
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
  };
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

/** Indexes built from scratch, and brought up to date by replaying edits, since start (for tests and diagnostics). */
export function refIndexStats(): { builds: number; carriedOver: number } {
  return { ...stats };
}

/** An index of a node for one shape, and the edits under the node not yet replayed into it. */
interface Entry {
  /** null: the node's values cannot be indexed for this shape */
  ix: RefIndex | null;
  pending: DataEdit[];
  /** what the shape belongs to (a policy, for a function's keys): the entry goes with it */
  owner: WeakRef<object> | undefined;
}

/** Past this many edits waiting, replaying costs about as much as rebuilding. */
const MAX_PENDING = 4096;

const indexes = new WeakMap<object, Map<string, Entry>>();

/**
 * The index of `base` for a shape, made (or carried over from the node it was
 * derived from) on first use. `owner`, when given, is what the shape's keys
 * depend on besides the data: once it is collected the index is dropped.
 */
export function refIndexFor(
  base: object,
  shape: string,
  pattern: readonly PatternStep[],
  keysOf: KeysOf,
  owner?: object,
): RefIndex | null {
  let byShape = indexes.get(base);
  if (byShape === undefined) {
    byShape = carriedOver(base) ?? new Map();
    indexes.set(base, byShape);
    watchNode(base);
  }
  const e = byShape.get(shape);
  if (e !== undefined) {
    if (e.pending.length === 0) return e.ix;
    // out of the map while half-replayed: a replay cut short (cancelled) leaves no stale index
    byShape.delete(shape);
    const edits = e.pending;
    e.pending = [];
    if (replay(e.ix!, edits, keysOf)) {
      byShape.set(shape, e);
      return e.ix;
    }
  }
  let ix: RefIndex | null = new RefIndex(pattern);
  stats.builds++;
  try {
    ix.build(base as Value, keysOf);
  } catch (err) {
    if (cancelled(err)) throw err; // not stored: the next evaluation builds it
    ix = null; // values that are not Rego values (keyOf throws), keys that raise: scan instead
  }
  byShape.set(shape, { ix, pending: [], owner: owner === undefined ? undefined : new WeakRef(owner) });
  return ix;
}

function replay(ix: RefIndex, edits: DataEdit[], keysOf: KeysOf): boolean {
  try {
    for (const e of edits) if (!ix.apply(e, keysOf)) return false;
    return true;
  } catch (err) {
    if (cancelled(err)) throw err;
    return false;
  }
}

function cancelled(err: unknown): boolean {
  return err instanceof RegoError && err.code === "eval_cancel_error";
}

function carriedOver(base: object): Map<string, Entry> | undefined {
  const l = takeLineage(base);
  if (l === undefined) return undefined;
  const byShape = indexes.get(l.prev);
  if (byShape === undefined) return undefined;
  indexes.delete(l.prev);
  unwatchNode(l.prev);
  for (const [shape, e] of byShape) {
    const gone = e.owner !== undefined && e.owner.deref() === undefined;
    if (e.ix === null || gone || e.pending.length + l.edits.length > MAX_PENDING) byShape.delete(shape);
    else {
      if (l.edits.length) e.pending = e.pending.length ? e.pending.concat(l.edits) : l.edits;
      stats.carriedOver++;
    }
  }
  return byShape;
}
