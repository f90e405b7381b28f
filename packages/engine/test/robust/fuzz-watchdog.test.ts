// fuzz:robust's watchdog: an input that never returns is a crash with the input saved, and the run goes on.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

const ROBUST = new URL("../../fuzz/robust.ts", import.meta.url).pathname;

describe("fuzz:robust watchdog", () => {
  test("a hang is reported as a crash, its input saved, and the next inputs still run", () => {
    const seed = 90_001;
    const dir = join(tmpdir(), `portcullis-fuzz-robust-${seed}`);
    rmSync(dir, { recursive: true, force: true });
    const out = execFileSync(
      process.execPath,
      [ROBUST, "--n", "12", "--seed", String(seed), "--hang-at", "4", "--watchdog-ms", "1500"],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(out).toMatch(/crash #1 at input 4: hang: no progress for 1500 ms \(watchdog\)/);
    expect(out.trim().split("\n").at(-1)).toBe(`inputs=12 crashes=1 seed=${seed}`);
    expect(existsSync(join(dir, "crash-4.rego"))).toBe(true);
    expect(readFileSync(join(dir, "crash-4.txt"), "utf8")).toContain("watchdog");
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);
});
