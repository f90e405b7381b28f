/*
 * What `portcullis up` starts when it is not given one: nats-server -js
 * (restarted on the same port and store when it dies, so a NATS restart is a
 * fault the stack recovers from), the kubectl runner, and the manifests of
 * the -f folders.
 */
import { spawn } from "node:child_process";
import { readdir, readFile, readlink, stat } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort, loopbackEnv, type ManagedProcess, startProcess, waitUntil } from "@portcullis/testkit";
import { parseAllDocuments } from "yaml";
import type { Print } from "./supervisor.ts";

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

export interface Nats {
  url: string;
  pid(): number | undefined;
  stop(): Promise<void>;
}

export async function startNats(dir: string, print: Print): Promise<Nats> {
  const port = await freePort();
  let proc: ManagedProcess;
  let pid: number | undefined;
  let stopping = false;
  const launch = async (): Promise<void> => {
    proc = startProcess(
      "nats-server",
      "nats-server",
      ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", join(dir, "jetstream")],
      join(dir, "nats.log"),
    );
    await waitUntil(
      `nats-server on 127.0.0.1:${port}`,
      async () => ((await tcpOpen(port)) ? true : undefined),
      {
        timeoutMs: 15_000,
        intervalMs: 50,
        process: proc,
      },
    );
    pid = await pidOnPort(port);
    print(`[nats] nats-server -js on nats://127.0.0.1:${port} (pid ${pid ?? "?"}, log ${proc.logPath})`);
    const mine = proc;
    void mine.exited.then(async (code) => {
      if (stopping) return;
      pid = undefined;
      print(`[nats] exited (${code}); restarting in 1s`);
      await new Promise((r) => setTimeout(r, 1000));
      if (!stopping) await launch().catch((e) => print(`[nats] restart failed: ${(e as Error).message}`));
    });
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: () => pid,
    stop: async () => {
      stopping = true;
      await proc.stop();
    },
  };
}

/** The pid listening on a loopback port, from /proc/net/tcp (Linux), for the state file. */
export async function pidOnPort(port: number): Promise<number | undefined> {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, "0");
    const inodes = new Set<string>();
    for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      const text = await readFile(f, "utf8").catch(() => "");
      for (const line of text.split("\n").slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols[1]?.endsWith(`:${hex}`) && cols[3] === "0A") inodes.add(cols[9]!);
      }
    }
    for (const p of await readdir("/proc")) {
      if (!/^\d+$/.test(p)) continue;
      const fds = await readdir(`/proc/${p}/fd`).catch(() => [] as string[]);
      for (const fd of fds) {
        const link = await readlink(`/proc/${p}/fd/${fd}`).catch(() => "");
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m && inodes.has(m[1]!)) return Number(p);
      }
    }
  } catch {}
  return undefined;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectlRunner(kubectl: string, kubeconfig: string) {
  return (args: string[], input?: string): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(kubectl, ["--kubeconfig", kubeconfig, ...args], {
        env: loopbackEnv(),
        timeout: 60_000,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 128, stdout, stderr }));
      child.stdin.end(input ?? "");
    });
}

export interface PolicyManifests {
  crds: string[];
  templates: { kind: string; yaml: string }[];
  /** Constraints, Config, SyncSet: applied once their CRDs exist. */
  rest: string[];
  skipped: string[];
}

async function yamlFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const out: string[] = [];
  for (const e of (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...(await yamlFiles(p)));
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

/**
 * The policy resources in the folders: CRDs, ConstraintTemplates,
 * constraints, Config and SyncSet. Anything else (gator Suites, the sample
 * objects next to them) is listed as skipped: those are for `portcullis
 * test` or for trying the policy with kubectl.
 */
export async function loadPolicyManifests(paths: string[]): Promise<PolicyManifests> {
  const m: PolicyManifests = { crds: [], templates: [], rest: [], skipped: [] };
  for (const path of paths) {
    for (const file of await yamlFiles(path)) {
      for (const doc of parseAllDocuments(await readFile(file, "utf8"))) {
        const obj = doc.toJS() as Record<string, any> | null;
        if (!obj || typeof obj !== "object") continue;
        const apiVersion = String(obj.apiVersion ?? "");
        const kind = String(obj.kind ?? "");
        const yaml = doc.toString();
        if (kind === "CustomResourceDefinition") m.crds.push(yaml);
        else if (kind === "ConstraintTemplate" && apiVersion.startsWith("templates.gatekeeper.sh/"))
          m.templates.push({ kind: String(obj.spec?.crd?.spec?.names?.kind ?? ""), yaml });
        else if (
          apiVersion.startsWith("constraints.gatekeeper.sh/") ||
          apiVersion.startsWith("config.gatekeeper.sh/") ||
          apiVersion.startsWith("syncset.gatekeeper.sh/")
        )
          m.rest.push(yaml);
        else m.skipped.push(`${file}: ${kind || "(no kind)"} ${obj.metadata?.name ?? ""}`.trim());
      }
    }
  }
  return m;
}
