import { describe, expect, it } from "vitest";
import { runGatekeeperLibraryTests } from "../../conformance/gklib.ts";

describe("gatekeeper-library Rego unit tests", () => {
  it("every test_ rule evaluates to true", () => {
    const results = runGatekeeperLibraryTests();
    expect(results.length).toBeGreaterThan(600);
    const failed = results.filter((r) => !r.ok).map((r) => `${r.dir} ${r.test}: ${r.reason}`);
    expect(failed).toEqual([]);
  });
});
