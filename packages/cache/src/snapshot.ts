import { META, READY_KEY } from "./collections.ts";
import type { CachedObject, Change, Collection, Snapshot } from "./types.ts";

export function emptySnapshot(epoch = "", revision = 0): Snapshot {
  return { epoch, revision, collections: new Map() };
}

/**
 * Applies a change to a Snapshot-shaped state. Idempotent: a change at or
 * below the snapshot's revision is already reflected and is ignored, as is
 * one older than the object it would replace. Returns whether it applied.
 * A collection whose last object is deleted stays, empty.
 */
export function applyChange(snapshot: Snapshot, change: Change): boolean {
  if (change.revision <= snapshot.revision) return false;
  snapshot.revision = change.revision;
  return applyToCollections(snapshot.collections, change);
}

/** The per-object rule alone (used by load(), whose scanned state mixes revisions). */
export function applyToCollections(
  collections: Map<Collection, Map<string, CachedObject>>,
  change: Change,
): boolean {
  let objects = collections.get(change.collection);
  const current = objects?.get(change.key);
  if (current && current.revision >= change.revision) return false;
  if (change.op === "put") {
    if (!objects) collections.set(change.collection, (objects = new Map()));
    objects.set(change.key, { revision: change.revision, object: change.object });
    return true;
  }
  if (!current) return false;
  objects!.delete(change.key);
  return true;
}

/** Whether the writer has marked this snapshot's epoch complete (see META in collections.ts). */
export function isComplete(snapshot: Snapshot): boolean {
  const ready = snapshot.collections.get(META)?.get(READY_KEY)?.object;
  return snapshot.epoch !== "" && ready?.epoch === snapshot.epoch;
}
