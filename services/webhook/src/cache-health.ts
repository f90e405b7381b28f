/*
 * Whether the policy cache (Redis) is reachable, with a timeout: a hung
 * Redis (a stalled node, a network partition) never answers a PING, so a
 * probe without one would report "connected" forever. Used for the
 * portcullis_webhook_cache_connected metric, /readyz's reason and the logs;
 * the webhook keeps serving its last good state either way.
 */
import type { RedisClient } from "@portcullis/cache";
import type { Logger } from "@portcullis/service";

export class CacheHealth {
  readonly #redis: RedisClient;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  #connected = false;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = false;
  #since = Date.now();

  constructor(redis: RedisClient, log: Logger, opts: { intervalMs?: number; timeoutMs?: number } = {}) {
    this.#redis = redis;
    this.#log = log;
    this.#timeoutMs = opts.timeoutMs ?? 1000;
    this.#timer = setInterval(() => void this.#probe(), opts.intervalMs ?? 500);
    this.#timer.unref();
    void this.#probe();
  }

  get connected(): boolean {
    return this.#connected;
  }

  async #probe(): Promise<void> {
    if (this.#inFlight) {
      // The previous PING is still unanswered past the interval: that is an outage already.
      if (Date.now() - this.#since > this.#timeoutMs) this.#set(false, "no answer");
      return;
    }
    this.#inFlight = true;
    this.#since = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#redis.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no PONG within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
      this.#set(true);
    } catch (e) {
      this.#set(false, e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
      this.#inFlight = false;
    }
  }

  #set(connected: boolean, reason?: string): void {
    if (connected === this.#connected) return;
    this.#connected = connected;
    if (connected) this.#log.info("policy cache reachable again", {});
    else this.#log.warn("policy cache unreachable: serving the last good policy state", { reason });
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
