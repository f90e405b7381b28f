/** The cache's epoch key is gone (or was replaced): Redis lost its data. Re-run init() and rebuild. */
export class EpochLostError extends Error {
  /** The epoch this writer was writing to. */
  readonly expected: string;
  /** What Redis holds now ("" when the key is absent). */
  readonly found: string;
  constructor(expected: string, found: string) {
    super(
      `cache epoch lost: writer holds epoch ${JSON.stringify(expected)} but Redis has ` +
        (found === "" ? "none (Redis restarted empty or was flushed)" : JSON.stringify(found)) +
        "; call init() and rebuild the cache",
    );
    this.name = "EpochLostError";
    this.expected = expected;
    this.found = found;
  }
}

/** A writer with a newer fencing token has written: this writer was deposed. */
export class FencedError extends Error {
  readonly token: number;
  readonly highest: number;
  constructor(token: number, highest: number) {
    super(`cache write fenced: token ${token} is lower than ${highest}, which another writer has presented`);
    this.name = "FencedError";
    this.token = token;
    this.highest = highest;
  }
}

/** load() gave up: the stream kept being trimmed (or the epoch kept changing) under it. */
export class LoadRetriesExhaustedError extends Error {
  constructor(attempts: number, lastReason: string) {
    super(
      `cache load() gave up after ${attempts} attempts (last: ${lastReason}); ` +
        "the change stream is trimmed faster than a snapshot can be read: raise the writer's streamMaxLen",
    );
    this.name = "LoadRetriesExhaustedError";
  }
}
