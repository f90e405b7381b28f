/*
 * portcullis-sync: mirrors the cluster's ConstraintTemplates, constraints,
 * Namespaces, Config/SyncSets and synced data into Redis (see service.ts).
 *
 *   node services/sync/src/main.ts --kubeconfig ~/.kube/config \
 *     --redis-url redis://127.0.0.1:6379 --namespace portcullis-system
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import { CacheWriter, connectRedis, redact } from "@portcullis/cache";
import {
  createLogger,
  createRegistry,
  durationFlag,
  FlagError,
  installShutdown,
  intFlag,
  parseFlags,
  parseLevel,
  startOpsServer,
  usage,
} from "@portcullis/service";
import { SyncService } from "./service.ts";

const specs = {
  kubeconfig: { env: "KUBECONFIG", help: "kubeconfig file; in-cluster config when absent" },
  "redis-url": {
    env: "PORTCULLIS_REDIS_URL",
    default: "redis://127.0.0.1:6379",
    help: "Redis URL (rediss:// for TLS; ?cluster=true for a Redis Cluster)",
  },
  "redis-password": { env: "PORTCULLIS_REDIS_PASSWORD", help: "Redis password (overrides the URL's)" },
  "redis-password-file": { env: "PORTCULLIS_REDIS_PASSWORD_FILE", help: "file holding the Redis password" },
  "redis-ca-file": { env: "PORTCULLIS_REDIS_CA_FILE", help: "CA bundle for Redis TLS" },
  "redis-cluster": { env: "PORTCULLIS_REDIS_CLUSTER", boolean: true, help: "Redis Cluster mode" },
  "cache-name": {
    env: "PORTCULLIS_CACHE_NAME",
    default: "default",
    help: "name of this install's cache in Redis",
  },
  namespace: {
    env: "POD_NAMESPACE",
    default: "portcullis-system",
    help: "install namespace (Lease, Config)",
  },
  "lease-name": { env: "PORTCULLIS_LEASE_NAME", default: "portcullis-sync", help: "leader election Lease" },
  identity: { env: "POD_NAME", help: "leader election identity (default host-pid)" },
  "lease-duration": { env: "PORTCULLIS_LEASE_DURATION", default: "15s", help: "Lease duration" },
  "renew-deadline": {
    env: "PORTCULLIS_RENEW_DEADLINE",
    default: "10s",
    help: "step down if not renewed within",
  },
  "retry-period": { env: "PORTCULLIS_RETRY_PERIOD", default: "2s", help: "Lease acquire/renew interval" },
  "resync-period": {
    env: "PORTCULLIS_RESYNC_PERIOD",
    default: "10m",
    help: "periodic relist of every watch",
  },
  "epoch-check": {
    env: "PORTCULLIS_EPOCH_CHECK",
    default: "2s",
    help: "how often to check Redis still holds the cache",
  },
  "status-id": { env: "PORTCULLIS_STATUS_ID", default: "portcullis-sync", help: "byPod id in status" },
  "health-addr": {
    env: "PORTCULLIS_HEALTH_ADDR",
    default: "0.0.0.0",
    help: "listen address of /healthz /readyz /metrics",
  },
  "health-port": {
    env: "PORTCULLIS_HEALTH_PORT",
    default: "8081",
    help: "port of /healthz /readyz /metrics (0: any)",
  },
  "log-level": { env: "PORTCULLIS_LOG_LEVEL", default: "info", help: "debug, info, warn, error" },
  help: { boolean: true, help: "print this help" },
} as const;

async function main(): Promise<void> {
  let flags: ReturnType<typeof parseFlags<typeof specs>>;
  try {
    flags = parseFlags(specs);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`portcullis-sync: ${e.message}\n${usage("portcullis-sync", specs)}\n`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(`${usage("portcullis-sync", specs)}\n`);
    return;
  }
  const log = createLogger({ service: "sync" }, { level: parseLevel(flags["log-level"]) });
  const shutdown = installShutdown(log);
  try {
    const identity = flags.identity ?? `${hostname()}-${process.pid}`;
    const kubeConfig = new KubeConfig();
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromCluster();

    const password = flags["redis-password-file"]
      ? readFileSync(flags["redis-password-file"], "utf8").trim()
      : flags["redis-password"];
    const redisUrl = flags["redis-url"] ?? "";
    const redis = connectRedis(redisUrl, {
      cluster: flags["redis-cluster"] || undefined,
      ...(password !== undefined ? { password } : {}),
      ...(flags["redis-ca-file"] ? { tls: { ca: readFileSync(flags["redis-ca-file"]) } } : {}),
    });
    redis.on("error", (e: Error) => log.debug("redis connection error", { err: e.message }));
    const cacheName = flags["cache-name"] ?? "default";

    const registry = createRegistry("sync");
    const service = new SyncService({
      kubeConfig,
      makeWriter: (fence) => new CacheWriter(redis, { cluster: cacheName, fence }),
      log,
      registry,
      namespace: flags.namespace ?? "portcullis-system",
      leaseName: flags["lease-name"] ?? "portcullis-sync",
      identity,
      leaseDurationMs: durationFlag("lease-duration", flags["lease-duration"]),
      renewDeadlineMs: durationFlag("renew-deadline", flags["renew-deadline"]),
      retryPeriodMs: durationFlag("retry-period", flags["retry-period"]),
      resyncPeriodMs: durationFlag("resync-period", flags["resync-period"]),
      epochCheckMs: durationFlag("epoch-check", flags["epoch-check"]),
      statusId: flags["status-id"] ?? "portcullis-sync",
    });
    const ops = await startOpsServer({
      host: flags["health-addr"],
      port: intFlag("health-port", flags["health-port"]),
      registry,
      readiness: () => service.readiness(),
    });
    shutdown.add("redis", () => void redis.quit().catch(() => redis.disconnect()));
    shutdown.add("ops server", () => ops.close());
    shutdown.add("sync", () => service.stop());
    log.info("started", {
      identity,
      namespace: flags.namespace,
      redis: redact(redisUrl),
      cache: cacheName,
      healthPort: ops.port,
      kubeServer: kubeConfig.getCurrentCluster()?.server,
    });
    service.start();
  } catch (e) {
    if (e instanceof FlagError) {
      log.error(e.message, {});
      process.exit(2);
    }
    log.error("failed to start", { err: e });
    process.exit(1);
  }
  // A bug must not leave a half-dead writer behind: log and exit; the Deployment restarts us.
  process.on("uncaughtException", (e) => {
    log.error("uncaught exception", { err: e });
    void shutdown.run("uncaughtException", 1);
  });
  process.on("unhandledRejection", (e) => {
    log.error("unhandled rejection", { err: e });
  });
}

await main();
