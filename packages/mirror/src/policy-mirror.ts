/*
 * An engine Client kept current from the cache sync writes: what every
 * reader service (webhook replicas, audit workers, dashboard) holds.
 *
 * load() builds a whole Client; each later change is applied to it in place;
 * a resync (stream trimmed, Redis lost its data) builds a new Client from a
 * fresh snapshot and swaps it in, so requests in flight finish on the old
 * one. While Redis is unreachable the last good state keeps serving, and
 * while a rebuilt cache is still being filled (sync marks it complete when
 * done: META "ready") the last complete state keeps serving.
 */
import {
  CacheReader,
  type Change,
  CONFIGS,
  isComplete,
  NAMESPACES,
  type RedisClient,
  type Snapshot,
} from "@portcullis/cache";
import { Client, type ClientOptions, type FrameworkErrorDetail } from "@portcullis/engine";
import type { Logger, Readiness } from "@portcullis/service";
import { type ApplyProblems, applyToClient, buildClient } from "./apply.ts";

export interface PolicyMirrorOptions {
  redis: RedisClient;
  /** The install's cache name (sync's --cache-name). Default "default". */
  cacheName?: string;
  clientOptions?: ClientOptions;
  log?: Logger;
  /** Load synced data into data.inventory (default true). */
  data?: boolean;
  /** How often Redis reachability is checked (default 1000 ms). */
  pingMs?: number;
  /** A ping slower than this counts as unreachable (default 1000 ms). */
  pingTimeoutMs?: number;
}

export type MirrorChange = Change | { op: "reload"; revision: number; epoch: string };

export interface MirrorStats {
  templates: number;
  constraints: number;
  data: number;
  revision: number;
  reloads: number;
  changesApplied: number;
}

type Obj = Record<string, unknown>;

interface State {
  client: Client;
  /** Kept current by the reader (changes are applied to it in place). */
  snapshot: Snapshot;
  problems: ApplyProblems;
}

export class PolicyMirror {
  readonly #o: PolicyMirrorOptions;
  readonly #reader: CacheReader;
  /** Kept current from the stream. */
  #current: State | undefined;
  /**
   * What readers see: the last state sync marked complete. While a rebuilt
   * cache is still being filled (Redis lost its data), this stays the old one.
   */
  #serving: State | undefined;
  readonly #empty: Client;
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #pinger: NodeJS.Timeout | undefined;
  #connected = false;
  #reloads = 0;
  #changes = 0;
  #lastError: string | undefined;
  readonly #listeners = new Set<(c: MirrorChange) => void>();
  readonly #readyWaiters = new Set<() => void>();

  constructor(o: PolicyMirrorOptions) {
    this.#o = o;
    this.#reader = new CacheReader(o.redis, { cluster: o.cacheName ?? "default" });
    this.#empty = new Client(o.clientOptions);
  }

  /** The current engine Client; read it per request (a reload swaps it). */
  get client(): Client {
    return this.#serving?.client ?? this.#empty;
  }

  get connected(): boolean {
    return this.#connected;
  }

  get revision(): number {
    return this.#serving?.snapshot.revision ?? 0;
  }

  get epoch(): string {
    return this.#serving?.snapshot.epoch ?? "";
  }

  start(): void {
    if (this.#loop) return;
    this.#loop = this.#run();
    const ping = async (): Promise<void> => {
      try {
        // A hung Redis (not refusing, just silent) must count as unreachable too.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.#o.redis.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("ping timed out")), this.#o.pingTimeoutMs ?? 1000);
          }),
        ]).finally(() => clearTimeout(timer));
        if (!this.#connected && this.#serving) this.#o.log?.info("cache reachable", {});
        this.#connected = true;
      } catch (e) {
        if (this.#connected)
          this.#o.log?.warn("cache unreachable: serving the last good state", { err: String(e) });
        this.#connected = false;
      }
    };
    this.#pinger = setInterval(() => void ping(), this.#o.pingMs ?? 1000);
    void ping();
  }

  /** Stops following; waits for the loop at most `timeoutMs` (a Redis call may be stuck reconnecting). */
  async stop(timeoutMs = 2000): Promise<void> {
    this.#abort.abort();
    clearInterval(this.#pinger);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#loop, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Ready once a state sync marked complete has been applied. */
  readiness(): Readiness {
    const serving = this.#serving;
    if (!serving) {
      if (!this.#current)
        return {
          ready: false,
          reason: `cache not loaded yet${this.#lastError ? `: ${this.#lastError}` : ""}`,
        };
      return { ready: false, reason: "cache not complete yet: sync is still writing it" };
    }
    const held = this.#current !== serving ? ", holding it while the cache is rebuilt" : "";
    return {
      ready: true,
      reason: `revision ${serving.snapshot.revision}${held}${this.#connected ? "" : " (cache unreachable)"}`,
    };
  }

  waitReady(timeoutMs = 30_000): Promise<void> {
    if (this.readiness().ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#readyWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#readyWaiters.delete(done);
        reject(new Error(`policy mirror not ready after ${timeoutMs} ms: ${this.readiness().reason}`));
      }, timeoutMs);
      this.#readyWaiters.add(done);
    });
  }

  /** The cached Namespace object. */
  namespace(name: string): Obj | undefined {
    return this.#serving?.snapshot.collections.get(NAMESPACES)?.get(name)?.object;
  }

  /** The install's Config (sync caches only the one named "config" in its namespace). */
  config(): Obj | undefined {
    const configs = this.#serving?.snapshot.collections.get(CONFIGS);
    return configs ? [...configs.values()][0]?.object : undefined;
  }

  /** Objects of one collection, e.g. "data/v1/Pod" (read-only views). */
  objects(collection: string): Obj[] {
    return [...(this.#serving?.snapshot.collections.get(collection)?.values() ?? [])].map((c) => c.object);
  }

  templateErrors(): Map<string, FrameworkErrorDetail[]> {
    return new Map(this.#serving?.problems.templates);
  }

  constraintErrors(): Map<string, FrameworkErrorDetail[]> {
    return new Map(this.#serving?.problems.constraints);
  }

  stats(): MirrorStats {
    let data = 0;
    for (const [c, m] of this.#serving?.snapshot.collections ?? []) if (c.startsWith("data/")) data += m.size;
    return {
      templates: this.client.templates().length,
      constraints: this.client.constraints().length,
      data,
      revision: this.revision,
      reloads: this.#reloads,
      changesApplied: this.#changes,
    };
  }

  onChange(listener: (c: MirrorChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The current state is complete: serve it. */
  #promote(): void {
    const current = this.#current;
    if (!current) return;
    const was = this.#serving;
    this.#serving = current;
    if (was && was !== current)
      this.#o.log?.info("serving the rebuilt cache", {
        epoch: current.snapshot.epoch,
        revision: current.snapshot.revision,
      });
    this.#emit({ op: "reload", revision: current.snapshot.revision, epoch: current.snapshot.epoch });
    for (const w of [...this.#readyWaiters]) w();
  }

  #emit(c: MirrorChange): void {
    for (const l of this.#listeners) {
      try {
        l(c);
      } catch (e) {
        this.#o.log?.error("mirror listener failed", { err: e });
      }
    }
  }

  async #run(): Promise<void> {
    const data = this.#o.data ?? true;
    const clientOptions = this.#o.clientOptions ?? {};
    try {
      for await (const event of this.#reader.mirror({
        signal: this.#abort.signal,
        onError: (e) => {
          this.#lastError = e instanceof Error ? e.message : String(e);
          this.#o.log?.debug("cache read failed; retrying", { err: this.#lastError });
        },
      })) {
        this.#connected = true;
        this.#lastError = undefined;
        if (event.type === "snapshot") {
          const t0 = performance.now();
          const { client, problems } = buildClient({
            collections: event.snapshot.collections,
            clientOptions,
            data,
          });
          this.#current = { client, problems, snapshot: event.snapshot };
          this.#reloads++;
          this.#o.log?.info("policy state loaded", {
            epoch: event.snapshot.epoch,
            revision: event.snapshot.revision,
            complete: isComplete(event.snapshot),
            templates: client.templates().length,
            constraints: client.constraints().length,
            templateErrors: problems.templates.size,
            ms: Math.round(performance.now() - t0),
          });
          for (const [name, errs] of problems.templates)
            this.#o.log?.warn("cached template does not compile here", { template: name, errors: errs });
          if (isComplete(event.snapshot)) this.#promote();
          else if (this.#serving)
            this.#o.log?.warn("cache is being rebuilt: holding the last complete policy state", {
              epoch: event.snapshot.epoch,
            });
        } else {
          const current = this.#current;
          if (!current) continue;
          try {
            applyToClient(current.client, current.problems, event.change, event.snapshot.collections, data);
          } catch (e) {
            this.#o.log?.error("applying a cache change failed", {
              collection: event.change.collection,
              key: event.change.key,
              err: e,
            });
          }
          this.#changes++;
          if (this.#serving === current) this.#emit(event.change);
          else if (isComplete(current.snapshot)) this.#promote();
        }
      }
    } catch (e) {
      if (!this.#abort.signal.aborted) this.#o.log?.error("policy mirror stopped", { err: e });
    }
  }
}
