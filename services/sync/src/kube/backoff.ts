/** Exponential backoff with jitter, and an abortable sleep. */

export interface BackoffOptions {
  /** First delay (default 500 ms). */
  initialMs?: number;
  /** Ceiling for the delay (default 30 s). */
  maxMs?: number;
  /** Growth factor per consecutive failure (default 2). */
  factor?: number;
  /** Fraction of each delay that is randomised (default 0.5: delay in [d/2, d]). */
  jitter?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
  /** Consecutive failures since the last reset. */
  failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** this.failures);
    this.failures++;
    // Jitter spreads reconnects of many informers/replicas after a shared outage.
    return Math.round(base * (1 - this.jitter * Math.random()));
  }

  reset(): void {
    this.failures = 0;
  }
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
