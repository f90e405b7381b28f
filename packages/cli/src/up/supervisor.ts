/*
 * The child processes of `portcullis up`: each service runs as
 * `node services/<name>/src/main.ts` through the test harness' startService
 * (found ready by its "started" log line and /readyz), its JSON log lines
 * reprinted with a `[name]` prefix. A unit that exits while the stack is up
 * is started again after a second, as a Deployment's pod would be.
 */
import type { ChildProcess } from "node:child_process";
import { type ServiceProcess, startService } from "@portcullis/testkit";

export type Print = (line: string) => void;

export interface UnitInfo {
  name: string;
  pid: number | undefined;
  healthPort: number | undefined;
  /** The webhook's HTTPS port. */
  port?: number | undefined;
  restarts: number;
}

export interface Unit {
  readonly name: string;
  info(): UnitInfo;
  /** GET /readyz is 200. */
  ready(): Promise<boolean>;
  /** Resolves once the unit has started for the first time. */
  started: Promise<void>;
  stop(): Promise<void>;
}

const KEEP_LOGS = 200;

function formatLog(line: Record<string, unknown>): string {
  if (line.unparsed) return String(line.msg);
  const { time: _t, level, msg, service: _s, ...rest } = line;
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : "";
  return `${String(level ?? "info")} ${String(msg ?? "")}${extra}`;
}

function prefixStream(child: ChildProcess, prefix: string, print: Print, logs: unknown[]): void {
  let buf = "";
  child.stdout?.on("data", (d: string) => {
    buf += d;
    let i = buf.indexOf("\n");
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = { msg: line, unparsed: true };
      }
      print(`${prefix} ${formatLog(parsed)}`);
      i = buf.indexOf("\n");
    }
    // startService keeps every line; a long-running stack keeps only the tail.
    if (logs.length > KEEP_LOGS) logs.splice(0, logs.length - KEEP_LOGS);
  });
  child.stderr?.on("data", (d: string) => {
    for (const l of d.split("\n")) if (l.trim()) print(`${prefix} stderr ${l}`);
  });
}

export interface ServiceUnitOptions {
  name: string;
  main: string;
  args: string[];
  print: Print;
  /** Called after every (re)start, e.g. to rewrite the state file. */
  onChange?: () => void;
  startTimeoutMs?: number;
}

/** A service process, restarted when it dies while the stack is up. */
export function serviceUnit(o: ServiceUnitOptions): Unit {
  let current: ServiceProcess | undefined;
  let stopping = false;
  let restarts = 0;
  const prefix = `[${o.name}]`;

  const launch = async (): Promise<void> => {
    const p = await startService({
      main: o.main,
      args: o.args,
      identity: o.name,
      ...(o.startTimeoutMs ? { startTimeoutMs: o.startTimeoutMs } : {}),
    });
    // Lines logged before "started" are in p.logs already; print them once.
    for (const l of p.logs) o.print(`${prefix} ${formatLog(l as Record<string, unknown>)}`);
    prefixStream(p.child, prefix, o.print, p.logs);
    current = p;
    o.print(`${prefix} pid ${p.child.pid}, ops port ${p.healthPort}`);
    o.onChange?.();
    void p.exited.then(async (code) => {
      if (stopping || current !== p) return;
      o.print(`${prefix} exited (${code ?? p.child.signalCode}); restarting in 1s`);
      await new Promise((r) => setTimeout(r, 1000));
      if (stopping) return;
      restarts++;
      await launch().catch((e) => o.print(`${prefix} restart failed: ${(e as Error).message}`));
    });
  };

  const started = launch();
  return {
    name: o.name,
    started,
    info: () => {
      const started = current?.logs.find((l) => l.msg === "started");
      return {
        name: o.name,
        pid: current?.child.exitCode === null ? current.child.pid : undefined,
        healthPort: current?.healthPort,
        port: started?.port !== undefined ? Number(started.port) : undefined,
        restarts,
      };
    },
    ready: async () => {
      if (!current || current.child.exitCode !== null) return false;
      try {
        return (await current.readyz()).status === 200;
      } catch {
        return false;
      }
    },
    stop: async () => {
      stopping = true;
      await started.catch(() => {});
      const p = current;
      if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
      const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
      await p.stop();
      clearTimeout(timer);
    },
  };
}
