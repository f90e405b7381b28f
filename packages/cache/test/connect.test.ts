import { startRedisServer } from "@portcullis/testkit";
import { Cluster, Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { CacheReader, CacheWriter, connectRedis, parseRedisUrl, redact } from "../src/index.ts";
import { uniqueCluster } from "./helpers.ts";

describe("parseRedisUrl", () => {
  it("reads host, port, credentials, database, TLS and cluster mode", () => {
    expect(parseRedisUrl("redis://127.0.0.1:6380")).toEqual({
      host: "127.0.0.1",
      port: 6380,
      tls: false,
      cluster: false,
    });
    expect(parseRedisUrl("rediss://app:p%40ss%2Fw@cache.example.com:6380/2")).toEqual({
      host: "cache.example.com",
      port: 6380,
      username: "app",
      password: "p@ss/w",
      db: 2,
      tls: true,
      cluster: false,
    });
    expect(parseRedisUrl("redis://:secret@redis")).toEqual({
      host: "redis",
      port: 6379,
      password: "secret",
      tls: false,
      cluster: false,
    });
    expect(parseRedisUrl("rediss://clustercfg.x.cache.amazonaws.com:6379?cluster=true")).toMatchObject({
      tls: true,
      cluster: true,
    });
    expect(parseRedisUrl("10.0.0.1:7000")).toMatchObject({ host: "10.0.0.1", port: 7000, tls: false });
    expect(parseRedisUrl("redis://[::1]:7000")).toMatchObject({ host: "::1", port: 7000 });
  });

  it("rejects what is not a Redis URL, without echoing the password", () => {
    expect(() => parseRedisUrl("http://user:hunter2@host")).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseRedisUrl("http://user:hunter2@host")).not.toThrow(/hunter2/);
    expect(() => parseRedisUrl("redis://host/abc")).toThrow(/database must be a number/);
    expect(redact("rediss://app:hunter2@host:6379")).toBe("rediss://app:***@host:6379");
    expect(redact("redis://host:6379")).toBe("redis://host:6379");
  });

  it("refuses several nodes without cluster mode, and a database on a cluster", () => {
    expect(() => connectRedis({ nodes: ["a:1", "b:2"] }, { cluster: false })).toThrow(/cluster mode is off/);
    expect(() => connectRedis("redis://a:1/3?cluster=true")).toThrow(/only database 0/);
  });
});

describe("connectRedis against real servers", () => {
  it("authenticates with the password in the URL", async () => {
    const server = await startRedisServer({ password: "s3cr@t/pw" });
    try {
      expect(server.url).toContain("s3cr%40t%2Fpw@");
      const good = connectRedis(server.url);
      expect(good).toBeInstanceOf(Redis);
      const cluster = uniqueCluster("auth");
      const writer = new CacheWriter(good, { cluster });
      await writer.init();
      await writer.put("c", "k", { v: 1 });
      expect((await new CacheReader(good, { cluster }).load()).revision).toBe(1);
      good.disconnect();

      const bad = connectRedis(server.url, {
        password: "wrong",
        redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => null },
      });
      bad.on("error", () => {});
      await expect(bad.ping()).rejects.toThrow(/WRONGPASS|invalid password|NOAUTH|Connection is closed/);
      bad.disconnect();
    } finally {
      await server.stop();
    }
  }, 30_000);

  it("speaks TLS for rediss:// (with the server's CA)", async () => {
    const server = await startRedisServer({ tls: true });
    try {
      expect(server.url).toMatch(/^rediss:\/\//);
      const client = connectRedis(server.url, { tls: { ca: server.caPem } });
      try {
        expect(await client.ping()).toBe("PONG");
        const cluster = uniqueCluster("tls");
        const writer = new CacheWriter(client, { cluster });
        await writer.init();
        await writer.put("c", "k", { v: 1 });
        const reader = new CacheReader(client, { cluster });
        const snapshot = await reader.load();
        expect(snapshot.collections.get("c")!.get("k")!.object).toEqual({ v: 1 });
        // follow() duplicates the connection, TLS included.
        const ac = new AbortController();
        const following = (async () => {
          for await (const e of reader.follow(snapshot.revision, { signal: ac.signal, blockMs: 100 })) {
            ac.abort();
            return e;
          }
        })();
        await writer.put("c", "k", { v: 2 });
        expect(await following).toMatchObject({ op: "put", revision: 2 });
      } finally {
        client.disconnect();
      }
      // Without the CA the certificate is not trusted.
      const untrusted = connectRedis(server.url, {
        redisOptions: { maxRetriesPerRequest: 0, retryStrategy: () => null },
      });
      untrusted.on("error", () => {});
      await expect(untrusted.ping()).rejects.toThrow();
      untrusted.disconnect();
    } finally {
      await server.stop();
    }
  }, 30_000);

  it("returns a Cluster client for { nodes } (connecting lazily is up to ioredis)", () => {
    const c = connectRedis(
      { nodes: [{ host: "127.0.0.1", port: 1 }] },
      { clusterOptions: { lazyConnect: true } },
    );
    expect(c).toBeInstanceOf(Cluster);
    c.disconnect();
  });
});
