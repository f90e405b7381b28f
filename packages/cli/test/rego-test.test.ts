import { describe, expect, test } from "vitest";
import { runRegoTests } from "../src/commands/rego-test.ts";
import { cli, FIXTURES, LIBRARY_SRC } from "./helpers.ts";

const REGO = `${FIXTURES}/rego`;

describe("portcullis rego test", () => {
  test("fixture: passes, failures, skipped todo tests, summary and exit 1", async () => {
    const r = await cli("rego", "test", REGO);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    const status = lines
      .map((l) => /^(data\.\S+): (PASS|FAIL|ERROR|SKIPPED)\b/.exec(l))
      .filter((m) => m !== null)
      .map((m) => `${m[1]} ${m[2]}`);
    // Report lines first, then the FAILURES section repeats the failed ones.
    expect(status.slice(0, 9)).toEqual([
      "data.authz.test_alice_allowed PASS",
      "data.authz.test_bob_denied PASS",
      "data.authz.test_admin_function PASS",
      "data.authz.test_bob_allowed_fails FAIL",
      "data.authz.test_undefined_fails FAIL",
      "data.authz.todo_test_later SKIPPED",
      "data.authz.test_data_file PASS",
      "data.lib.strings_test.test_concat PASS",
      "data.lib.strings_test.test_with_data PASS",
    ]);
    expect(r.stdout).toMatch(/data\.authz\.test_alice_allowed: PASS \(\d+(\.\d+)?(ns|µs|ms|s)\)/);
    expect(r.stdout).toContain("FAILURES");
    expect(lines.slice(-5)).toEqual([
      "-".repeat(80),
      "PASS: 6/9",
      "FAIL: 2/9",
      "SKIPPED: 1/9",
      "6 passed, 2 failed",
    ]);
  });

  test("--run filters by full name; all passing exits 0", async () => {
    const r = await cli("rego", "test", REGO, "--run", "alice|strings_test");
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("3 passed, 0 failed");
  });

  test("compile errors are reported with file and row, exit 1", async () => {
    const r = await cli("rego", "test", `${FIXTURES}/manifests`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no .rego files found");
    const bad = await cli("rego", "test", `${FIXTURES}/rego-bad`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/rego-bad\/broken\.rego:4: rego_(parse|compile|unsafe_var)_error: /);
  });

  test("gatekeeper-library src: all 736 test rules found, named as opa test names them, and passing", async () => {
    const run = await runRegoTests([LIBRARY_SRC]);
    expect(run.errors).toEqual([]);
    expect(run.cases).toHaveLength(736);
    // The same package is split over several directories; duplicate test names get opa's #NN suffix.
    expect(run.cases.filter((c) => c.name.includes("#"))).toHaveLength(37);
    expect(run.cases.map((c) => c.name)).toContain("data.capabilities.test_input_all_allowed#01");
    // opa test passes all of them.
    const failed = run.cases
      .filter((c) => c.status !== "PASS")
      .map((c) => `${c.name}: ${c.status} ${c.error ?? ""}`);
    expect(failed).toEqual([]);
  });
});
