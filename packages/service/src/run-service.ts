/*
 * The frame every service's main.ts runs in: flags (usage on error, exit 2;
 * --help), the JSON logger at --log-level, SIGTERM handling, and the rule
 * that a failed start or an uncaught exception ends the process (the
 * Deployment restarts it) rather than leaving it half working.
 */
import { FlagError, type FlagSpec, type FlagValues, parseFlags, usage } from "./flags.ts";
import { createLogger, type Logger, parseLevel } from "./log.ts";
import { installShutdown, type Shutdown } from "./shutdown.ts";

/** Flags every service has. */
export const commonFlags = {
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
} as const satisfies Record<string, FlagSpec>;

/** The cache flags shared by every service that reads or writes it: its name and the Redis connection. */
export const redisFlags = {
  "cache-name": {
    env: "PORTCULLIS_CACHE_NAME",
    default: "default",
    help: "name of this install's cache in Redis",
  },
  "redis-url": {
    env: "PORTCULLIS_REDIS_URL",
    default: "redis://127.0.0.1:6379",
    help: "Redis URL (rediss:// for TLS; ?cluster=true for a Redis Cluster)",
  },
  "redis-password": { env: "PORTCULLIS_REDIS_PASSWORD", help: "Redis password (overrides the URL's)" },
  "redis-password-file": { env: "PORTCULLIS_REDIS_PASSWORD_FILE", help: "file holding the Redis password" },
  "redis-ca-file": { env: "PORTCULLIS_REDIS_CA_FILE", help: "CA bundle for Redis TLS" },
  "redis-cluster": { env: "PORTCULLIS_REDIS_CLUSTER", boolean: true, help: "Redis Cluster mode" },
} as const satisfies Record<string, FlagSpec>;

export interface ServiceContext<S extends Record<string, FlagSpec>> {
  flags: FlagValues<S>;
  log: Logger;
  shutdown: Shutdown;
}

export async function runService<S extends Record<string, FlagSpec> & typeof commonFlags>(
  o: { program: string; service: string; specs: S },
  start: (ctx: ServiceContext<S>) => Promise<void>,
): Promise<void> {
  let flags: FlagValues<S>;
  try {
    flags = parseFlags(o.specs);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    process.stderr.write(`${o.program}: ${e.message}\n${usage(o.program, o.specs)}\n`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(`${usage(o.program, o.specs)}\n`);
    return;
  }
  const log = createLogger(
    { service: o.service },
    { level: parseLevel(flags["log-level"] as string | undefined) },
  );
  const shutdown = installShutdown(log);
  try {
    await start({ flags, log, shutdown });
  } catch (e) {
    if (e instanceof FlagError) {
      log.error(e.message, {});
      process.exit(2);
    }
    log.error("failed to start", { err: e });
    process.exit(1);
  }
  process.on("uncaughtException", (e) => {
    log.error("uncaught exception", { err: e });
    void shutdown.run("uncaughtException", 1);
  });
  process.on("unhandledRejection", (e) => {
    log.error("unhandled rejection", { err: e });
  });
}

/** The Redis settings (packages/cache RedisSettings) from redisFlags' values. */
export function redisSettingsFrom(flags: FlagValues<typeof redisFlags>): {
  url: string;
  password?: string;
  passwordFile?: string;
  caFile?: string;
  cluster: boolean;
} {
  return {
    url: flags["redis-url"] ?? "",
    password: flags["redis-password"],
    passwordFile: flags["redis-password-file"],
    caFile: flags["redis-ca-file"],
    cluster: flags["redis-cluster"],
  };
}
