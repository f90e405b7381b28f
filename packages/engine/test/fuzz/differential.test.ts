/**
 * fuzz:rego's CI budget: 300 generated programs (fixed seed) through the
 * reference `opa` (.cache/bin/opa) and the engine; they must all agree.
 */
import { existsSync } from "node:fs";
import { expect, test } from "vitest";
import { OPA_PATH } from "../../fuzz/rego/opa.ts";
import { describe as show } from "../../fuzz/rego/outcome.ts";
import { fuzz } from "../../fuzz/rego/run.ts";

test("fuzz:rego: 300 programs agree with opa", { timeout: 120_000 }, async () => {
  if (!existsSync(OPA_PATH))
    throw new Error(
      `reference opa not found at ${OPA_PATH}: run \`bash scripts/setup-go-tools.sh\` (needs Go)`,
    );
  const report = await fuzz({ seed: 1, n: 300, shrink: false });
  const lines = report.findings.map(
    (f) =>
      `program ${f.index}: opa ${show(f.opa)} | engine ${show(f.engine)}\n${f.program.modules.map((m) => m.source).join("\n")}`,
  );
  expect(report.programs).toBe(300);
  expect(report.disagreements, lines.join("\n\n")).toBe(0);
});
