/*
 * The JetStream stream that holds every event: created if missing, its
 * limits updated if they differ, so every service can call ensureStream at
 * start without coordinating who creates it.
 */
import {
  DiscardPolicy,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { DEFAULT_PREFIX, subjects } from "./subjects.ts";

export const DEFAULT_STREAM = "PORTCULLIS_VIOLATIONS";

export interface StreamOptions {
  /** Stream name; default PORTCULLIS_VIOLATIONS. */
  name?: string;
  /** Subject prefix; the stream captures `<prefix>.>`. Default "portcullis". */
  prefix?: string;
  /** Dedupe window for Nats-Msg-Id, ms. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Oldest event kept, ms; 0 = forever. Default 7 days. */
  maxAgeMs?: number;
  /** Bytes kept (oldest discarded first); -1 = unlimited. Default 1 GiB. */
  maxBytes?: number;
  /** "file" (default) or "memory". */
  storage?: "file" | "memory";
  replicas?: number;
}

const msToNanos = (ms: number): number => ms * 1_000_000;

export function streamConfig(o: StreamOptions = {}): Partial<StreamConfig> & { name: string } {
  return {
    name: o.name ?? DEFAULT_STREAM,
    subjects: [subjects(o.prefix ?? DEFAULT_PREFIX).all],
    storage: o.storage === "memory" ? StorageType.Memory : StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: msToNanos(o.duplicateWindowMs ?? 120_000),
    max_age: msToNanos(o.maxAgeMs ?? 7 * 24 * 3_600_000),
    max_bytes: o.maxBytes ?? 1024 ** 3,
    num_replicas: o.replicas ?? 1,
  };
}

/** Creates the stream, or updates its limits when they differ; returns its info. */
export async function ensureStream(
  nc: NatsConnection | JetStreamManager,
  o: StreamOptions = {},
): Promise<StreamInfo> {
  const jsm = "streams" in nc ? nc : await jetstreamManager(nc);
  const cfg = streamConfig(o);
  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(cfg.name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (info === undefined) return jsm.streams.add(cfg);
  const c = info.config;
  const same =
    c.duplicate_window === cfg.duplicate_window &&
    c.max_age === cfg.max_age &&
    c.max_bytes === cfg.max_bytes &&
    (c.subjects ?? []).join(",") === (cfg.subjects ?? []).join(",");
  if (same) return info;
  // Storage cannot change on a live stream; only the limits and subjects are updated.
  const { storage: _s, retention: _r, ...update } = cfg;
  return jsm.streams.update(cfg.name, update);
}

function isNotFound(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown; api_error?: { err_code?: number } };
  return (
    err?.api_error?.err_code === 10059 ||
    /stream not found/i.test(String(err?.message ?? "")) ||
    err?.code === "404" ||
    err?.code === 404
  );
}
