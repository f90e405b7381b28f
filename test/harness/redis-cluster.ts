/*
 * Throwaway redis-server processes for tests and benchmarks that need a
 * Redis of their own (destructive tests: FLUSHALL, restarts; TLS; a
 * password) or a real Redis Cluster (3 masters, no replicas) on loopback.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createTestCa } from "./kube-pki.ts";
import { freePort, type ManagedProcess, startProcess, waitUntil } from "./kube-process.ts";

const run = promisify(execFile);

export interface RedisServerOptions {
  /** requirepass */
  password?: string;
  /** Serve TLS only (a throwaway CA signs a certificate for 127.0.0.1 and localhost). */
  tls?: boolean;
  /** More redis-server arguments, e.g. ["--maxmemory", "100mb"]. */
  args?: string[];
}

export interface RedisServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** redis:// (or rediss:// with tls), with the password if one was set. */
  readonly url: string;
  /** PEM of the CA that signed the server certificate (tls only). */
  readonly caPem?: string;
  readonly process: ManagedProcess;
  /** Stops the server (its data is gone: it never saves). */
  stop(): Promise<void>;
  /** Stops it and starts an empty one on the same port: "Redis restarted and lost its data". */
  restart(): Promise<void>;
}

export interface RedisTestCluster {
  readonly nodes: { host: "127.0.0.1"; port: number }[];
  /** redis://127.0.0.1:<port> of each node. */
  readonly urls: string[];
  readonly processes: ManagedProcess[];
  stop(): Promise<void>;
}

async function requireRedis(): Promise<void> {
  for (const bin of ["redis-server", "redis-cli"]) {
    try {
      await run(bin, ["--version"]);
    } catch {
      throw new Error(
        `${bin} is not on PATH: install Redis (e.g. \`apt-get install redis-server\`, which \`pnpm setup\` does) to run the Redis tests`,
      );
    }
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function cli(port: number, args: string[], extra: string[] = []): Promise<string> {
  const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...extra, ...args], {
    timeout: 30_000,
  });
  return stdout;
}

/** Starts redis-server on a free loopback port; retries if the port was taken meanwhile. */
async function launch(
  name: string,
  dir: string,
  args: (port: number) => string[],
  fixedPort?: number,
): Promise<{ port: number; process: ManagedProcess }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = fixedPort ?? (await freePort());
    const proc = startProcess(name, "redis-server", args(port), join(dir, `${name}-${port}.log`));
    try {
      await waitUntil(
        `${name} to listen on 127.0.0.1:${port}`,
        async () => ((await tcpOpen(port)) ? true : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
          process: proc,
        },
      );
      return { port, process: proc };
    } catch (error) {
      lastError = error;
      await proc.stop(1000);
    }
  }
  throw lastError;
}

const COMMON = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"];

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  await requireRedis();
  const dir = await mkdtemp(join(tmpdir(), "portcullis-redis-"));
  let caPem: string | undefined;
  let tlsArgs: string[] = [];
  if (options.tls) {
    const ca = await createTestCa(dir);
    const cert = await ca.issue({
      name: "redis",
      commonName: "localhost",
      ips: ["127.0.0.1"],
      dnsNames: ["localhost"],
      usage: "server",
    });
    caPem = ca.certPem;
    tlsArgs = [
      "--tls-cert-file",
      cert.certPath,
      "--tls-key-file",
      cert.keyPath,
      "--tls-ca-cert-file",
      ca.certPath,
    ];
    tlsArgs.push("--tls-auth-clients", "no");
  }
  const args = (port: number): string[] => [
    ...COMMON,
    "--dir",
    dir,
    ...(options.tls ? ["--port", "0", "--tls-port", String(port), ...tlsArgs] : ["--port", String(port)]),
    ...(options.password ? ["--requirepass", options.password] : []),
    ...(options.args ?? []),
  ];
  let { port, process: proc } = await launch("redis-server", dir, args);
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : "";
  const server: RedisServer = {
    host: "127.0.0.1",
    port,
    url: `${options.tls ? "rediss" : "redis"}://${auth}127.0.0.1:${port}`,
    caPem,
    get process() {
      return proc;
    },
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await proc.stop();
      ({ port, process: proc } = await launch("redis-server", dir, args, port));
    },
  };
  return server;
}

/** A real Redis Cluster: `masters` (default 3) cluster-enabled redis-servers, no replicas, all slots covered. */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<RedisTestCluster> {
  await requireRedis();
  const masters = options.masters ?? 3;
  if (masters < 3) throw new Error("a Redis Cluster needs at least 3 masters");
  const dir = await mkdtemp(join(tmpdir(), "portcullis-redis-cluster-"));
  const started: { port: number; process: ManagedProcess }[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => s.process.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      started.push(
        await launch(`redis-cluster-${i}`, dir, (port) => [
          ...COMMON,
          "--dir",
          dir,
          "--port",
          String(port),
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          join(dir, `nodes-${port}.conf`),
          "--cluster-node-timeout",
          "5000",
          // Nodes announce the address clients must use, so no natMap is needed.
          "--cluster-announce-ip",
          "127.0.0.1",
        ]),
      );
    }
    const addresses = started.map((s) => `127.0.0.1:${s.port}`);
    try {
      await run(
        "redis-cli",
        ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"],
        {
          timeout: 60_000,
        },
      );
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      throw new Error(`redis-cli --cluster create failed:\n${e.stdout ?? ""}${e.stderr ?? String(error)}`);
    }
    for (const s of started) {
      await waitUntil(
        `cluster_state:ok on 127.0.0.1:${s.port}`,
        async () => {
          const info = await cli(s.port, ["cluster", "info"]);
          return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info) ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100, process: s.process },
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: started.map((s) => ({ host: "127.0.0.1" as const, port: s.port })),
    urls: started.map((s) => `redis://127.0.0.1:${s.port}`),
    processes: started.map((s) => s.process),
    stop,
  };
}
