/*
 * The BullMQ layout of one audit scope (all on the install's Redis):
 *   <scope>-schedule  the job scheduler's ticks; the scheduler role plans a run per tick
 *   <scope>-runs      one parent job per run; finalised (summary) once every chunk is done
 *   <scope>-chunks    one child job per chunk (kind x page); the workers evaluate them
 * plus plain keys under <scope>: the current run (one run of a scope at a time)
 * and the pages listed from the API server for a run's chunks.
 */
import { connectRedisFromSettings, type RedisSettings } from "@portcullis/cache";
import type { Redis, RedisOptions } from "ioredis";

export interface ScopeNames {
  scope: string;
  schedule: string;
  runs: string;
  chunks: string;
  /** String: job id of the scope's current (or last) run parent. */
  current: string;
  /** String with PX: held while a tick plans a run. */
  planning: string;
  /** String: one listed page of objects (JSON array) for an API-mode chunk. */
  page(runId: string, n: number): string;
  /** Set: message ids a chunk job's attempts had acknowledged ("<runId>:<jobId>"). */
  acked(attempt: string): string;
}

export function scopeNames(scope: string): ScopeNames {
  return {
    scope,
    schedule: `${scope}-schedule`,
    runs: `${scope}-runs`,
    chunks: `${scope}-chunks`,
    current: `portcullis-audit:{${scope}}:current`,
    planning: `portcullis-audit:{${scope}}:planning`,
    page: (runId, n) => `portcullis-audit:{${scope}}:page:${runId}:${n}`,
    acked: (attempt) => `portcullis-audit:{${scope}}:acked:${attempt}`,
  };
}

/** BullMQ needs maxRetriesPerRequest: null (its blocking commands must wait through reconnects). */
export function bullConnection(settings: RedisSettings, extra: RedisOptions = {}): Redis {
  // BullMQ's queues need a single-node connection (its keys are not hash-tagged for a Cluster).
  return connectRedisFromSettings(
    { ...settings, cluster: false },
    { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra },
  ) as Redis;
}

/** What a chunk job carries. */
export type ChunkData =
  | { runId: string; mode: "cache"; cacheName: string; collection: string; keys: string[] }
  | { runId: string; mode: "api"; pageKey: string; kind: string };

/** What a chunk job returns (stored with the parent: the run's totals are summed from these). */
export interface ChunkResult {
  objects: number;
  errors: number;
  /** "<Kind>/<name>" -> violations in this chunk. */
  totals: Record<string, number>;
  byAction: Record<string, number>;
}

/** What a run's parent job carries. */
export interface RunData {
  runId: string;
  scope: string;
  startedAt: string;
  /** "<Kind>/<name>" of every constraint audited; each gets a total, 0 included. */
  constraints: string[];
  /** Number of API pages stored for this run (deleted at the end). */
  pages: number;
}
