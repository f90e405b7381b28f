/*
 * @portcullis/cache: the Redis layout shared by every service. sync writes
 * (CacheWriter); webhook, audit and dashboard read (CacheReader). See
 * README.md for the key layout, revisions, trimming, epoch and fencing.
 */
export * from "./collections.ts";
export {
  type ConnectOptions,
  connectRedis,
  connectRedisFromSettings,
  parseRedisUrl,
  type RedisEndpoint,
  type RedisSettings,
  type RedisTarget,
  redact,
} from "./connect.ts";
export { stripManagedFields } from "./encoding.ts";
export { EpochLostError, FencedError, LoadRetriesExhaustedError } from "./errors.ts";
export { type CacheKeys, type CacheNameOptions, cacheKeys } from "./keys.ts";
export {
  CacheReader,
  type FollowOptions,
  type MirrorEvent,
  type MirrorOptions,
  type ReaderOptions,
} from "./reader.ts";
export type { RedisClient } from "./scripts.ts";
export { applyChange, emptySnapshot, isComplete } from "./snapshot.ts";
export type * from "./types.ts";
export {
  CacheWriter,
  DEFAULT_STREAM_MAX_LEN,
  type InitResult,
  type ReconcileResult,
  type WriterOptions,
} from "./writer.ts";
