/*
 * Leader election on a coordination.k8s.io/v1 Lease.
 *
 * Safety rests on three rules:
 *  - every write is a replace carrying the resourceVersion we read (or
 *    wrote), so two candidates racing for a free lease cannot both win: the
 *    loser gets 409 Conflict;
 *  - another holder's lease counts as expired only when BOTH its renewTime +
 *    leaseDurationSeconds lies in the past by our wall clock AND we have seen
 *    the record unchanged for leaseDurationSeconds on our monotonic clock.
 *    The second condition keeps a candidate whose clock runs ahead from
 *    stealing a live lease;
 *  - the holder considers itself leader only until (start of its last
 *    successful renew request) + leaseDurationSeconds on its monotonic clock.
 *    Any other candidate observed that renewal after the request was sent, so
 *    it cannot take over before that instant: isLeader() is the fence a
 *    writer checks before each write, and leaseTransitions (incremented on
 *    every acquisition) is a fencing token for stores that can compare it.
 *
 * An elector is single-use: once it stops leading (renewals failed for
 * renewDeadline, stop() or release()) it never writes the Lease again. To
 * stand again, make a new LeaderElector.
 */

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  type ConfigurationOptions,
  CoordinationV1Api,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  type V1Lease,
  V1MicroTime,
} from "@kubernetes/client-node";
import { sleep } from "./backoff.ts";

export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  leaseName: string;
  namespace: string;
  /** Unique per process; default "<hostname>_<pid>_<random>". */
  identity?: string;
  /** How long a lease is valid after its last renewal (default 15 s). */
  leaseDurationSeconds?: number;
  /** The leader steps down if it could not renew for this long (default 10 s; < leaseDurationSeconds). */
  renewDeadlineSeconds?: number;
  /** Interval between renewals / acquisition attempts (default 2 s; < renewDeadlineSeconds). */
  retryPeriodSeconds?: number;
  /** Called (not awaited) when this elector acquires the lease; `leaseTransitions` is the fencing token. */
  onStartedLeading?: (info: { leaseTransitions: number }) => void | Promise<void>;
  /** Called once when leadership ends (deadline exceeded, stop(), release()), before the lease is released. */
  onStoppedLeading?: (reason: StopReason) => void | Promise<void>;
  /** Called whenever the observed holder changes to a new non-empty identity (ourselves included). */
  onNewLeader?: (identity: string) => void;
  /** API failures (the loop keeps going; a leader steps down only at renewDeadline). */
  onError?: (error: unknown) => void;
}

/** renew-deadline: renewals failed for renewDeadline; lost: another holder was found on the Lease. */
export type StopReason = "renew-deadline" | "lost" | "stopped" | "released";

function errorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function toMillis(time: unknown): number | undefined {
  if (time === undefined || time === null) return undefined;
  const ms = time instanceof Date ? time.getTime() : new Date(String(time)).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

export function defaultIdentity(): string {
  return `${hostname()}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

export class LeaderElector {
  readonly identity: string;
  readonly leaseName: string;
  readonly namespace: string;
  private readonly options: LeaderElectorOptions;
  private readonly api: CoordinationV1Api;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;

  private loop: { abort: AbortController; done: Promise<void> } | undefined;
  private finished = false;
  private leading = false;
  /** Monotonic deadline of our current term (see isLeader()). */
  private validUntil = 0;
  private lastRenewAt = 0;
  private deadlineTimer: NodeJS.Timeout | undefined;
  /** The lease as we last wrote it, to renew without a GET. */
  private written: V1Lease | undefined;
  private transitions: number | undefined;
  /** The holder record last seen and when (monotonic) it last changed. */
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private announcedLeader: string | undefined;

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.identity = options.identity ?? defaultIdentity();
    this.leaseName = options.leaseName;
    this.namespace = options.namespace;
    this.leaseMs = (options.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadlineMs = (options.renewDeadlineSeconds ?? 10) * 1000;
    this.retryMs = (options.retryPeriodSeconds ?? 2) * 1000;
    if (!(this.renewDeadlineMs < this.leaseMs))
      throw new Error("renewDeadline must be shorter than leaseDuration");
    if (!(this.retryMs < this.renewDeadlineMs))
      throw new Error("retryPeriod must be shorter than renewDeadline");
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  /** Starts campaigning (no-op if running or finished). */
  start(): void {
    if (this.loop || this.finished) return;
    const abort = new AbortController();
    this.loop = { abort, done: this.run(abort.signal) };
  }

  /**
   * True while this process holds the lease by its own clock. Check it
   * immediately before every write that only the leader may make.
   */
  isLeader(): boolean {
    return this.leading && performance.now() < this.validUntil;
  }

  /** Milliseconds the current term is still guaranteed for (0 when not leading). */
  validForMs(): number {
    return this.isLeader() ? Math.max(0, this.validUntil - performance.now()) : 0;
  }

  /** spec.leaseTransitions of our current term: grows with every acquisition. Undefined when not leading. */
  get leaseTransitions(): number | undefined {
    return this.leading ? this.transitions : undefined;
  }

  /** The holder identity last observed on the Lease ("" when free, undefined before the first read). */
  get leader(): string | undefined {
    return this.observed?.holder;
  }

  /** Stops campaigning/renewing without touching the Lease (a standby takes over once it expires). */
  async stop(): Promise<void> {
    await this.halt();
    await this.endTerm("stopped");
  }

  /**
   * Graceful hand-over: stops renewing, runs onStoppedLeading, then marks
   * the Lease free (empty holder) so a standby can take it at once. Only
   * writes if our term is still valid, and only over our own last write.
   */
  async release(): Promise<void> {
    await this.halt();
    const stillValid = this.isLeader();
    const written = this.written;
    await this.endTerm("released");
    if (!stillValid || !written?.spec) return;
    const now = new V1MicroTime(Date.now());
    const body: V1Lease = {
      ...written,
      spec: { ...written.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now },
    };
    try {
      await this.api.replaceNamespacedLease(
        { name: this.leaseName, namespace: this.namespace, body },
        this.requestOptions(AbortSignal.timeout(this.renewDeadlineMs)),
      );
    } catch (error) {
      // 409: someone else already wrote the lease, so it is no longer ours to release.
      if (errorCode(error) !== 409) this.reportError(error);
    }
  }

  private async halt(): Promise<void> {
    this.finished = true;
    const loop = this.loop;
    if (loop) {
      loop.abort.abort();
      await loop.done;
    }
    clearTimeout(this.deadlineTimer);
  }

  private async endTerm(reason: StopReason): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.validUntil = 0;
    clearTimeout(this.deadlineTimer);
    try {
      await this.options.onStoppedLeading?.(reason);
    } catch (error) {
      this.reportError(error);
    }
  }

  private reportError(error: unknown): void {
    try {
      this.options.onError?.(error);
    } catch {
      // ignore
    }
  }

  /** Call-time options that attach an AbortSignal, so no request outlives our deadlines. */
  private requestOptions(signal: AbortSignal): ConfigurationOptions {
    // The object-parameter API runs call-time middleware in its Observable form.
    const middleware: ObservableMiddleware = {
      pre: (ctx: RequestContext) => {
        ctx.setSignal(signal);
        return new Observable(Promise.resolve(ctx));
      },
      post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: "append" };
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = performance.now();
      try {
        // A leader's attempt may use what is left of its renew budget; a candidate's, one retry period.
        const budget = this.leading
          ? Math.max(200, this.lastRenewAt + this.renewDeadlineMs - started)
          : Math.max(1000, this.retryMs);
        const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(Math.ceil(budget))]);
        const held = await this.attempt(attemptSignal, new Date());
        if (signal.aborted) break;
        if (held) this.renewed(started);
      } catch (error) {
        if (signal.aborted) break;
        this.reportError(error);
      }
      // Candidates jitter so that standbys do not hit the API server in lockstep.
      const wait = this.leading ? this.retryMs : this.retryMs * (1 + 0.2 * Math.random());
      await sleep(Math.max(0, wait - (performance.now() - started)), signal);
    }
  }

  private renewed(sentAt: number): void {
    this.lastRenewAt = sentAt;
    this.validUntil = sentAt + this.leaseMs;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => void this.stepDown("renew-deadline"),
      Math.max(0, sentAt + this.renewDeadlineMs - performance.now()),
    );
    if (!this.leading) {
      this.leading = true;
      const leaseTransitions = this.transitions ?? 0;
      try {
        Promise.resolve(this.options.onStartedLeading?.({ leaseTransitions })).catch((e) =>
          this.reportError(e),
        );
      } catch (error) {
        this.reportError(error);
      }
    }
  }

  /** Gives up for good: renewals failed for renewDeadline (before anyone else can take over), or lost. */
  private async stepDown(reason: StopReason): Promise<void> {
    if (!this.leading) return;
    this.finished = true;
    this.loop?.abort.abort();
    await this.endTerm(reason);
  }

  private observe(lease: V1Lease): void {
    const holder = lease.spec?.holderIdentity ?? "";
    const renewTime = String(toMillis(lease.spec?.renewTime) ?? "");
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: performance.now() };
    }
    if (holder && holder !== this.announcedLeader) {
      this.announcedLeader = holder;
      try {
        this.options.onNewLeader?.(holder);
      } catch (error) {
        this.reportError(error);
      }
    } else if (!holder) {
      this.announcedLeader = undefined;
    }
  }

  private async read(signal: AbortSignal): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease(
        { name: this.leaseName, namespace: this.namespace },
        this.requestOptions(signal),
      );
    } catch (error) {
      if (errorCode(error) === 404) return undefined;
      throw error;
    }
  }

  /** One acquire-or-renew round. True if we hold the lease as of this attempt. */
  private async attempt(signal: AbortSignal, now: Date): Promise<boolean> {
    const renewing = this.leading && this.written !== undefined;
    let lease = renewing ? this.written : await this.read(signal);
    for (let tries = 0; tries < 2; tries++) {
      if (!lease) return await this.create(signal, now);
      if (!renewing || tries > 0) this.observe(lease);
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? "";
      const mine = holder === this.identity;
      if (!mine && this.leading) {
        // Someone else took it (we must have failed to renew in time): never write over them.
        this.written = undefined;
        void this.stepDown("lost");
        return false;
      }
      if (!mine && holder !== "" && !this.expired(spec)) {
        this.written = undefined;
        return false;
      }
      const micro = new V1MicroTime(now.getTime());
      const body: V1Lease = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { ...lease.metadata, name: this.leaseName, namespace: this.namespace },
        // Holding it from an earlier life (same identity, new process) still starts a new term,
        // so the fencing token changes.
        spec:
          mine && this.leading
            ? { ...spec, renewTime: micro, leaseDurationSeconds: Math.ceil(this.leaseMs / 1000) }
            : {
                holderIdentity: this.identity,
                leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
                acquireTime: micro,
                renewTime: micro,
                leaseTransitions: (spec.leaseTransitions ?? -1) + 1,
              },
      };
      try {
        const result = await this.api.replaceNamespacedLease(
          { name: this.leaseName, namespace: this.namespace, body },
          this.requestOptions(signal),
        );
        this.written = result;
        this.transitions = result.spec?.leaseTransitions ?? 0;
        this.observe(result);
        return true;
      } catch (error) {
        if (errorCode(error) !== 409) throw error;
        // Lost a race (or our cached copy is stale): look again once.
        this.written = undefined;
        if (tries > 0 || !(mine && this.leading)) return false;
        lease = await this.read(signal);
      }
    }
    return false;
  }

  private async create(signal: AbortSignal, now: Date): Promise<boolean> {
    const micro = new V1MicroTime(now.getTime());
    try {
      const result = await this.api.createNamespacedLease(
        {
          namespace: this.namespace,
          body: {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name: this.leaseName, namespace: this.namespace },
            spec: {
              holderIdentity: this.identity,
              leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
              acquireTime: micro,
              renewTime: micro,
              leaseTransitions: 0,
            },
          },
        },
        this.requestOptions(signal),
      );
      this.written = result;
      this.transitions = result.spec?.leaseTransitions ?? 0;
      this.observe(result);
      return true;
    } catch (error) {
      if (errorCode(error) === 409) return false; // another candidate created it first
      throw error;
    }
  }

  /** Another holder's lease is expired by its renewTime on our wall clock AND by our own observation. */
  private expired(spec: NonNullable<V1Lease["spec"]>): boolean {
    const durationMs = (spec.leaseDurationSeconds ?? this.leaseMs / 1000) * 1000;
    const renewed = toMillis(spec.renewTime) ?? toMillis(spec.acquireTime);
    const wallExpired = renewed === undefined || renewed + durationMs < Date.now();
    const seenAt = this.observed?.at ?? performance.now();
    const locallyExpired = performance.now() - seenAt > durationMs;
    return wallExpired && locallyExpired;
  }
}
