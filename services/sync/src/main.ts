/*
 * portcullis-sync: mirrors the cluster's ConstraintTemplates, constraints,
 * Namespaces, Config/SyncSets and synced data into Redis (see service.ts).
 *
 *   node services/sync/src/main.ts --kubeconfig ~/.kube/config \
 *     --redis-url redis://127.0.0.1:6379 --namespace portcullis-system
 */
import { hostname } from "node:os";
import { KubeConfig } from "@kubernetes/client-node";
import { CacheWriter, connectRedisFromSettings, redact } from "@portcullis/cache";
import {
  commonFlags,
  createRegistry,
  durationFlag,
  intFlag,
  redisFlags,
  redisSettingsFrom,
  runService,
  startOpsServer,
} from "@portcullis/service";
import { SyncService } from "./service.ts";

const specs = {
  kubeconfig: { env: "KUBECONFIG", help: "kubeconfig file; in-cluster config when absent" },
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
  ...redisFlags,
  ...commonFlags,
} as const;

await runService({ program: "portcullis-sync", service: "sync", specs }, async ({ flags, log, shutdown }) => {
  const identity = flags.identity ?? `${hostname()}-${process.pid}`;
  const kubeConfig = new KubeConfig();
  if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
  else kubeConfig.loadFromCluster();

  const redisUrl = flags["redis-url"] ?? "";
  const redis = connectRedisFromSettings(redisSettingsFrom(flags));
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
});
