/*
 * The sync service: campaigns for the Lease; while it leads, runs the policy
 * and data controllers and writes the cache; when it stops leading, stops
 * everything and campaigns again. Only the leader writes (checked locally
 * before every write, and fenced in Redis by the lease's transition count).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { CacheWriter } from "@portcullis/cache";
import { KubeRest } from "@portcullis/kube";
import { Counter, Gauge, Histogram, type Logger, type Readiness, type Registry } from "@portcullis/service";
import { CacheSink } from "./cache-sink.ts";
import { DataController } from "./data.ts";
import { informerWatchFactory } from "./informer-watch.ts";
import { ResourceResolver } from "./kube/discovery.ts";
import { LeaderElector } from "./kube/leader.ts";
import { PolicyController } from "./policy.ts";
import { gvkId } from "./sync-targets.ts";
import type { KObj, Watcher, WatchFactory } from "./watch.ts";

export interface SyncServiceOptions {
  kubeConfig: KubeConfig;
  /** A cache writer fenced with the lease's token, made each time the lease is won. */
  makeWriter: (fence: () => number) => CacheWriter;
  log: Logger;
  registry: Registry;
  /** The install namespace: the Lease and the Config live here. */
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** byPod id in template/constraint status. */
  statusId: string;
  resyncPeriodMs: number;
  /** How often the leader checks that Redis still has the cache (epoch). */
  epochCheckMs: number;
}

const CONSTRAINTS_API = "constraints.gatekeeper.sh/v1beta1";

export class SyncService {
  readonly #o: SyncServiceOptions;
  readonly #rest: KubeRest;
  /** One elector per term: after it stops leading, a new one campaigns. */
  #elector: LeaderElector;
  #stopping = false;
  readonly #watch: WatchFactory;
  #leader: string | undefined;
  #leaderKnown = false;
  #run:
    | {
        sink: CacheSink;
        policy: PolicyController;
        data: DataController;
        timer: NodeJS.Timeout;
        pruned: boolean;
      }
    | undefined;
  #transition: Promise<void> = Promise.resolve();
  readonly #m: {
    leader: Gauge;
    writeLag: Histogram;
    writes: Counter;
    templates: Gauge;
    objects: Gauge;
    watchRestarts: Gauge;
    cacheHealthy: Gauge;
    rebuilds: Gauge;
    unknownKinds: Gauge;
  };

  constructor(o: SyncServiceOptions) {
    this.#o = o;
    this.#rest = new KubeRest(o.kubeConfig);
    const resolver = new ResourceResolver(o.kubeConfig);
    this.#watch = informerWatchFactory({
      kubeConfig: o.kubeConfig,
      resolver,
      resyncPeriodMs: o.resyncPeriodMs,
      known: (t) => {
        if (t.apiVersion === CONSTRAINTS_API) return { plural: t.kind.toLowerCase(), namespaced: false };
        if (t.kind === "ConstraintTemplate") return { plural: "constrainttemplates", namespaced: false };
        if (t.kind === "Namespace" && t.apiVersion === "v1")
          return { plural: "namespaces", namespaced: false };
        if (t.kind === "Config") return { plural: "configs", namespaced: true };
        if (t.kind === "SyncSet") return { plural: "syncsets", namespaced: false };
        return undefined;
      },
    });
    this.#elector = this.#newElector();
    const r = o.registry;
    const self = this;
    this.#m = {
      leader: new Gauge({
        name: "portcullis_sync_is_leader",
        help: "1 while this replica holds the sync lease",
        registers: [r],
      }),
      writeLag: new Histogram({
        name: "portcullis_sync_write_lag_seconds",
        help: "Time from a change being queued to its write to Redis",
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [r],
      }),
      writes: new Counter({
        name: "portcullis_sync_cache_writes_total",
        help: "Object changes written to the cache",
        registers: [r],
      }),
      templates: new Gauge({
        name: "portcullis_sync_constraint_templates",
        help: "ConstraintTemplates by compile state",
        labelNames: ["status"],
        registers: [r],
        collect() {
          const c = self.#run?.policy.templateCount() ?? { ok: 0, failed: 0 };
          this.set({ status: "active" }, c.ok);
          this.set({ status: "error" }, c.failed);
        },
      }),
      objects: new Gauge({
        name: "portcullis_sync_objects",
        help: "Objects mirrored in the cache, per kind",
        labelNames: ["collection"],
        registers: [r],
        collect() {
          this.reset();
          for (const [c, n] of self.#run?.sink.sizes() ?? []) this.set({ collection: c }, n);
        },
      }),
      watchRestarts: new Gauge({
        name: "portcullis_sync_watch_restarts",
        help: "Watch restarts and relists of each running informer",
        labelNames: ["kind"],
        registers: [r],
        collect() {
          this.reset();
          for (const w of self.#watchers())
            this.set({ kind: `${w.target.apiVersion}/${w.target.kind}` }, w.restarts());
        },
      }),
      cacheHealthy: new Gauge({
        name: "portcullis_sync_cache_healthy",
        help: "1 when the last cache write reached Redis",
        registers: [r],
        collect() {
          this.set(self.#run ? (self.#run.sink.healthy ? 1 : 0) : 1);
        },
      }),
      rebuilds: new Gauge({
        name: "portcullis_sync_cache_rebuilds",
        help: "Times the cache was rebuilt from memory after Redis lost it",
        registers: [r],
        collect() {
          this.set(self.#run?.sink.rebuilds ?? 0);
        },
      }),
      unknownKinds: new Gauge({
        name: "portcullis_sync_unknown_kinds",
        help: "Kinds the Config/SyncSets ask for that the API server does not serve",
        registers: [r],
        collect() {
          this.set(self.#run?.data.unknownKinds().length ?? 0);
        },
      }),
    };
  }

  start(): void {
    this.#elector.start();
  }

  #newElector(): LeaderElector {
    const o = this.#o;
    return new LeaderElector({
      kubeConfig: o.kubeConfig,
      namespace: o.namespace,
      leaseName: o.leaseName,
      identity: o.identity,
      leaseDurationSeconds: o.leaseDurationMs / 1000,
      renewDeadlineSeconds: o.renewDeadlineMs / 1000,
      retryPeriodSeconds: o.retryPeriodMs / 1000,
      onStartedLeading: () => void this.#queue(() => this.#lead()),
      onStoppedLeading: (reason) => void this.#queue(() => this.#follow(`stopped leading: ${reason}`, true)),
      onNewLeader: (identity) => {
        this.#leaderKnown = true;
        if (identity !== this.#leader) o.log.info("leader", { leader: identity || "<none>" });
        this.#leader = identity;
      },
      onError: (e) => o.log.warn("leader election", { err: e instanceof Error ? e.message : String(e) }),
    });
  }

  /** Graceful stop: stop writing, then hand the lease over at once. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#queue(() => this.#follow("shutting down", false));
    await this.#elector.release();
    await this.#elector.stop();
    this.#rest.close();
  }

  get leading(): boolean {
    return this.#run !== undefined;
  }

  readiness(): Readiness {
    if (!this.#leaderKnown && !this.#run) return { ready: false, reason: "lease state not known yet" };
    const run = this.#run;
    if (!run) return { ready: true, reason: `standby (leader ${this.#leader || "none"})` };
    if (!run.policy.synced() || !run.data.synced())
      return { ready: false, reason: "initial lists not written yet" };
    if (!run.sink.healthy)
      return { ready: false, reason: `cache writes failing: ${run.sink.lastError ?? ""}` };
    return { ready: true, reason: "leader" };
  }

  #watchers(): Watcher[] {
    return this.#run ? [...this.#run.policy.watchers(), ...this.#run.data.watchers()] : [];
  }

  /** Leadership changes run one at a time, in order. */
  #queue(fn: () => Promise<void>): Promise<void> {
    this.#transition = this.#transition.then(fn).catch((e: unknown) => {
      this.#o.log.error("leadership transition failed", { err: e });
    });
    return this.#transition;
  }

  async #lead(): Promise<void> {
    if (this.#run) return;
    const log = this.#o.log;
    const elector = this.#elector;
    const token = (): number => elector.leaseTransitions ?? 0;
    const writer = this.#o.makeWriter(token);
    const sink = new CacheSink({
      writer,
      log: log.child({ component: "cache" }),
      canWrite: () => elector.isLeader(),
      onFenced: () => {
        log.error("cache write fenced: another sync leads; stepping down", {});
        void this.#queue(() => this.#follow("fenced", true));
      },
      onWritten: (n, ms) => {
        this.#m.writes.inc(n);
        this.#m.writeLag.observe(ms / 1000);
      },
      onEpoch: (epoch, rebuilt) => log.info(rebuilt ? "cache rebuilt" : "cache epoch", { epoch }),
    });
    const policy = new PolicyController({
      rest: this.#rest,
      sink,
      watch: this.#watch,
      log: log.child({ component: "policy" }),
      statusId: this.#o.statusId,
    });
    const data = new DataController({
      sink,
      watch: this.#watch,
      log: log.child({ component: "data" }),
      namespace: this.#o.namespace,
      // Every retry fails the same way; the first failure per kind is a warning (and an Event).
      onDataError: (gvk, e) => log.debug("synced kind failing", { kind: gvkId(gvk), err: e.message }),
      onUnknownKind: (gvk, sources, message) => {
        log.warn("cannot sync kind", { kind: gvkId(gvk), err: message });
        for (const src of sources)
          void this.#warnEvent(src, "UnknownKind", `cannot sync ${gvkId(gvk)}: ${message}`);
      },
    });
    const timer = setInterval(() => {
      const run = this.#run;
      if (!run) return;
      run.sink.checkEpoch().catch(() => {});
      // Once everything is listed, collections nobody owns (left from before) go.
      if (!run.pruned && run.policy.synced() && run.data.synced()) {
        run.pruned = true;
        run.sink.pruneUnknown().catch(() => {});
        run.sink.markComplete().catch(() => {});
      }
    }, this.#o.epochCheckMs);
    this.#run = { sink, policy, data, timer, pruned: false };
    this.#m.leader.set(1);
    log.info("leading: syncing the cluster into the cache", { identity: this.#o.identity, fence: token() });
    await sink.checkEpoch();
    policy.start();
    data.start();
  }

  /** Stops leading; with `campaign`, a new elector stands for the next term. */
  /** A Warning Event on the object that asked for something sync cannot do (kubectl describe shows it). */
  async #warnEvent(about: KObj, reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    // Events about cluster-scoped objects live in "default", as client-go records them.
    const ns = about.metadata?.namespace || "default";
    try {
      await this.#rest.create(`/api/v1/namespaces/${encodeURIComponent(ns)}/events`, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: "portcullis-sync-", namespace: ns },
        involvedObject: {
          apiVersion: about.apiVersion,
          kind: about.kind,
          name: about.metadata?.name,
          ...(about.metadata?.namespace ? { namespace: about.metadata.namespace } : {}),
          uid: about.metadata?.uid,
        },
        reason,
        message: message.slice(0, 1000),
        type: "Warning",
        source: { component: "portcullis-sync" },
        reportingComponent: "portcullis-sync",
        reportingInstance: this.#o.identity,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    } catch (e) {
      this.#o.log.warn("could not record an event", {
        reason,
        err: e instanceof Error ? e.message : String(e),
      });
    }
  }

  async #follow(reason: string, campaign: boolean): Promise<void> {
    if (campaign && !this.#stopping && this.#run) {
      const old = this.#elector;
      this.#elector = this.#newElector();
      await old.stop();
      this.#elector.start();
    }
    const run = this.#run;
    if (!run) return;
    this.#run = undefined;
    this.#m.leader.set(0);
    clearInterval(run.timer);
    this.#o.log.info("stopped leading", { reason });
    run.sink.close();
    await Promise.all([run.policy.stop(), run.data.stop()]);
  }
}
