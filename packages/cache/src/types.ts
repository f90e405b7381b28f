/*
 * The contract between the one writer (services/sync) and every reader
 * (webhook replicas, audit workers, dashboard). Layout details live in
 * README.md; this file is the API.
 */

/**
 * A collection groups the objects of one sort; its name says what they are:
 *   "templates"                      key = template name
 *   "constraints/<Kind>"             key = constraint name
 *   "namespaces"                     key = namespace name
 *   "configs"                        key = "<namespace>/<name>"
 *   "syncsets"                       key = name
 *   "data/<apiVersion>/<Kind>"       key = "<namespace>/<name>" ("" namespace for cluster-scoped)
 * e.g. "data/networking.k8s.io/v1/Ingress", "data/v1/Pod".
 */
export type Collection = string;

export interface CachedObject {
  /** Cache revision at which this object was last written. */
  revision: number;
  /** The Kubernetes object, without metadata.managedFields. */
  object: Record<string, unknown>;
}

export type Change =
  | { op: "put"; revision: number; collection: Collection; key: string; object: Record<string, unknown> }
  | { op: "delete"; revision: number; collection: Collection; key: string };

/**
 * What follow() yields: a change, or "your state is stale: load() again"
 * (a resync is the last event of that follow(); follow again from the new snapshot).
 */
export type FollowEvent =
  | Change
  | {
      op: "resync";
      /** "trimmed": the stream no longer holds fromRevision+1; "epoch": Redis lost its data or was rebuilt. */
      reason: "trimmed" | "epoch";
    };

export interface Snapshot {
  /** Random id of this cache's lifetime; changes when Redis loses its data and sync rebuilds it. */
  epoch: string;
  /** Every change with revision <= this is reflected, none later. */
  revision: number;
  /** collection -> key -> object. */
  collections: Map<Collection, Map<string, CachedObject>>;
}

export interface WriteOp {
  op: "put" | "delete";
  collection: Collection;
  key: string;
  /** Required for put. managedFields are stripped by the writer. */
  object?: Record<string, unknown>;
}

export interface WriteResult {
  /** The revision after the write (unchanged when nothing changed). */
  revision: number;
  /** How many ops changed something (a put of an identical object or a delete of an absent key is a no-op). */
  changed: number;
}
