/*
 * Where one install's cache lives in Redis. Every key of an install shares
 * one hash tag, `{<prefix>:<cluster>}`, so on a Redis Cluster they all hash
 * to one slot and a Lua script or MULTI may touch any of them atomically.
 */
import type { Collection } from "./types.ts";

export interface CacheNameOptions {
  /** Name of the install (the Kubernetes cluster this cache mirrors). Default "default". */
  cluster?: string;
  /** First part of the hash tag. Default "portcullis". */
  prefix?: string;
}

export interface CacheKeys {
  /** `{portcullis:<cluster>}`: the hash tag every key below starts with. */
  readonly tag: string;
  /** String: random id of this cache's lifetime. */
  readonly epoch: string;
  /** String (integer): the current revision. */
  readonly rev: string;
  /** Set: names of the collections. */
  readonly collections: string;
  /** Stream: one entry per revision, entry id `<rev>-0`. */
  readonly stream: string;
  /** String (integer): highest fencing token a writer has presented. */
  readonly fence: string;
  /** Hash of one collection: object key -> `{"r":<rev>,"o":<object>}`. */
  collection(name: Collection): string;
}

export function cacheKeys(options: CacheNameOptions = {}): CacheKeys {
  const cluster = options.cluster ?? "default";
  const prefix = options.prefix ?? "portcullis";
  for (const [what, value] of [
    ["cluster", cluster],
    ["prefix", prefix],
  ] as const) {
    if (value === "" || /[{}]/.test(value)) {
      throw new Error(
        `cache ${what} name ${JSON.stringify(value)} must be non-empty and contain no "{" or "}"`,
      );
    }
  }
  const tag = `{${prefix}:${cluster}}`;
  return {
    tag,
    epoch: `${tag}:epoch`,
    rev: `${tag}:rev`,
    collections: `${tag}:collections`,
    stream: `${tag}:stream`,
    fence: `${tag}:fence`,
    collection: (name) => `${tag}:c:${name}`,
  };
}
