/*
 * Runs a service's main.ts as a real child process (what a Deployment runs),
 * collecting its JSON log lines, and finds its ops port from the "started"
 * log line's `healthPort` field (services are started with --health-port 0).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { childrenDetached } from "./kube-process.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** services/<name>/src/main.ts */
export function serviceMain(service: string): string {
  return join(REPO, "services", service, "src", "main.ts");
}

export interface ServiceProcess {
  child: ChildProcess;
  /** A name for messages (e.g. the leader identity). */
  identity: string;
  logs: Record<string, unknown>[];
  healthPort: number;
  /** GET /readyz status. */
  readyz(): Promise<{ status: number; body: string }>;
  metrics(): Promise<string>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash: no lease release). */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

/** Kept for the sync tests' vocabulary. */
export type SyncProcess = ServiceProcess;

export interface SyncProcessOptions {
  kubeconfig: string;
  redisUrl: string;
  cacheName: string;
  namespace: string;
  identity: string;
  leaseName?: string;
  args?: string[];
}

/** services/sync as a process (see services/sync/README.md for the flags). */
export function startSync(o: SyncProcessOptions): Promise<ServiceProcess> {
  // biome-ignore format: flag list
  const args = [
    "--kubeconfig", o.kubeconfig, "--redis-url", o.redisUrl, "--cache-name", o.cacheName,
    "--namespace", o.namespace, "--identity", o.identity, "--lease-name", o.leaseName ?? "portcullis-sync",
    "--health-addr", "127.0.0.1", "--health-port", "0", "--log-level", "debug",
    ...(o.args ?? []),
  ];
  return startService({ main: serviceMain("sync"), args, identity: o.identity });
}

export interface ServiceOptions {
  /** Path of the main.ts to run with this Node. */
  main: string;
  /** Flags; include --health-port 0 (and --health-addr 127.0.0.1) so the port is found from the log. */
  args: string[];
  identity: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the "started" log line. */
  startTimeoutMs?: number;
}

/** Starts `node <main> <args>` and waits for its "started" log line. */
export async function startService(o: ServiceOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [o.main, ...o.args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_PROXY: "*" },
    detached: childrenDetached(),
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  let buf = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    buf += d;
    let i = buf.indexOf("\n");
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line, unparsed: true });
      }
      i = buf.indexOf("\n");
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + (o.startTimeoutMs ?? 20_000);
  let started: Record<string, unknown> | undefined;
  while (!(started = logs.find((l) => l.msg === "started"))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(
        `${o.main} did not start (exit ${child.exitCode}): ${stderr}\n${logs.map((l) => JSON.stringify(l)).join("\n")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const healthPort = Number(started.healthPort);
  const base = `http://127.0.0.1:${healthPort}`;
  return {
    child,
    identity: o.identity,
    logs,
    healthPort,
    exited,
    readyz: async () => {
      const res = await fetch(`${base}/readyz`);
      return { status: res.status, body: await res.text() };
    },
    metrics: async () => (await fetch(`${base}/metrics`)).text(),
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
