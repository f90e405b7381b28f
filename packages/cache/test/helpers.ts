import { randomBytes } from "node:crypto";
import { redisUrl } from "@portcullis/testkit";
import { Redis } from "ioredis";
import { decodeEntry, revisionOfId } from "../src/encoding.ts";
import type { CachedObject, CacheKeys, Collection, Snapshot } from "../src/index.ts";
import type { RedisClient } from "../src/scripts.ts";
import { applyChange, emptySnapshot } from "../src/snapshot.ts";

/** A cache name no other test (or test run) uses. */
export function uniqueCluster(what: string): string {
  return `test-${what}-${randomBytes(4).toString("hex")}`;
}

/** A client of the shared test Redis (REDIS_URL). */
export function sharedRedis(): Redis {
  return new Redis(redisUrl(), { lazyConnect: false });
}

/** Deletes every key of one cache (shared Redis: only ours). */
export async function dropCache(redis: Redis, keys: CacheKeys): Promise<void> {
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${keys.tag}*`, "COUNT", 1000);
    if (found.length > 0) await redis.del(...found);
    cursor = next;
  } while (cursor !== "0");
}

/** collection -> key -> { revision, object }, without empty collections, sorted: comparable with toEqual. */
export function plain(snapshot: Snapshot): Record<Collection, Record<string, CachedObject>> {
  const out: Record<Collection, Record<string, CachedObject>> = {};
  for (const [name, objects] of [...snapshot.collections].sort(([a], [b]) => a.localeCompare(b))) {
    if (objects.size === 0) continue;
    out[name] = Object.fromEntries([...objects].sort(([a], [b]) => a.localeCompare(b)));
  }
  return out;
}

/** The state at `revision` by replaying the (untrimmed) stream from revision 1. */
export async function replayStream(redis: RedisClient, keys: CacheKeys, revision: number): Promise<Snapshot> {
  const state = emptySnapshot();
  let from = 1;
  while (from <= revision) {
    const page = (await (redis as Redis).xrange(
      keys.stream,
      `${from}-0`,
      `${revision}-0`,
      "COUNT",
      1000,
    )) as [string, string[]][];
    if (page.length === 0) break;
    for (const [id, fields] of page) {
      const rev = revisionOfId(id);
      if (rev !== state.revision + 1)
        throw new Error(`stream is not contiguous at ${rev} (after ${state.revision})`);
      applyChange(state, decodeEntry(id, fields).change);
    }
    from = state.revision + 1;
  }
  if (state.revision !== revision) throw new Error(`stream ends at ${state.revision}, wanted ${revision}`);
  return state;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until check() is truthy or fails with `what`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
