/*
 * portcullis-audit: the audit scheduler, workers and status writer, one
 * binary with a role flag (the chart runs them as separate Deployments):
 *
 *   node services/audit/src/main.ts --role audit-scheduler --kubeconfig ~/.kube/config
 *   node services/audit/src/main.ts --role audit-worker --concurrency 2
 *   node services/audit/src/main.ts --role status-writer --kubeconfig ~/.kube/config
 *   node services/audit/src/main.ts --role all          # everything in one process
 */
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import { connectRedisFromSettings, type RedisSettings, redact } from "@portcullis/cache";
import { ENFORCEMENT_POINTS } from "@portcullis/engine";
import { KubeRest } from "@portcullis/kube";
import { PolicyMirror } from "@portcullis/mirror";
import {
  Counter,
  commonFlags,
  createRegistry,
  durationFlag,
  FlagError,
  Gauge,
  Histogram,
  intFlag,
  type Readiness,
  redisFlags,
  redisSettingsFrom,
  runService,
  startOpsServer,
} from "@portcullis/service";
import { EventBus } from "./events.ts";
import { bullConnection } from "./queues.ts";
import { AuditScheduler } from "./scheduler.ts";
import { StatusWriter } from "./status-writer.ts";
import { AuditWorker } from "./worker.ts";

const specs = {
  role: {
    env: "PORTCULLIS_AUDIT_ROLE",
    default: "all",
    help: "comma list of audit-scheduler, audit-worker, status-writer (or all)",
  },
  kubeconfig: { env: "KUBECONFIG", help: "kubeconfig file; in-cluster config when absent" },
  "nats-url": {
    env: "PORTCULLIS_NATS_URL",
    default: "nats://127.0.0.1:4222",
    help: "NATS server(s), comma separated",
  },
  stream: {
    env: "PORTCULLIS_STREAM",
    default: "PORTCULLIS_VIOLATIONS",
    help: "JetStream stream of the events",
  },
  "subject-prefix": { env: "PORTCULLIS_SUBJECT_PREFIX", default: "portcullis", help: "first subject token" },
  scope: {
    env: "PORTCULLIS_AUDIT_SCOPE",
    default: "portcullis-audit",
    help: "name of the audit's queues; one run of a scope at a time",
  },
  "audit-interval": { env: "PORTCULLIS_AUDIT_INTERVAL", default: "60s", help: "time between runs" },
  "audit-chunk-size": { env: "PORTCULLIS_AUDIT_CHUNK_SIZE", default: "500", help: "objects per chunk job" },
  "audit-from-cache": {
    env: "PORTCULLIS_AUDIT_FROM_CACHE",
    boolean: true,
    help: "audit the objects sync cached instead of listing the API server",
  },
  "audit-match-kind-only": {
    env: "PORTCULLIS_AUDIT_MATCH_KIND_ONLY",
    boolean: true,
    help: "list only the kinds constraints name",
  },
  "run-now": {
    env: "PORTCULLIS_AUDIT_RUN_NOW",
    boolean: true,
    help: "start a run as soon as the scheduler starts",
  },
  "constraint-violations-limit": {
    env: "PORTCULLIS_CONSTRAINT_VIOLATIONS_LIMIT",
    default: "20",
    help: "violations kept in each constraint's status",
  },
  concurrency: {
    env: "PORTCULLIS_AUDIT_CONCURRENCY",
    default: "1",
    help: "chunk jobs a worker runs at once",
  },
  "lock-duration": {
    env: "PORTCULLIS_AUDIT_LOCK_DURATION",
    default: "30s",
    help: "chunk lock lifetime: how soon a dead worker's chunk is retried",
  },
  "stalled-interval": {
    env: "PORTCULLIS_AUDIT_STALLED_INTERVAL",
    default: "30s",
    help: "stalled-chunk check period",
  },
  "chunk-attempts": { env: "PORTCULLIS_AUDIT_CHUNK_ATTEMPTS", default: "10", help: "tries per chunk job" },
  "eval-timeout": {
    env: "PORTCULLIS_AUDIT_EVAL_TIMEOUT",
    default: "10s",
    help: "deadline of one object's review",
  },
  "log-violations": {
    env: "PORTCULLIS_AUDIT_LOG_VIOLATIONS",
    boolean: true,
    default: "true",
    help: "log a violation_audited line per violation",
  },
  "chunk-hold": {
    env: "PORTCULLIS_AUDIT_CHUNK_HOLD",
    default: "0ms",
    help: "fault injection (tests): hold each chunk after publishing its events",
  },
  "duplicate-window": {
    env: "PORTCULLIS_DUPLICATE_WINDOW",
    help: "JetStream dedupe window set on the stream (default: packages/events' 2m)",
  },
  durable: {
    env: "PORTCULLIS_STATUS_DURABLE",
    default: "portcullis-status-writer",
    help: "the status writer's durable consumer",
  },
  ...redisFlags,
  ...commonFlags,
} as const;

const ROLES = new Set(["scheduler", "worker", "status-writer"]);

function parseRoles(s: string): Set<string> {
  const out = new Set<string>();
  for (const r of s.split(",").map((x) => x.trim().replace(/^audit-/, ""))) {
    if (r === "all") for (const x of ROLES) out.add(x);
    else if (ROLES.has(r)) out.add(r);
    else throw new FlagError(`--role=${s}: unknown role ${JSON.stringify(r)}`);
  }
  return out;
}

await runService(
  { program: "portcullis-audit", service: "audit", specs },
  async ({ flags, log, shutdown }) => {
    const roles = parseRoles(flags.role ?? "all");
    const redisUrl = flags["redis-url"] ?? "";
    const cacheName = flags["cache-name"] ?? "default";
    const scope = flags.scope ?? "portcullis-audit";
    const registry = createRegistry("audit");
    const readiness: (() => Readiness)[] = [];

    let rest: KubeRest | undefined;
    const needKube = roles.has("status-writer") || (roles.has("scheduler") && !flags["audit-from-cache"]);
    if (needKube || flags.kubeconfig) {
      const kc = new KubeConfig();
      if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
      else kc.loadFromCluster();
      rest = new KubeRest(kc);
      shutdown.add("kube", () => rest?.close());
    }

    const redisSettings: RedisSettings = redisSettingsFrom(flags);
    const bull = bullConnection(redisSettings);
    bull.on("error", (e: Error) => log.debug("redis connection error", { err: e.message }));
    shutdown.add("redis", () => void bull.quit().catch(() => bull.disconnect()));

    let bus: EventBus | undefined;
    if (roles.has("worker") || roles.has("status-writer")) {
      bus = await EventBus.connect({
        servers: flags["nats-url"] ?? "",
        stream: flags.stream ?? "PORTCULLIS_VIOLATIONS",
        prefix: flags["subject-prefix"] ?? "portcullis",
        ...(flags["duplicate-window"]
          ? { duplicateWindowMs: durationFlag("duplicate-window", flags["duplicate-window"]) }
          : {}),
      });
      const b = bus;
      shutdown.add("nats", () => b.close());
      readiness.push(() =>
        b.nc.isClosed() ? { ready: false, reason: "NATS connection closed" } : { ready: true },
      );
    }

    const mirrors: PolicyMirror[] = [];
    const mirrorFor = (data: boolean): PolicyMirror => {
      const redis = connectRedisFromSettings(redisSettings);
      redis.on("error", (e: Error) => log.debug("cache connection error", { err: e.message }));
      const m = new PolicyMirror({
        redis,
        cacheName,
        clientOptions: { enforcementPoint: ENFORCEMENT_POINTS.audit },
        log,
        data,
      });
      m.start();
      mirrors.push(m);
      readiness.push(() => m.readiness());
      shutdown.add("mirror", async () => {
        await m.stop();
        redis.disconnect();
      });
      return m;
    };

    if (roles.has("worker") && bus) {
      const mirror = mirrorFor(true);
      const worker = new AuditWorker({
        scope,
        redis: bull,
        mirror,
        bus,
        log,
        concurrency: intFlag("concurrency", flags.concurrency, 1),
        lockDurationMs: durationFlag("lock-duration", flags["lock-duration"]),
        stalledIntervalMs: durationFlag("stalled-interval", flags["stalled-interval"]),
        logViolations: flags["log-violations"],
        evalTimeoutMs: durationFlag("eval-timeout", flags["eval-timeout"]),
        chunkHoldMs: durationFlag("chunk-hold", flags["chunk-hold"]),
        metrics: {
          chunks: new Counter({
            name: "portcullis_audit_chunks_total",
            help: "chunk jobs evaluated",
            registers: [registry],
          }),
          objects: new Counter({
            name: "portcullis_audit_objects_total",
            help: "objects audited",
            registers: [registry],
          }),
          violations: new Counter({
            name: "portcullis_audit_events_published_total",
            help: "violation and error events published",
            registers: [registry],
          }),
        },
      });
      shutdown.add("worker", () => worker.stop());
      // Chunks are taken only once the policies are loaded: an empty Client would audit nothing.
      void mirror.waitReady(24 * 3_600_000).then(() => worker.start());
    }

    if (roles.has("scheduler")) {
      const mirror = mirrorFor(false);
      const scheduler = new AuditScheduler({
        scope,
        redis: bull,
        mirror,
        log,
        intervalMs: durationFlag("audit-interval", flags["audit-interval"]),
        chunkSize: intFlag("audit-chunk-size", flags["audit-chunk-size"], 1),
        fromCache: flags["audit-from-cache"],
        cacheName,
        matchKindOnly: flags["audit-match-kind-only"],
        ...(rest ? { rest } : {}),
        chunkAttempts: intFlag("chunk-attempts", flags["chunk-attempts"], 1),
        immediately: flags["run-now"],
      });
      shutdown.add("scheduler", () => scheduler.stop());
      void mirror.waitReady(24 * 3_600_000).then(() => scheduler.start());
    }

    if (roles.has("status-writer") && bus && rest) {
      const writer = new StatusWriter({
        bus,
        redis: bull,
        rest,
        log,
        durable: flags.durable ?? "portcullis-status-writer",
        limit: intFlag("constraint-violations-limit", flags["constraint-violations-limit"], 0),
        keyPrefix: `portcullis-audit-status:${scope}`,
        metrics: {
          violations: new Gauge({
            name: "gatekeeper_violations",
            help: "violations found by the last audit run, by enforcement action",
            labelNames: ["enforcement_action"],
            registers: [registry],
          }),
          duration: new Histogram({
            name: "gatekeeper_audit_duration_seconds",
            help: "audit run duration",
            buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800],
            registers: [registry],
          }),
          lastRun: new Gauge({
            name: "gatekeeper_audit_last_run_time",
            help: "start of the last audit run (unix s)",
            registers: [registry],
          }),
          lastRunEnd: new Gauge({
            name: "gatekeeper_audit_last_run_end_time",
            help: "end of the last audit run (unix s)",
            registers: [registry],
          }),
        },
      });
      await writer.start();
      shutdown.add("status writer", () => writer.stop());
    }

    const ops = await startOpsServer({
      host: flags["health-addr"],
      port: intFlag("health-port", flags["health-port"]),
      registry,
      readiness: () => {
        for (const r of readiness) {
          const x = r();
          if (!x.ready) return x;
        }
        return { ready: true, reason: [...roles].join(",") };
      },
    });
    shutdown.add("ops server", () => ops.close());
    log.info("started", {
      roles: [...roles],
      identity: `${hostname()}-${process.pid}`,
      scope,
      redis: redact(redisUrl),
      cache: cacheName,
      stream: bus?.stream,
      healthPort: ops.port,
      pid: process.pid,
    });
  },
);
