/**
 * How one base-document node became another. Indexes over base data
 * (ref-index.ts) are keyed by node identity; a holder of data that changes
 * copy-on-write (the framework's Inventory) reports each copy and each edit
 * here, so an index built for the old node is carried over to the new one by
 * replaying the edits instead of being rebuilt.
 *
 * Only nodes that have an index, or descend from one that has, are tracked:
 * for any other node these calls are two WeakMap lookups and nothing else.
 * A node whose lineage is lost (too many edits, a second copy of the same
 * node) just gets a fresh index on first use.
 */
import type { Value } from "../value.ts";

/** A change under a node: the value at `path` (object keys below the node) was `before`, is now `after`. */
export interface DataEdit {
  path: string[];
  before: Value | undefined;
  after: Value | undefined;
}

interface Lineage {
  prev: object;
  edits: DataEdit[];
}

/** Past this many pending edits replaying costs about as much as rebuilding: forget the lineage. */
const MAX_EDITS = 4096;

const lineage = new WeakMap<object, Lineage>();
/** Nodes that have indexes (ref-index.ts marks them). */
const watched = new WeakSet<object>();

export function watchNode(node: object): void {
  watched.add(node);
}

export function unwatchNode(node: object): void {
  watched.delete(node);
}

/**
 * `next` is a copy of `prev` about to be edited (reported with noteDataEdit).
 * After this, `prev` must not change any more; `next` may, until it is read.
 */
export function noteDataCopy(next: object, prev: object): void {
  if (watched.has(prev)) {
    lineage.set(next, { prev, edits: [] });
    return;
  }
  const l = lineage.get(prev);
  if (l === undefined) return;
  // prev was never indexed itself: next takes over its pending edits (prev, if
  // ever indexed later, starts afresh), so chains never grow past one link
  lineage.delete(prev);
  lineage.set(next, l);
}

/** The value at `path.slice(from)` under `node` changed from `before` to `after`. */
export function noteDataEdit(
  node: object,
  path: readonly string[],
  from: number,
  before: Value | undefined,
  after: Value | undefined,
): void {
  const l = lineage.get(node);
  if (l === undefined) return;
  if (l.edits.length >= MAX_EDITS) {
    lineage.delete(node);
    return;
  }
  l.edits.push({ path: path.slice(from), before, after });
}

/** The node `node` was derived from, with the edits since; the lineage is consumed. */
export function takeLineage(node: object): Lineage | undefined {
  const l = lineage.get(node);
  if (l !== undefined) lineage.delete(node);
  return l;
}
