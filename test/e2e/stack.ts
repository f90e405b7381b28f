/*
 * The stack `portcullis up` starts, as a child process of a test file: one
 * per file (it takes ~10-20 s and two cores are shared), reached only the way
 * a user reaches it: its output, its state file, kubectl, NATS.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UpState } from "../../packages/cli/src/up/state.ts";
import type { UnitInfo } from "../../packages/cli/src/up/supervisor.ts";
import { loopbackEnv, repoRoot } from "../harness/index.ts";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Stack {
  child: ChildProcess;
  output(): string;
  kubeconfig: string;
  kubectlPath: string;
  stateFile: string;
  state(): UpState;
  unit(name: string): UnitInfo;
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
  /** SIGINT (Ctrl-C) and wait for the exit code. */
  interrupt(): Promise<number | null>;
  exited: Promise<number | null>;
  cleanup(): Promise<void>;
}

export async function startStack(args: string[], readyTimeoutMs = 240_000): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), "portcullis-e2e-"));
  const stateFile = join(dir, "state.json");
  const child = spawn(
    process.execPath,
    [join(repoRoot, "packages", "cli", "src", "main.ts"), "up", "--state-file", stateFile, ...args],
    { stdio: ["ignore", "pipe", "pipe"], env: loopbackEnv() },
  );
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const deadline = Date.now() + readyTimeoutMs;
  while (!/^portcullis: ready/m.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGINT");
      throw new Error(`portcullis up did not get ready (exit ${child.exitCode}):\n${out.slice(-8000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(out)![1]!;
  const state = (): UpState => JSON.parse(readFileSync(stateFile, "utf8"));
  const kubectlPath = state().kubectl;
  const kubectl = (a: string[], input?: string): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const k = spawn(
        kubectlPath,
        ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "kube-cache"), ...a],
        {
          env: loopbackEnv(),
          timeout: 60_000,
        },
      );
      let stdout = "";
      let stderr = "";
      k.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      k.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      k.on("error", reject);
      k.on("close", (code) => resolve({ code: code ?? 128, stdout, stderr }));
      k.stdin.end(input ?? "");
    });
  return {
    child,
    output: () => out,
    kubeconfig,
    kubectlPath,
    stateFile,
    state,
    unit: (name) => {
      const u = state().units.find((x) => x.name === name);
      if (!u) throw new Error(`no unit ${name} in the state file`);
      return u;
    },
    kubectl,
    interrupt: async () => {
      if (child.exitCode === null) child.kill("SIGINT");
      return exited;
    },
    exited,
    cleanup: async () => {
      if (child.exitCode === null) {
        child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of live processes whose command line mentions `needle`. */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, "utf8").includes(needle)) pids.push(Number(p));
    } catch {}
  }
  return pids;
}
