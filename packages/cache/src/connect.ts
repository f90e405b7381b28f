/*
 * One way for every service to open its Redis connection from a URL:
 *   redis://[user[:password]@]host[:port][/db][?cluster=true]
 *   rediss://...  (TLS; the server name is the host unless it is an IP)
 * A Redis Cluster (e.g. ElastiCache with cluster mode) is reached with
 * `cluster: true` (or ?cluster=true) and one or more seed nodes.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { ConnectionOptions as TlsOptions } from "node:tls";
import { Cluster, type ClusterOptions, type NatMap, Redis, type RedisOptions } from "ioredis";
import type { RedisClient } from "./scripts.ts";

export interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls: boolean;
  /** ?cluster=true (or 1) in the URL. */
  cluster: boolean;
}

export interface ConnectOptions {
  /** Cluster mode (also implied by ?cluster=true or by passing { nodes }). */
  cluster?: boolean;
  /** Override the URL's credentials. */
  username?: string;
  password?: string;
  /** Force TLS on (rediss:// turns it on), or extra TLS options such as a CA. */
  tls?: boolean | TlsOptions;
  /** Cluster only: maps the addresses nodes announce to ones this process can reach. */
  natMap?: NatMap;
  /** Extra ioredis options for every connection. */
  redisOptions?: RedisOptions;
  /** Extra ioredis Cluster options. */
  clusterOptions?: ClusterOptions;
}

export type RedisTarget = string | { nodes: Array<string | { host: string; port: number }> };

/** Parses redis:// and rediss:// URLs; a bare "host:port" is taken as redis://host:port. */
export function parseRedisUrl(url: string): RedisEndpoint {
  const text = url.includes("://") ? url : `redis://${url}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`not a Redis URL: ${JSON.stringify(redact(url))}`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new Error(`Redis URL must start with redis:// or rediss://, got ${JSON.stringify(redact(url))}`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  const port = u.port === "" ? 6379 : Number(u.port);
  const endpoint: RedisEndpoint = { host, port, tls: u.protocol === "rediss:", cluster: false };
  if (u.username) endpoint.username = decodeURIComponent(u.username);
  if (u.password) endpoint.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, "");
  if (db !== "") {
    if (!/^\d+$/.test(db)) throw new Error(`Redis URL database must be a number, got ${JSON.stringify(db)}`);
    endpoint.db = Number(db);
  }
  const cluster = u.searchParams.get("cluster");
  endpoint.cluster = cluster === "true" || cluster === "1" || cluster === "yes";
  return endpoint;
}

/** The URL with its password replaced by "***", for logs and errors. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}

/**
 * Opens a Redis (or Redis Cluster) client. `target` is a URL, or seed nodes
 * of a cluster as URLs, "host:port" strings or { host, port }.
 */
export function connectRedis(target: RedisTarget, options: ConnectOptions = {}): RedisClient {
  const seeds: RedisEndpoint[] =
    typeof target === "string"
      ? [parseRedisUrl(target)]
      : target.nodes.map((n) =>
          typeof n === "string"
            ? parseRedisUrl(n)
            : { host: n.host, port: n.port, tls: false, cluster: true },
        );
  if (seeds.length === 0) throw new Error("connectRedis: no Redis node given");
  const first = seeds[0];
  const cluster = options.cluster ?? (typeof target !== "string" || first.cluster);
  const useTls = options.tls !== undefined && options.tls !== false ? true : seeds.some((s) => s.tls);
  const tls: TlsOptions | undefined = useTls
    ? {
        ...(isIP(first.host) === 0 ? { servername: first.host } : {}),
        ...(typeof options.tls === "object" ? options.tls : {}),
      }
    : undefined;
  const auth: RedisOptions = {};
  const username = options.username ?? first.username;
  const password = options.password ?? first.password;
  if (username !== undefined) auth.username = username;
  if (password !== undefined) auth.password = password;
  if (tls) auth.tls = tls;

  if (!cluster) {
    if (seeds.length > 1) throw new Error("connectRedis: several nodes given but cluster mode is off");
    return new Redis({
      host: first.host,
      port: first.port,
      ...(first.db !== undefined ? { db: first.db } : {}),
      ...auth,
      ...options.redisOptions,
    });
  }
  if (first.db !== undefined && first.db !== 0)
    throw new Error("connectRedis: a Redis Cluster has only database 0");
  return new Cluster(
    seeds.map((s) => ({ host: s.host, port: s.port })),
    {
      // With TLS the certificate names the configured endpoint, so do not resolve it to an IP first.
      ...(tls
        ? {
            dnsLookup: (address: string, callback: (err: null, address: string) => void) =>
              callback(null, address),
          }
        : {}),
      ...(options.natMap ? { natMap: options.natMap } : {}),
      ...options.clusterOptions,
      redisOptions: { ...auth, ...options.redisOptions, ...options.clusterOptions?.redisOptions },
    },
  );
}

/** The Redis settings every service takes as flags (see packages/service redisFlags). */
export interface RedisSettings {
  url: string;
  password?: string;
  /** A file holding the password (a mounted Secret); wins over `password`. */
  passwordFile?: string;
  /** CA bundle (PEM file) for TLS to Redis. */
  caFile?: string;
  cluster?: boolean;
}

/** connectRedis from service flags: password or password file, CA file, cluster mode. */
export function connectRedisFromSettings(s: RedisSettings, redisOptions?: RedisOptions): RedisClient {
  const password = s.passwordFile ? readFileSync(s.passwordFile, "utf8").trim() : s.password;
  return connectRedis(s.url, {
    ...(s.cluster ? { cluster: true } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(s.caFile ? { tls: { ca: readFileSync(s.caFile) } } : {}),
    ...(redisOptions ? { redisOptions } : {}),
  });
}
