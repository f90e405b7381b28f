/*
 * An informer for any resource: paginated list, then watch from the list's
 * resourceVersion, with an in-memory store keyed by namespace/name.
 *
 * Everything a consumer sees (events and onSync) comes from ONE loop, one
 * awaited call at a time, in the order the API server produced the changes.
 * The store and the resume resourceVersion advance only after the handler
 * for a change has returned, so a handler that throws gets the same change
 * again after a backoff (the watch resumes from the last delivered RV; if
 * that has expired, the relist diff re-emits whatever is still different).
 *
 *   list ──► diff vs store ──► DELETED/ADDED/MODIFIED events ──► onSync(listing)
 *     ▲                                                              │
 *     │ 410 Gone / periodic resync                                   ▼
 *     └──────────────────────────────────── watch from RV (bookmarks advance RV)
 *                    other errors / close: reconnect from RV with backoff + jitter
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { Backoff, type BackoffOptions, sleep } from "./backoff.ts";
import { collectionPath, type ResolvedResource, ResourceResolver } from "./discovery.ts";
import { getJson, isExpired, KubeApiError, type KubeStatus, statusError, streamJsonLines } from "./http.ts";

/** The part of a Kubernetes object the informer relies on. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
  };
}

/** Where an event came from: the watch stream, a (re)list diff, or a replay resync. */
export type EventSource = "watch" | "list" | "resync";

export type InformerEvent<T extends KubeObject = KubeObject> =
  | { type: "ADDED"; object: T; source: EventSource }
  /** `old` is the store's previous version; on a replay resync `old === object`. */
  | { type: "MODIFIED"; object: T; old: T; source: EventSource }
  /** `object` is the final state (watch) or the last known state (relist); `old` the store's version if known. */
  | { type: "DELETED"; object: T; old?: T; source: EventSource };

export interface SyncInfo {
  /** The listing's resourceVersion, from which the watch resumes. */
  resourceVersion: string;
  /** Why this list happened. */
  reason: "initial" | "expired" | "resync" | "retry";
}

export type ErrorPhase = "discovery" | "list" | "watch" | "handler";

export interface InformerError {
  phase: ErrorPhase;
  message: string;
  /** HTTP status when the API server answered (404 for an unknown resource), else undefined. */
  status?: number;
  /** k8s Status reason, e.g. "NotFound", "Forbidden". */
  reason?: string;
  /** The resource (group/version/kind or URL) is not served: CRD missing, API not installed. */
  notFound: boolean;
  /** How long the informer waits before retrying. */
  retryInMs: number;
  at: Date;
  cause: unknown;
}

export interface InformerStats {
  /** Successful lists (initial, after 410, resyncs, after errors). */
  relists: number;
  /** Watches re-opened from a resourceVersion without a list in between. */
  watchRestarts: number;
  /** 410 Gone answers (HTTP status or ERROR event). */
  expired: number;
  /** ADDED/MODIFIED/DELETED watch events received. */
  watchEvents: number;
  bookmarks: number;
  /** Errors reported to onError (all phases). */
  errors: number;
  lastError: InformerError | undefined;
  /** Last resourceVersion delivered (list, event or bookmark). */
  resourceVersion: string | undefined;
  synced: boolean;
  watching: boolean;
}

export interface InformerOptions<T extends KubeObject = KubeObject> {
  kubeConfig: KubeConfig;
  apiVersion: string;
  kind: string;
  /** With `namespaced`, skips discovery. Otherwise both are resolved (and re-resolved while unknown). */
  plural?: string;
  namespaced?: boolean;
  /** Watch one namespace only (namespaced resources). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Shared discovery cache; one is made per informer if absent. */
  resolver?: ResourceResolver;

  /** Every change, in order; awaited before the next one is delivered. */
  onEvent?: (event: InformerEvent<T>) => void | Promise<void>;
  onAdd?: (object: T) => void | Promise<void>;
  onUpdate?: (object: T, old: T) => void | Promise<void>;
  onDelete?: (object: T) => void | Promise<void>;
  /**
   * After each successful list, once the diff's events have been delivered:
   * the complete listing (the store now equals it). Awaited; a throw retries the list.
   */
  onSync?: (objects: T[], info: SyncInfo) => void | Promise<void>;
  /** Every failure, before the retry it describes. Must not throw (a throw is ignored). */
  onError?: (error: InformerError) => void;

  /** Periodic resync (default 10 min; 0 = never). */
  resyncPeriodMs?: number;
  /**
   * "relist" (default): list again, emit the diff, call onSync — heals drift
   * in whatever the consumer keeps. "replay": re-emit every stored object as
   * MODIFIED (source "resync", old === object) without asking the API server.
   */
  resyncMode?: "relist" | "replay";
  /** List page size (default 500). */
  pageSize?: number;
  /** Server-side watch timeout; default random 5–10 min so many watches do not reconnect together. */
  watchTimeoutSeconds?: number;
  /** Reconnect/retry delays (default 0.5 s doubling to 30 s, jittered). */
  backoff?: BackoffOptions;
  /** A watch that stayed open this long resets the backoff (default 30 s). */
  healthyAfterMs?: number;
}

/** "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(object: KubeObject): string {
  const name = object.metadata?.name ?? "";
  const namespace = object.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** Thrown inside the loop when a consumer callback fails; carries the phase for reporting. */
class HandlerError extends Error {
  constructor(cause: unknown) {
    super(`handler failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Thrown when stop() was called while delivering: nothing more may reach the consumer. */
class Stopped extends Error {}

interface ListResponse<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly apiVersion: string;
  readonly kind: string;
  private readonly options: InformerOptions<T>;
  private readonly kc: KubeConfig;
  private readonly resolver: ResourceResolver;
  private readonly backoff: Backoff;
  private readonly store = new Map<string, T>();
  private resource: ResolvedResource | undefined;
  private rv: string | undefined;
  private relistReason: SyncInfo["reason"] | undefined = "initial";
  private replayDue = false;
  private nextResyncAt = Number.POSITIVE_INFINITY;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private running: { abort: AbortController; done: Promise<void> } | undefined;
  private readonly counters: Omit<InformerStats, "resourceVersion" | "synced" | "watching"> = {
    relists: 0,
    watchRestarts: 0,
    expired: 0,
    watchEvents: 0,
    bookmarks: 0,
    errors: 0,
    lastError: undefined,
  };
  private watching = false;
  /** 410s in a row without a watch event in between. */
  private expiredStreak = 0;

  constructor(options: InformerOptions<T>) {
    this.options = options;
    this.kc = options.kubeConfig;
    this.apiVersion = options.apiVersion;
    this.kind = options.kind;
    this.resolver = options.resolver ?? new ResourceResolver(options.kubeConfig);
    this.backoff = new Backoff(options.backoff);
    if (options.plural !== undefined && options.namespaced !== undefined) {
      const [group, version] = options.apiVersion.includes("/")
        ? options.apiVersion.split("/", 2)
        : ["", options.apiVersion];
      this.resource = {
        apiVersion: options.apiVersion,
        group: group ?? "",
        version: version ?? "",
        kind: options.kind,
        plural: options.plural,
        namespaced: options.namespaced,
        verbs: [],
      };
    }
  }

  /**
   * Starts the list/watch loop (no-op if running). After a stop(), start()
   * resumes the watch from the last delivered resourceVersion with the store
   * intact, so changes made meanwhile arrive as events (or, if that RV has
   * expired, through a relist whose diff includes the deletes).
   *
   * `from` seeds a resume point instead, e.g. state persisted elsewhere:
   * `objects` (if given) replace the store without events and the watch
   * starts at `resourceVersion`. A seeded informer counts as synced.
   */
  start(from?: { resourceVersion: string; objects?: T[] }): void {
    if (this.running) return;
    if (from) {
      if (from.objects) {
        this.store.clear();
        for (const object of from.objects) this.store.set(objectKey(object), object);
      }
      this.rv = from.resourceVersion;
      this.relistReason = undefined;
      this.markSynced();
    }
    const abort = new AbortController();
    const done = this.run(abort.signal);
    this.running = { abort, done };
  }

  /**
   * Stops the loop: aborts the watch or list in flight, waits for a handler
   * in progress to return, and delivers nothing afterwards. The store and
   * resourceVersion are kept for a later start().
   */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.abort.abort();
    await running.done;
    if (this.running === running) this.running = undefined;
    // waitForSync() callers must not hang on a stopped informer.
    for (const wake of this.syncWaiters.splice(0)) wake();
  }

  /** True once a list has been delivered (including onSync), and from then on. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced; false on timeout or if stop() comes first. */
  waitForSync(timeoutMs?: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (!this.running) return Promise.resolve(false);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        clearTimeout(timer);
        resolve(this.synced);
      };
      this.syncWaiters.push(wake);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.syncWaiters = this.syncWaiters.filter((w) => w !== wake);
          resolve(this.synced);
        }, timeoutMs);
      }
    });
  }

  /** The stored object for "namespace/name" (or "name"). */
  get(key: string): T | undefined {
    return this.store.get(key);
  }

  /** Every stored object, as delivered so far. */
  list(): T[] {
    return [...this.store.values()];
  }

  get size(): number {
    return this.store.size;
  }

  /** The resourceVersion the next watch resumes from. */
  get resourceVersion(): string | undefined {
    return this.rv;
  }

  get lastError(): InformerError | undefined {
    return this.counters.lastError;
  }

  stats(): InformerStats {
    return { ...this.counters, resourceVersion: this.rv, synced: this.synced, watching: this.watching };
  }

  private async run(signal: AbortSignal): Promise<void> {
    let phase: ErrorPhase = "list";
    let lastStepWasWatch = false;
    while (!signal.aborted) {
      try {
        if (this.relistReason !== undefined || this.rv === undefined) {
          phase = "list";
          await this.relist(signal, this.relistReason ?? "retry", (p) => (phase = p));
          lastStepWasWatch = false;
        } else if (this.replayDue) {
          phase = "handler";
          await this.replay(signal);
        }
        if (signal.aborted) break;
        phase = "watch";
        if (lastStepWasWatch) this.counters.watchRestarts++;
        lastStepWasWatch = true;
        const ended = await this.watch(signal, (p) => (phase = p));
        if (ended === "quick") await sleep(this.backoff.next(), signal);
      } catch (error) {
        if (signal.aborted || error instanceof Stopped) break;
        if (isExpired(error) && phase === "watch") {
          // The resume point is gone: relist (the diff recovers deletes we missed). At once the
          // first time; if a fresh listing's RV expires too, back off instead of spinning.
          this.counters.expired++;
          this.relistReason = "expired";
          if (this.expiredStreak++ > 0) await sleep(this.backoff.next(), signal);
          continue;
        }
        if (isExpired(error) && phase === "list") {
          // A continue token expired mid-pagination: the next attempt starts the listing over.
          this.counters.expired++;
        }
        if (phase === "watch" && error instanceof KubeApiError && error.status === 404) {
          // The resource went away under the watch (CRD deleted?): go back through discovery + list.
          this.resolver.invalidate(this.apiVersion);
          this.relistReason ??= "retry";
        }
        const delay = this.backoff.next();
        this.report(phase, error, delay);
        await sleep(delay, signal);
      }
    }
    this.watching = false;
  }

  private report(phase: ErrorPhase, error: unknown, retryInMs: number): void {
    const cause = error instanceof HandlerError ? error.cause : error;
    const api = cause instanceof KubeApiError ? cause : undefined;
    const info: InformerError = {
      phase: error instanceof HandlerError ? "handler" : phase,
      message: `${this.apiVersion}/${this.kind}: ${cause instanceof Error ? cause.message : String(cause)}`,
      status: api && api.status > 0 ? api.status : undefined,
      reason: api?.reason,
      notFound: api?.status === 404,
      retryInMs,
      at: new Date(),
      cause,
    };
    this.counters.errors++;
    this.counters.lastError = info;
    try {
      this.options.onError?.(info);
    } catch {
      // A failing error callback must not take the loop down.
    }
  }

  private async resolve(): Promise<ResolvedResource> {
    if (this.options.plural !== undefined && this.options.namespaced !== undefined && this.resource) {
      return this.resource;
    }
    const resolved = await this.resolver.resolve(this.apiVersion, this.kind);
    if (!resolved) {
      throw new KubeApiError(
        `the API server does not serve kind ${this.kind} in ${this.apiVersion}`,
        404,
        "NotFound",
      );
    }
    this.resource = resolved;
    return resolved;
  }

  private path(resource: ResolvedResource): string {
    return collectionPath(resource, this.options.namespace);
  }

  private async listAll(
    resource: ResolvedResource,
    signal: AbortSignal,
  ): Promise<{ items: T[]; rv: string }> {
    const items: T[] = [];
    let token: string | undefined;
    let rv = "";
    do {
      // No resourceVersion: a consistent (quorum) read, so the listing is never older than what we had.
      const page = await getJson<ListResponse<T>>(
        this.kc,
        this.path(resource),
        {
          limit: this.options.pageSize ?? 500,
          continue: token,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        },
        { signal },
      );
      for (const item of page.items ?? []) {
        // Items of built-in lists carry no apiVersion/kind; consumers need them.
        item.apiVersion ??= this.apiVersion;
        item.kind ??= this.kind;
        items.push(item);
      }
      rv = page.metadata?.resourceVersion ?? rv;
      token = page.metadata?.continue || undefined;
    } while (token);
    return { items, rv };
  }

  private async relist(
    signal: AbortSignal,
    reason: SyncInfo["reason"],
    setPhase: (phase: ErrorPhase) => void,
  ): Promise<void> {
    setPhase("discovery");
    const resource = await this.resolve();
    setPhase("list");
    let listing: { items: T[]; rv: string };
    try {
      listing = await this.listAll(resource, signal);
    } catch (error) {
      // A 404 may mean the CRD was deleted (and maybe recreated): ask discovery again next time.
      if (error instanceof KubeApiError && error.status === 404) this.resolver.invalidate(this.apiVersion);
      throw error;
    }
    this.counters.relists++;
    setPhase("handler");
    const listed = new Map<string, T>();
    for (const item of listing.items) listed.set(objectKey(item), item);
    // Deletes first: objects gone while we were not watching.
    for (const [key, old] of [...this.store]) {
      if (listed.has(key)) continue;
      await this.deliver({ type: "DELETED", object: old, old, source: "list" }, signal);
      this.store.delete(key);
    }
    for (const [key, object] of listed) {
      const old = this.store.get(key);
      if (!old) {
        await this.deliver({ type: "ADDED", object, source: "list" }, signal);
      } else if (old.metadata?.uid && object.metadata?.uid && old.metadata.uid !== object.metadata.uid) {
        // Deleted and recreated under the same name while we were away.
        await this.deliver({ type: "DELETED", object: old, old, source: "list" }, signal);
        this.store.delete(key);
        await this.deliver({ type: "ADDED", object, source: "list" }, signal);
      } else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
        await this.deliver({ type: "MODIFIED", object, old, source: "list" }, signal);
      }
      this.store.set(key, object);
    }
    if (this.options.onSync) {
      if (signal.aborted) throw new Stopped();
      try {
        await this.options.onSync(listing.items, { resourceVersion: listing.rv, reason });
      } catch (error) {
        throw new HandlerError(error);
      }
    }
    this.rv = listing.rv;
    this.relistReason = undefined;
    this.replayDue = false;
    this.scheduleResync();
    this.markSynced();
  }

  private async replay(signal: AbortSignal): Promise<void> {
    for (const object of [...this.store.values()]) {
      await this.deliver({ type: "MODIFIED", object, old: object, source: "resync" }, signal);
    }
    this.replayDue = false;
    this.scheduleResync();
  }

  private scheduleResync(): void {
    const period = this.options.resyncPeriodMs ?? 10 * 60_000;
    this.nextResyncAt = period > 0 ? performance.now() + period : Number.POSITIVE_INFINITY;
  }

  private markSynced(): void {
    this.synced = true;
    for (const wake of this.syncWaiters.splice(0)) wake();
  }

  /** One watch connection. Returns how it ended when that was not an error. */
  private async watch(
    signal: AbortSignal,
    setPhase: (phase: ErrorPhase) => void,
  ): Promise<"closed" | "quick" | "resync"> {
    setPhase("discovery");
    const resource = this.resource ?? (await this.resolve());
    setPhase("watch");
    const local = new AbortController();
    const onStop = (): void => local.abort();
    signal.addEventListener("abort", onStop, { once: true });
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    let why: "deadline" | "resync" | undefined;
    const timers: NodeJS.Timeout[] = [];
    // The server ends the watch after timeoutSeconds; if it does not (dead peer), we do.
    timers.push(
      setTimeout(
        () => {
          why = "deadline";
          local.abort();
        },
        (timeoutSeconds + 30) * 1000,
      ),
    );
    if (Number.isFinite(this.nextResyncAt)) {
      timers.push(
        setTimeout(
          () => {
            why = "resync";
            if ((this.options.resyncMode ?? "relist") === "replay") this.replayDue = true;
            else this.relistReason = "resync";
            local.abort();
          },
          Math.max(0, this.nextResyncAt - performance.now()),
        ),
      );
    }
    const opened = performance.now();
    let delivered = false;
    try {
      const stream = streamJsonLines(
        this.kc,
        this.path(resource),
        {
          watch: 1,
          resourceVersion: this.rv,
          allowWatchBookmarks: true,
          timeoutSeconds,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        },
        local.signal,
        () => {
          this.watching = true;
          const healthy = this.options.healthyAfterMs ?? 30_000;
          timers.push(setTimeout(() => this.backoff.reset(), healthy));
        },
      );
      for await (const raw of stream) {
        const event = raw as { type?: string; object?: unknown };
        const object = (event.object ?? {}) as T;
        switch (event.type) {
          case "ADDED":
          case "MODIFIED":
          case "DELETED":
            this.counters.watchEvents++;
            setPhase("handler");
            // The stop signal, not `local`: a resync may end the stream but must not cut a delivery short.
            await this.applyWatchEvent(event.type, object, signal);
            setPhase("watch");
            delivered = true;
            this.expiredStreak = 0;
            break;
          case "BOOKMARK": {
            // Nothing changed up to this RV: resuming from it skips replaying older history.
            const rv = object.metadata?.resourceVersion;
            if (rv) this.rv = rv;
            this.counters.bookmarks++;
            delivered = true;
            this.expiredStreak = 0;
            break;
          }
          case "ERROR":
            throw statusError(event.object as KubeStatus);
          default:
            throw new Error(`unexpected watch event type ${String(event.type)}`);
        }
      }
      // Closed by the server (timeoutSeconds, apiserver restart): resume at once unless it flapped.
      return !delivered && performance.now() - opened < 1000 ? "quick" : "closed";
    } catch (error) {
      if (signal.aborted) throw new Stopped();
      if (why === "resync") return "resync";
      if (why === "deadline") return "closed";
      throw error;
    } finally {
      this.watching = false;
      for (const timer of timers) clearTimeout(timer);
      signal.removeEventListener("abort", onStop);
    }
  }

  private async applyWatchEvent(
    type: "ADDED" | "MODIFIED" | "DELETED",
    object: T,
    signal: AbortSignal,
  ): Promise<void> {
    const key = objectKey(object);
    const old = this.store.get(key);
    const rv = object.metadata?.resourceVersion;
    if (type === "DELETED") {
      await this.deliver({ type: "DELETED", object, old, source: "watch" }, signal);
      this.store.delete(key);
    } else if (!old) {
      await this.deliver({ type: "ADDED", object, source: "watch" }, signal);
      this.store.set(key, object);
    } else if (old.metadata?.resourceVersion !== rv) {
      await this.deliver({ type: "MODIFIED", object, old, source: "watch" }, signal);
      this.store.set(key, object);
    }
    if (rv) this.rv = rv;
  }

  /** Calls the consumer's handlers for one event; the caller updates the store only if this returns. */
  private async deliver(event: InformerEvent<T>, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new Stopped();
    const o = this.options;
    try {
      await o.onEvent?.(event);
      if (event.type === "ADDED") await o.onAdd?.(event.object);
      else if (event.type === "MODIFIED") await o.onUpdate?.(event.object, event.old);
      else await o.onDelete?.(event.object);
    } catch (error) {
      throw new HandlerError(error);
    }
  }
}
