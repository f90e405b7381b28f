/*
 * portcullis-dashboard: a read-only web view of templates, constraints and
 * violations. Policy state comes from the Redis cache (a PolicyMirror, whose
 * constraint objects carry the audit status); the live feed from the NATS
 * violation stream, pushed to browsers with Server-Sent Events.
 *
 *   node services/dashboard/src/main.ts --redis-url redis://127.0.0.1:6379 --nats-url nats://127.0.0.1:4222
 *   kubectl -n portcullis-system port-forward svc/portcullis-dashboard 8080
 */
import { KubeConfig } from "@kubernetes/client-node";
import { connectRedisFromSettings, redact } from "@portcullis/cache";
import { ENFORCEMENT_POINTS } from "@portcullis/engine";
import { connectNats, DEFAULT_STREAM, ensureStream, subjects } from "@portcullis/events";
import { KubeRest } from "@portcullis/kube";
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
import { type Authenticate, tokenReviewAuth } from "./auth.ts";
import { LiveFeed } from "./feed.ts";
import { RunHistory } from "./runs.ts";
import { buildServer } from "./server.ts";

const specs = {
  addr: { env: "PORTCULLIS_DASHBOARD_ADDR", default: "0.0.0.0", help: "HTTP listen address" },
  port: { env: "PORTCULLIS_DASHBOARD_PORT", default: "8080", help: "HTTP port (0: any)" },
  "nats-url": {
    env: "PORTCULLIS_NATS_URL",
    help: "NATS servers (comma-separated); no live feed when absent",
  },
  "events-prefix": { env: "PORTCULLIS_EVENTS_PREFIX", default: "portcullis", help: "event subject prefix" },
  "events-stream": {
    env: "PORTCULLIS_EVENTS_STREAM",
    default: DEFAULT_STREAM,
    help: "JetStream stream name",
  },
  "feed-history": {
    env: "PORTCULLIS_DASHBOARD_FEED_HISTORY",
    default: "1h",
    help: "how far back the live feed starts when the dashboard starts",
  },
  "feed-size": {
    env: "PORTCULLIS_DASHBOARD_FEED_SIZE",
    default: "1000",
    help: "events kept in memory for the feed and the constraints' recent denies",
  },
  "runs-history": {
    env: "PORTCULLIS_DASHBOARD_RUNS_HISTORY",
    default: "24h",
    help: "how far back the audit-run chart reads run summaries when the dashboard starts",
  },
  "runs-chart": {
    env: "PORTCULLIS_DASHBOARD_RUNS_CHART",
    default: "30",
    help: "audit runs shown in the overview chart (the latest ones)",
  },
  "ensure-stream": {
    env: "PORTCULLIS_ENSURE_STREAM",
    boolean: true,
    default: "true",
    help: "create/update the event stream at start",
  },
  "auth-token-review": {
    env: "PORTCULLIS_DASHBOARD_AUTH",
    boolean: true,
    help: "require a bearer token (a Kubernetes token, checked with a TokenReview) on every page",
  },
  "auth-users": {
    env: "PORTCULLIS_DASHBOARD_AUTH_USERS",
    help: "with --auth-token-review: admit these usernames (comma-separated); others get 403",
  },
  "auth-groups": {
    env: "PORTCULLIS_DASHBOARD_AUTH_GROUPS",
    help: "with --auth-token-review: admit members of these groups (comma-separated); others get 403",
  },
  kubeconfig: { env: "KUBECONFIG", help: "kubeconfig for TokenReviews; in-cluster config when absent" },
  ...redisFlags,
  ...commonFlags,
} as const;

await runService(
  { program: "portcullis-dashboard", service: "dashboard", specs },
  async ({ flags, log, shutdown }) => {
    const redisUrl = flags["redis-url"] ?? "";
    const redis = connectRedisFromSettings(redisSettingsFrom(flags));
    redis.on("error", (e: Error) => log.debug("redis connection error", { err: e.message }));
    const cacheName = flags["cache-name"] ?? "default";
    const mirror = new PolicyMirror({
      redis,
      cacheName,
      // Object lookups answer as an admission review would.
      clientOptions: { enforcementPoint: ENFORCEMENT_POINTS.webhook },
      log,
    });
    const registry = createRegistry("dashboard");
    const feed = new LiveFeed(intFlag("feed-size", flags["feed-size"], 1));
    const runs = new RunHistory(intFlag("runs-chart", flags["runs-chart"], 1));

    const subj = subjects(flags["events-prefix"] ?? "portcullis");
    const natsUrl = flags["nats-url"];
    if (natsUrl) {
      const stream = flags["events-stream"] ?? DEFAULT_STREAM;
      const sinceMs = durationFlag("feed-history", flags["feed-history"]);
      const runsSinceMs = durationFlag("runs-history", flags["runs-history"]);
      void connectNats(natsUrl, { name: "portcullis-dashboard" })
        .then(
          async (nc) => {
            shutdown.add("nats", () => nc.drain().catch(() => nc.close()));
            if (flags["ensure-stream"])
              await ensureStream(nc, { name: stream, prefix: subj.prefix }).catch((e: unknown) =>
                log.warn("could not ensure the event stream", { stream, err: String(e) }),
              );
            await feed.attach(nc, { stream, subjects: subj, sinceMs, log });
            await runs.attach(nc, { stream, subjects: subj, sinceMs: runsSinceMs, log });
            log.info("feed: consuming the violation stream", { stream, prefix: subj.prefix });
          },
          (e: unknown) => log.error("feed: NATS connection failed", { err: String(e) }),
        )
        .catch((e: unknown) => log.error("feed: could not consume the violation stream", { err: String(e) }));
    }

    let authenticate: Authenticate | undefined;
    if (flags["auth-token-review"]) {
      const kc = new KubeConfig();
      if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
      else kc.loadFromCluster();
      const rest = new KubeRest(kc);
      shutdown.add("kube", () => rest.close());
      const list = (v: string | undefined) =>
        (v ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
      authenticate = tokenReviewAuth(rest, {
        users: list(flags["auth-users"]),
        groups: list(flags["auth-groups"]),
      });
    }

    const readiness = () => mirror.readiness();
    const app = buildServer({ mirror, feed, runs, log, ...(authenticate ? { authenticate } : {}) });
    mirror.start();
    const ops = await startOpsServer({
      host: flags["health-addr"],
      port: intFlag("health-port", flags["health-port"]),
      registry,
      readiness,
    });
    await app.listen({ host: flags.addr ?? "0.0.0.0", port: intFlag("port", flags.port) });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : 0;

    shutdown.add("redis", () => void redis.quit().catch(() => redis.disconnect()));
    shutdown.add("policy mirror", () => mirror.stop());
    shutdown.add("ops server", () => ops.close());
    shutdown.add("feed", () => feed.stop());
    shutdown.add("runs", () => runs.stop());
    shutdown.add("http server", () => app.close());
    log.info("started", {
      port,
      healthPort: ops.port,
      redis: redact(redisUrl),
      cache: cacheName,
      nats: natsUrl ?? null,
      auth: flags["auth-token-review"] ? "token-review" : "off",
    });
  },
);
