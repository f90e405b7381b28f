import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A port the kernel just handed out on 127.0.0.1 (free unless someone races us for it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port from listen(0)"));
      });
    });
  });
}

export interface ManagedProcess {
  readonly name: string;
  readonly logPath: string;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  running(): boolean;
  /** The last lines of its combined stdout/stderr, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/* Children still alive when the test worker exits (a crashed test file, a
 * forgotten stop()) are killed so they do not outlive the run. */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** Proxies would route the API server's webhook calls (and kubectl) away from loopback. */
export function loopbackEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (/^(https?|all|no)_proxy$/i.test(key)) delete env[key];
  }
  env.NO_PROXY = env.no_proxy = "127.0.0.1,localhost";
  return env;
}

let detached = false;
/**
 * Start children in their own process group, so a terminal's Ctrl-C reaches
 * only the parent, which then stops them in order (`portcullis up`). Off for
 * tests: there the terminal's SIGINT is what stops an interrupted run's children.
 */
export function detachChildren(on: boolean): void {
  detached = on;
}
export const childrenDetached = (): boolean => detached;

export function startProcess(name: string, command: string, args: string[], logPath: string): ManagedProcess {
  const fd = openSync(logPath, "a");
  const child = spawn(command, args, { stdio: ["ignore", fd, fd], env: loopbackEnv(), detached });
  closeSync(fd); // the child holds its own copy
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? "unknown");
    });
    child.once("error", (error) => {
      live.delete(child);
      resolve(`spawn failed: ${error.message}`);
    });
  });
  const logTail = (lines = 40): string => {
    try {
      return readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  };
  const running = (): boolean => live.has(child);
  const stop = async (graceMs = 5000): Promise<void> => {
    if (!running()) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { name, logPath, exited, running, logTail, stop };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a value other than undefined, failing early
 * if `process` exits, and after `timeoutMs` with `what` and the last error.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; process?: ManagedProcess },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.process && !options.process.running()) {
      const code = await options.process.exited;
      throw new Error(
        `${options.process.name} exited (${code}) while waiting for ${what}; its log (${options.process.logPath}):\n${options.process.logTail()}`,
      );
    }
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const last = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
      const log = options.process ? `\n${options.process.name} log:\n${options.process.logTail()}` : "";
      throw new Error(`timed out after ${options.timeoutMs}ms waiting for ${what}${last}${log}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}
