/*
 * Graceful shutdown: on SIGTERM/SIGINT run the registered steps in reverse
 * order of registration (last started, first stopped), each bounded by a
 * timeout, then exit. A second signal exits at once.
 */
import type { Logger } from "./log.ts";

type Step = { name: string; run: () => Promise<void> | void };

export interface Shutdown {
  /** Registers a step; steps run last-registered first. */
  add(name: string, run: () => Promise<void> | void): void;
  /** Runs the steps (also what the signal handlers call). */
  run(reason: string, code?: number): Promise<never>;
  readonly stopping: boolean;
}

export function installShutdown(log: Logger, opts: { timeoutMs?: number } = {}): Shutdown {
  const steps: Step[] = [];
  let stopping = false;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const run = async (reason: string, code = 0): Promise<never> => {
    if (stopping) {
      log.warn("second shutdown request: exiting now", { reason });
      process.exit(code || 1);
    }
    stopping = true;
    log.info("shutting down", { reason });
    for (const step of [...steps].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (e) {
        log.error("shutdown step failed", { step: step.name, err: e });
      } finally {
        clearTimeout(timer);
      }
    }
    log.info("stopped", { reason });
    process.exit(code);
  };
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => void run(sig));
  return {
    add: (name, fn) => steps.push({ name, run: fn }),
    run,
    get stopping() {
      return stopping;
    },
  };
}
