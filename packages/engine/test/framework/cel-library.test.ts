import { relative } from "node:path";
import { describe, expect, test } from "vitest";
import { LIBRARY, readDocs, runSuite, suiteFiles } from "./library-suites.ts";

// Suites whose template carries K8sNativeValidation code: in CEL-preferred mode every
// case must pass through the CEL driver.
const celSuites = suiteFiles().filter((f) =>
  JSON.stringify(readDocs(f.replace(/suite\.yaml$/, "template.yaml"))).includes("K8sNativeValidation"),
);

describe("gatekeeper-library CEL templates", () => {
  test("the library has CEL templates to check", () => {
    expect(celSuites.length).toBeGreaterThanOrEqual(13);
  });
  for (const file of celSuites) {
    test(relative(LIBRARY, file), () => {
      const rows = runSuite(file, true);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.engine).toBe("K8sNativeValidation");
        expect(r.problem, `${r.test}/${r.case}`).toBeUndefined();
        expect(r.ok).toBe(true);
      }
    });
  }
});
