/*
 * The scheduler role: a BullMQ job scheduler ticks every interval; each tick
 * plans one run of the scope as a flow (a parent in <scope>-runs, one child
 * per chunk in <scope>-chunks), unless the scope's previous run is still
 * going (one run of a scope at a time, whatever the number of schedulers).
 */
import { randomBytes } from "node:crypto";
import { cacheKeys, parseCollection } from "@portcullis/cache";
import type { KubeRest } from "@portcullis/kube";
import type { PolicyMirror } from "@portcullis/mirror";
import type { Logger } from "@portcullis/service";
import { FlowProducer, type Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type ApiKind, discoverKinds, listPages } from "./lister.ts";
import { type ChunkData, type RunData, type ScopeNames, scopeNames } from "./queues.ts";
import { auditsAt, groupOf, kindWanted, matchedKinds } from "./scope.ts";

type Obj = Record<string, unknown>;

export interface SchedulerOptions {
  scope: string;
  redis: Redis;
  mirror: PolicyMirror;
  log: Logger;
  intervalMs: number;
  chunkSize: number;
  fromCache: boolean;
  cacheName: string;
  matchKindOnly: boolean;
  /** Needed unless fromCache. */
  rest?: KubeRest;
  /** Retries of a chunk job (stalls and failures). */
  chunkAttempts: number;
  /** Start a run right away instead of after the first interval. */
  immediately?: boolean;
}

const ACTIVE = new Set(["active", "waiting", "waiting-children", "delayed", "prioritized"]);

export function newRunId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(3).toString("hex")}`;
}

export class AuditScheduler {
  readonly #o: SchedulerOptions;
  readonly #names: ScopeNames;
  readonly #queue: Queue;
  readonly #runs: Queue;
  readonly #flow: FlowProducer;
  #worker: Worker | undefined;

  constructor(o: SchedulerOptions) {
    this.#o = o;
    this.#names = scopeNames(o.scope);
    this.#queue = new Queue(this.#names.schedule, { connection: o.redis });
    this.#runs = new Queue(this.#names.runs, { connection: o.redis });
    this.#flow = new FlowProducer({ connection: o.redis });
  }

  async start(): Promise<void> {
    await this.#queue.upsertJobScheduler(
      "audit",
      { every: this.#o.intervalMs, ...(this.#o.immediately ? { immediately: true } : {}) },
      { name: "tick", data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
    this.#worker = new Worker(this.#names.schedule, async (job) => this.tick(job), {
      connection: this.#o.redis,
      concurrency: 1,
    });
    this.#worker.on("failed", (job, e) =>
      this.#o.log.error("audit planning failed", { job: job?.id, err: e.message }),
    );
  }

  async stop(): Promise<void> {
    await this.#worker?.close();
    await this.#flow.close();
    await this.#runs.close();
    await this.#queue.close();
  }

  /** Plans one run, or skips when the scope's previous run is not finished. */
  async tick(_job?: Job): Promise<{ runId?: string; skipped?: string }> {
    const { redis, log } = this.#o;
    const token = randomBytes(8).toString("hex");
    if ((await redis.set(this.#names.planning, token, "PX", 600_000, "NX")) !== "OK")
      return { skipped: "another scheduler is planning a run" };
    try {
      const current = await redis.get(this.#names.current);
      if (current) {
        const state = await this.#runs.getJobState(current);
        if (ACTIVE.has(state)) {
          log.info("audit run skipped: the previous run is still going", { audit_id: current, state });
          return { skipped: `run ${current} is ${state}` };
        }
      }
      return { runId: await this.#plan() };
    } finally {
      // Release only our own lock.
      if ((await redis.get(this.#names.planning)) === token) await redis.del(this.#names.planning);
    }
  }

  async #plan(): Promise<string> {
    const o = this.#o;
    const runId = newRunId();
    const startedAt = new Date().toISOString();
    const mirror = o.mirror;
    const constraints: string[] = [];
    const wanted: { group: string; kind: string }[] = [];
    for (const { kind, name } of mirror.client.constraints()) {
      const raw = mirror
        .objects(`constraints/${kind}`)
        .find((c) => (c.metadata as Obj | undefined)?.name === name);
      if (!raw || !auditsAt(raw)) continue;
      constraints.push(`${kind}/${name}`);
      wanted.push(...matchedKinds(raw));
    }
    for (const [key, errs] of mirror.constraintErrors())
      o.log.warn("constraint skipped", { audit_id: runId, constraint: key, reason: errs[0]?.message ?? "" });
    const children: { name: string; queueName: string; data: ChunkData; opts: Obj }[] = [];
    const childOpts = {
      attempts: o.chunkAttempts,
      backoff: { type: "exponential", delay: 1000 },
      failParentOnFailure: true,
      removeOnComplete: true,
    };
    let pages = 0;
    const keep = (group: string, kind: string): boolean =>
      !o.matchKindOnly || kindWanted(wanted, group, kind);
    if (o.fromCache) {
      const keys = cacheKeys({ cluster: o.cacheName });
      const collections = (await o.redis.smembers(keys.collections)).sort();
      for (const collection of collections) {
        const parsed = parseCollection(collection);
        if (parsed?.sort !== "data" || !keep(groupOf(parsed.apiVersion), parsed.kind)) continue;
        const objectKeys = (await o.redis.hkeys(keys.collection(collection))).sort();
        for (let i = 0; i < objectKeys.length; i += o.chunkSize) {
          children.push({
            name: `${collection}#${i / o.chunkSize}`,
            queueName: this.#names.chunks,
            data: {
              runId,
              mode: "cache",
              cacheName: o.cacheName,
              collection,
              keys: objectKeys.slice(i, i + o.chunkSize),
            },
            opts: childOpts,
          });
        }
      }
    } else {
      if (!o.rest) throw new Error("listing from the API server needs a kubeconfig");
      const rest = o.rest;
      const kinds = (await discoverKinds(rest)).filter((k) => keep(k.group, k.kind));
      for (const k of kinds) await this.#listKind(rest, k, runId, children, childOpts, () => pages++);
    }
    const data: RunData = { runId, scope: o.scope, startedAt, constraints: constraints.sort(), pages };
    await this.#flow.add({
      name: "run",
      queueName: this.#names.runs,
      data,
      opts: { jobId: runId, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
      children,
    });
    await o.redis.set(this.#names.current, runId);
    o.log.info("audit_started", {
      audit_id: runId,
      event_type: "audit_started",
      chunks: children.length,
      constraints: constraints.length,
      source: o.fromCache ? "cache" : "apiserver",
    });
    return runId;
  }

  /** Lists one kind into stored pages, one chunk each; a 410 drops the kind's pages and relists it. */
  async #listKind(
    rest: KubeRest,
    k: ApiKind,
    runId: string,
    children: { name: string; queueName: string; data: ChunkData; opts: Obj }[],
    childOpts: Obj,
    nextPage: () => number,
  ): Promise<void> {
    const first = children.length;
    const id = `${k.apiVersion}/${k.kind}`;
    await listPages(rest, k, {
      limit: this.#o.chunkSize,
      onPage: async (items, page) => {
        const pageKey = this.#names.page(runId, nextPage());
        // Pages outlive a run that never finishes by at most a day.
        await this.#o.redis.set(pageKey, JSON.stringify(items), "EX", 86_400);
        children.push({
          name: `${id}#${page}`,
          queueName: this.#names.chunks,
          data: { runId, mode: "api", pageKey, kind: id },
          opts: childOpts,
        });
      },
      onRestart: async (reason) => {
        this.#o.log.warn("listing again", { audit_id: runId, kind: id, reason });
        const dropped = children.splice(first);
        for (const c of dropped) if (c.data.mode === "api") await this.#o.redis.del(c.data.pageKey);
      },
    });
  }
}
