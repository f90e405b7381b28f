/*
 * The production tree (scripts/build-prod-tree.sh) and its services run as
 * processes the way the chart's Deployments run them: the container's args
 * and env as rendered, with the test's Redis/NATS/ports/kubeconfig swapped in.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "../harness/index.ts";
import type { Manifest } from "./chart.ts";
import { run } from "./chart.ts";

/** The tree as deploy/Dockerfile makes the image's /app: built, then its engine compile cache primed. */
export async function buildProdTree(out: string): Promise<void> {
  const res = await run("bash", [join(repoRoot, "scripts", "build-prod-tree.sh"), out], 300_000);
  if (res.code !== 0) throw new Error(`build-prod-tree.sh failed (${res.code}): ${res.stderr}`);
  const prime = await run(process.execPath, [join(out, "entrypoint.mjs"), "--prime"], 120_000);
  if (prime.code !== 0) throw new Error(`entrypoint.mjs --prime failed (${prime.code}): ${prime.stderr}`);
}

/** The env of a rendered Deployment's first container; fieldRefs resolved, secretKeyRefs left out. */
export function containerEnv(d: Manifest, pod: { name: string; namespace: string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of d.spec.template.spec.containers[0].env as any[]) {
    if (e.value !== undefined) out[e.name] = String(e.value);
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") out[e.name] = pod.name;
    else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") out[e.name] = pod.namespace;
  }
  return out;
}

/** A kubeconfig that acts as a ServiceAccount: the admin's, impersonating system:serviceaccount:<ns>:<sa>. */
export async function impersonatingKubeconfig(
  adminPath: string,
  namespace: string,
  sa: string,
): Promise<string> {
  const config = JSON.parse(await readFile(adminPath, "utf8"));
  for (const u of config.users) u.user.as = `system:serviceaccount:${namespace}:${sa}`;
  const path = `${adminPath}-sa-${namespace}-${sa}`;
  await writeFile(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

export interface TreeProcess {
  name: string;
  child: ChildProcess;
  logs: Record<string, unknown>[];
  started: Record<string, unknown>;
  stderr(): string;
  get(path: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

/** `node <tree>/entrypoint.mjs <args>` with exactly `env` (plus PATH/HOME), waiting for its "started" line. */
export async function startFromTree(
  tree: string,
  name: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<TreeProcess> {
  const child = spawn(process.execPath, [join(tree, "entrypoint.mjs"), ...args], {
    cwd: tree,
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NO_PROXY: "*", ...env },
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  let buf = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    buf += d;
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line, unparsed: true });
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + timeoutMs;
  let started: Record<string, unknown> | undefined;
  while (!(started = logs.find((l) => l.msg === "started"))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(
        `${name} from the production tree did not start (exit ${child.exitCode}): ${stderr}\n${logs.map((l) => JSON.stringify(l)).join("\n")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const healthPort = Number(started.healthPort);
  return {
    name,
    child,
    logs,
    started,
    stderr: () => stderr,
    get: async (path) => {
      const res = await fetch(`http://127.0.0.1:${healthPort}${path}`);
      return { status: res.status, body: await res.text() };
    },
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => {
        process.stderr.write(`${name} did not exit within 5 s of SIGTERM; killing it\n`);
        child.kill("SIGKILL");
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
