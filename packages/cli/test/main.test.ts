import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { shouldColor } from "../src/lib/io.ts";
import { cli, EXAMPLES, ROOT } from "./helpers.ts";

describe("dispatcher", () => {
  test("no arguments prints the command list to stderr and exits 2", async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Commands:\n {2}test .*\n {2}verify .*\n {2}rego .*\n {2}eval /);
  });

  test("--help exits 0", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage:\n  portcullis <command> [flags]");
  });

  test.each([["test"], ["eval"], ["rego", "test"], ["rego"]])("%s --help", async (...cmd) => {
    const r = await cli(...cmd, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage:");
    expect(r.stderr).toBe("");
  });

  test("unknown command and bad flags are usage errors (exit 2)", async () => {
    expect((await cli("frobnicate")).code).toBe(2);
    const bad = await cli("test", "--frob");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("Error: unknown flag: --frob\nRun 'portcullis test --help' for usage.\n");
    expect((await cli("test", "-o", "xml", "-f", "x")).code).toBe(2);
    expect((await cli("rego", "test")).code).toBe(2);
    expect((await cli("rego", "test", "x", "--run", "(")).code).toBe(2);
    expect((await cli("eval")).code).toBe(2);
    expect((await cli("eval", "a", "b")).code).toBe(2);
  });

  test("colour only on a TTY without NO_COLOR, or when forced", () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({}, {})).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(shouldColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(shouldColor({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
  });
});

describe("entry points", () => {
  test("the bin shim runs the CLI under plain node", () => {
    const out = execFileSync(process.execPath, [
      resolve(ROOT, "packages/cli/bin/portcullis.js"),
      "--version",
    ]);
    expect(out.toString()).toBe("portcullis 0.1.0\n");
  });

  test("every bundled example's suite passes under verify", async () => {
    const r = await cli("verify", `${EXAMPLES}/...`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("7 passed, 0 failed");
  });
});
