/*
 * What the webhook evaluates with: the mirror's current Client, except right
 * after Redis lost its data. Then the mirror reloads an empty cache, and then
 * sees sync rebuild it collection by collection; answering from those
 * in-between states would allow what the cluster's policy denies. So on an
 * epoch change (or an empty cache) the previous Client keeps serving until
 * the new state has been quiet for `settleMs` (at most `maxHoldMs`).
 * Reloads within one epoch (a reader that fell behind the stream) load a
 * consistent snapshot and are served at once.
 */
import type { Client } from "@portcullis/engine";
import type { PolicyMirror } from "@portcullis/mirror";
import type { Logger } from "@portcullis/service";
import type { PolicySource } from "./admission.ts";

type Obj = Record<string, unknown>;

export class StablePolicy implements PolicySource {
  readonly #mirror: PolicyMirror;
  readonly #log: Logger;
  readonly #settleMs: number;
  readonly #maxHoldMs: number;
  #held: Client | undefined;
  #holdSince = 0;
  #timer: NodeJS.Timeout | undefined;
  #epoch = "";
  #everReady = false;
  readonly #unsubscribe: () => void;

  constructor(mirror: PolicyMirror, log: Logger, o: { settleMs?: number; maxHoldMs?: number } = {}) {
    this.#mirror = mirror;
    this.#log = log;
    this.#settleMs = o.settleMs ?? 500;
    this.#maxHoldMs = o.maxHoldMs ?? 30_000;
    this.#last = mirror.client;
    // The mirror emits after it swapped its Client, so #last is the one served before this event.
    this.#unsubscribe = mirror.onChange((c) => {
      if (c.op === "reload") {
        const lost = c.epoch === "" || (this.#epoch !== "" && c.epoch !== this.#epoch);
        if (lost && this.#everReady && this.#held === undefined) {
          this.#held = this.#last;
          this.#holdSince = Date.now();
          this.#log.warn(
            "policy cache lost its data: serving the last good state until sync has rebuilt it",
            {
              epoch: c.epoch,
            },
          );
        }
        if (c.epoch !== "") this.#epoch = c.epoch;
      }
      if (this.#held !== undefined) this.#settle();
      else this.#last = mirror.client;
      if (mirror.readiness().ready) this.#everReady = true;
    });
  }

  #last: Client;

  /** Releases the held Client once the rebuilt cache has been quiet for settleMs (or maxHoldMs passed). */
  #settle(): void {
    clearTimeout(this.#timer);
    const left = this.#maxHoldMs - (Date.now() - this.#holdSince);
    // An empty cache is never served: keep checking until sync has written it.
    const wait = this.#mirror.epoch === "" ? this.#settleMs : Math.max(0, Math.min(this.#settleMs, left));
    this.#timer = setTimeout(() => {
      if (this.#mirror.epoch === "") return this.#settle();
      this.#held = undefined;
      this.#last = this.#mirror.client;
      this.#log.info("policy cache rebuilt: serving it", {
        epoch: this.#mirror.epoch,
        revision: this.#mirror.revision,
      });
    }, wait);
    this.#timer.unref();
  }

  get holding(): boolean {
    return this.#held !== undefined;
  }

  get client(): Client {
    return this.#held ?? this.#mirror.client;
  }

  namespace(name: string): Obj | undefined {
    return this.#mirror.namespace(name);
  }

  config(): Obj | undefined {
    return this.#mirror.config();
  }

  /** Ready once the first snapshot was served, and from then on: an emptied cache does not unready every replica at once. */
  readiness(): { ready: boolean; reason?: string } {
    const r = this.#mirror.readiness();
    if (r.ready) this.#everReady = true;
    if (this.#held !== undefined)
      return { ready: true, reason: "serving the last good state while the cache is rebuilt" };
    if (!r.ready && this.#everReady)
      return { ready: true, reason: `last good state (${r.reason ?? "cache not ready"})` };
    return r;
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#unsubscribe();
  }
}
