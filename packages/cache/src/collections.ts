/*
 * Collection names and object keys: the one place that says where an object
 * of a given sort lives in the cache, shared by sync (writes) and every
 * reader (builds its engine Client from them). See types.ts.
 */
import type { Collection } from "./types.ts";

export const TEMPLATES = "templates";
export const NAMESPACES = "namespaces";
export const CONFIGS = "configs";
export const SYNCSETS = "syncsets";
/**
 * Bookkeeping: key "ready" = { epoch } once the writer has written a complete
 * state for that epoch (after its initial lists, and after each rebuild), so
 * readers can tell a cache still being filled from a finished one.
 */
export const META = "meta";
export const READY_KEY = "ready";
const CONSTRAINTS_PREFIX = "constraints/";
const DATA_PREFIX = "data/";

export function constraintsCollection(kind: string): Collection {
  return `${CONSTRAINTS_PREFIX}${kind}`;
}

/** "data/<apiVersion>/<Kind>", e.g. "data/networking.k8s.io/v1/Ingress", "data/v1/Pod". */
export function dataCollection(apiVersion: string, kind: string): Collection {
  return `${DATA_PREFIX}${apiVersion}/${kind}`;
}

export type ParsedCollection =
  | { sort: "templates" | "namespaces" | "configs" | "syncsets" | "meta" }
  | { sort: "constraints"; kind: string }
  | { sort: "data"; apiVersion: string; kind: string };

export function parseCollection(c: Collection): ParsedCollection | undefined {
  if (c === TEMPLATES || c === NAMESPACES || c === CONFIGS || c === SYNCSETS || c === META)
    return { sort: c };
  if (c.startsWith(CONSTRAINTS_PREFIX)) {
    const kind = c.slice(CONSTRAINTS_PREFIX.length);
    return kind === "" ? undefined : { sort: "constraints", kind };
  }
  if (c.startsWith(DATA_PREFIX)) {
    const rest = c.slice(DATA_PREFIX.length);
    const slash = rest.lastIndexOf("/");
    if (slash <= 0 || slash === rest.length - 1) return undefined;
    return { sort: "data", apiVersion: rest.slice(0, slash), kind: rest.slice(slash + 1) };
  }
  return undefined;
}

/** Key of a namespaced-or-not object within its collection: "<namespace>/<name>". */
export function namespacedKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}
