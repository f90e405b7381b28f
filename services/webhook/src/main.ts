/*
 * portcullis-webhook: the stateless validating admission webhook. Policy
 * state comes from the Redis cache sync writes (a PolicyMirror); violations
 * go to NATS JetStream; nothing is kept locally, so replicas come and go.
 *
 *   node services/webhook/src/main.ts --redis-url redis://127.0.0.1:6379 \
 *     --tls-cert-file /certs/tls.crt --tls-key-file /certs/tls.key --nats-url nats://127.0.0.1:4222
 */
import { join } from "node:path";
import { connectRedisFromSettings, redact } from "@portcullis/cache";
import { ENFORCEMENT_POINTS } from "@portcullis/engine";
import { connectNats, DEFAULT_STREAM, EventPublisher, ensureStream, subjects } from "@portcullis/events";
import { PolicyMirror } from "@portcullis/mirror";
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
import { Admitter } from "./admission.ts";
import { CacheHealth } from "./cache-health.ts";
import { ViolationSink } from "./events.ts";
import { GatekeeperResourceValidator } from "./gatekeeper-resources.ts";
import { webhookMetrics } from "./metrics.ts";
import { NamespaceGlobs, parseGlobList } from "./namespaces.ts";
import { buildServer } from "./server.ts";
import { parseTlsMinVersion, readTls, watchCertificate } from "./tls.ts";

const specs = {
  addr: { env: "PORTCULLIS_WEBHOOK_ADDR", default: "0.0.0.0", help: "HTTPS listen address" },
  port: { env: "PORTCULLIS_WEBHOOK_PORT", default: "8443", help: "HTTPS port (0: any)" },
  "cert-dir": {
    env: "PORTCULLIS_CERT_DIR",
    default: "/certs",
    help: "directory with tls.crt and tls.key (when the file flags are not given)",
  },
  "tls-cert-file": { env: "PORTCULLIS_TLS_CERT_FILE", help: "serving certificate (PEM), reloaded on change" },
  "tls-key-file": { env: "PORTCULLIS_TLS_KEY_FILE", help: "serving key (PEM), reloaded on change" },
  "tls-min-version": {
    env: "PORTCULLIS_TLS_MIN_VERSION",
    default: "1.3",
    help: "minimum TLS version: 1.2 or 1.3",
  },
  "nats-url": { env: "PORTCULLIS_NATS_URL", help: "NATS servers (comma-separated); no events when absent" },
  "events-prefix": { env: "PORTCULLIS_EVENTS_PREFIX", default: "portcullis", help: "event subject prefix" },
  "events-stream": {
    env: "PORTCULLIS_EVENTS_STREAM",
    default: DEFAULT_STREAM,
    help: "JetStream stream name",
  },
  "events-buffer": {
    env: "PORTCULLIS_EVENTS_BUFFER",
    default: "10000",
    help: "admission events held while NATS is slow or away (oldest dropped beyond)",
  },
  "ensure-stream": {
    env: "PORTCULLIS_ENSURE_STREAM",
    boolean: true,
    default: "true",
    help: "create/update the event stream at start",
  },
  namespace: { env: "POD_NAMESPACE", default: "portcullis-system", help: "install namespace" },
  "service-account": {
    env: "PORTCULLIS_SERVICE_ACCOUNT",
    help: "usernames allowed unreviewed (comma-separated); default system:serviceaccount:<namespace>:portcullis",
  },
  "exempt-namespace": {
    env: "PORTCULLIS_EXEMPT_NAMESPACES",
    help: "namespaces allowed the admission.gatekeeper.sh/ignore label (comma-separated; prefix* and *suffix globs)",
  },
  deadline: {
    env: "PORTCULLIS_REVIEW_DEADLINE",
    default: "3s",
    help: "time budget of one review; past it the API server's failurePolicy applies",
  },
  "max-request-bytes": {
    env: "PORTCULLIS_MAX_REQUEST_BYTES",
    default: String(3 * 1024 * 1024),
    help: "largest AdmissionReview accepted (413 beyond)",
  },
  "enable-k8s-native-validation": {
    env: "PORTCULLIS_ENABLE_K8S_NATIVE_VALIDATION",
    boolean: true,
    default: "true",
    help: "evaluate K8sNativeValidation (CEL) code when a template has it, as Gatekeeper >= 3.16; --no-… uses Rego",
  },
  "log-denies": {
    env: "PORTCULLIS_LOG_DENIES",
    boolean: true,
    help: "log every violation found at admission",
  },
  ...redisFlags,
  ...commonFlags,
} as const;

await runService(
  { program: "portcullis-webhook", service: "webhook", specs },
  async ({ flags, log, shutdown }) => {
    // Policy state: a mirror of the cache, evaluated at the webhook enforcement point.
    const redisUrl = flags["redis-url"] ?? "";
    const redis = connectRedisFromSettings(redisSettingsFrom(flags));
    redis.on("error", (e: Error) => log.debug("redis connection error", { err: e.message }));
    const cacheName = flags["cache-name"] ?? "default";
    const mirror = new PolicyMirror({
      redis,
      cacheName,
      clientOptions: {
        enforcementPoint: ENFORCEMENT_POINTS.webhook,
        enableCEL: flags["enable-k8s-native-validation"],
      },
      log,
    });
    const health = new CacheHealth(redis, log);
    let publisher: EventPublisher | undefined;
    const registry = createRegistry("webhook");
    const metrics = webhookMetrics(registry, {
      cacheConnected: () => health.connected,
      cacheRevision: () => mirror.revision,
      cacheReady: () => mirror.readiness().ready,
      templates: () => mirror.client.templates().length,
      constraints: () => mirror.client.constraints().length,
      eventsPending: () => publisher?.pending ?? 0,
    });

    // Events: a publisher that buffers until NATS is reachable, so NATS is never on the start path.
    const subj = subjects(flags["events-prefix"] ?? "portcullis");
    const natsUrl = flags["nats-url"];
    if (natsUrl) {
      publisher = new EventPublisher({
        bufferSize: intFlag("events-buffer", flags["events-buffer"]),
        onDrop: (reason) => metrics.eventsDropped.inc({ reason }),
        onPublished: () => metrics.eventsPublished.inc(),
        onError: (err, subject, attempt) =>
          log.debug("event publish failed", { subject, attempt, err: String(err) }),
      });
      const p = publisher;
      const streamName = flags["events-stream"] ?? DEFAULT_STREAM;
      void connectNats(natsUrl, { name: "portcullis-webhook" }).then(
        async (nc) => {
          shutdown.add("nats", () => nc.drain().catch(() => nc.close()));
          if (flags["ensure-stream"]) {
            await ensureStream(nc, { name: streamName, prefix: subj.prefix }).catch((e: unknown) =>
              log.warn("could not ensure the event stream", { stream: streamName, err: String(e) }),
            );
          }
          p.attach(nc);
          log.info("events: connected to NATS", { stream: streamName, prefix: subj.prefix });
        },
        (e: unknown) => log.error("events: NATS connection failed", { err: String(e) }),
      );
    }
    const sink = new ViolationSink({
      ...(publisher ? { publisher } : {}),
      subjects: subj,
      log,
      logDenies: flags["log-denies"],
      onViolation: (decision) => metrics.violations.inc({ enforcement_action: decision }),
    });

    const namespace = flags.namespace ?? "portcullis-system";
    const serviceAccounts = flags["service-account"]
      ? parseGlobList(flags["service-account"])
      : [`system:serviceaccount:${namespace}:portcullis`];
    // The mirror serves only states sync marked complete, so a cache being rebuilt
    // after Redis lost its data is never answered from half-filled.
    const policy = mirror;
    const admitter = new Admitter({
      policy,
      serviceAccounts,
      exempt: new NamespaceGlobs(parseGlobList(flags["exempt-namespace"])),
      deadlineMs: durationFlag("deadline", flags.deadline),
      resources: new GatekeeperResourceValidator({
        enableCEL: flags["enable-k8s-native-validation"],
        templates: () => mirror.objects("templates"),
      }),
    });

    // Ready once the first snapshot is applied; a Redis outage later does not make us unready
    // (we keep answering from the last good state), it only shows in the reason.
    const readiness = () => {
      const r = policy.readiness();
      return r.ready && !health.connected
        ? { ready: true, reason: `${r.reason ?? ""} (cache unreachable)` }
        : r;
    };
    const certDir = flags["cert-dir"] ?? "/certs";
    const tlsFiles = {
      certFile: flags["tls-cert-file"] ?? join(certDir, "tls.crt"),
      keyFile: flags["tls-key-file"] ?? join(certDir, "tls.key"),
      minVersion: parseTlsMinVersion(flags["tls-min-version"]),
    };
    const app = buildServer({
      admitter,
      tls: readTls(tlsFiles),
      bodyLimit: intFlag("max-request-bytes", flags["max-request-bytes"], 1),
      metrics,
      registry,
      readiness,
      sink,
      log,
    });
    const certWatcher = watchCertificate(
      tlsFiles,
      (ctx) =>
        (app.server as import("node:https").Server).setSecureContext({
          ...ctx,
          minVersion: tlsFiles.minVersion,
        }),
      {
        onReload: () => {
          metrics.certReloads.inc({ result: "ok" });
          log.info("serving certificate reloaded", { certFile: tlsFiles.certFile });
        },
        onError: (e) => {
          metrics.certReloads.inc({ result: "error" });
          log.warn("serving certificate reload failed; keeping the previous one", { err: String(e) });
        },
      },
    );

    mirror.start();
    shutdown.add("cache health", () => health.stop());
    const ops = await startOpsServer({
      host: flags["health-addr"],
      port: intFlag("health-port", flags["health-port"]),
      registry,
      readiness,
    });
    await app.listen({ host: flags.addr ?? "0.0.0.0", port: intFlag("port", flags.port) });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : 0;

    // Shutdown steps run last-added first: stop taking requests, then flush events, then the rest.
    shutdown.add("redis", () => void redis.quit().catch(() => redis.disconnect()));
    shutdown.add("policy mirror", () => mirror.stop());
    shutdown.add("ops server", () => ops.close());
    if (publisher) {
      const p = publisher;
      shutdown.add("events", () => p.close(5_000));
    }
    shutdown.add("certificate watcher", () => certWatcher.close());
    shutdown.add("https server", () => app.close());
    log.info("started", {
      port,
      healthPort: ops.port,
      redis: redact(redisUrl),
      cache: cacheName,
      nats: natsUrl ?? null,
      tlsMinVersion: tlsFiles.minVersion,
      deadlineMs: durationFlag("deadline", flags.deadline),
      resources: new GatekeeperResourceValidator({
        enableCEL: flags["enable-k8s-native-validation"],
        templates: () => mirror.objects("templates"),
      }),
    });
  },
);
