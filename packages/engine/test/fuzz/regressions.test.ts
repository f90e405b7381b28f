/**
 * Every disagreement fuzz:rego found, shrunk, with OPA's outcome recorded
 * (`want`): the engine must now agree, without opa on the machine.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readCase } from "../../fuzz/rego/case.ts";
import { runEngine } from "../../fuzz/rego/engine.ts";
import { agree, describe as show } from "../../fuzz/rego/outcome.ts";

const DIR = join(import.meta.dirname, "cases");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();

describe("fuzz:rego regressions", () => {
  test("there are cases", () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    test(f, () => {
      const c = readCase(join(DIR, f));
      const got = runEngine(c.program);
      expect(agree(c.want, got), `${c.note}\nwant ${show(c.want)}\ngot  ${show(got)}`).toBe(true);
    });
  }
});
