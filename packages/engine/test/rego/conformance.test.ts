import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultRoot, runTree } from "../../conformance/core.ts";

const floor = JSON.parse(
  readFileSync(new URL("../../conformance/floor.json", import.meta.url), "utf8"),
) as Record<string, number>;

describe("OPA conformance", () => {
  for (const tree of ["v0", "v1"]) {
    it(`${tree} passes at least the recorded floor`, () => {
      const results = runTree(join(defaultRoot(), tree));
      const passed = results.filter((r) => r.ok).length;
      expect(results.length).toBeGreaterThan(900);
      expect(passed).toBeGreaterThanOrEqual(floor[tree]);
    });
  }
});
