/**
 * The done-criterion of `verify`: every case of every gatekeeper-library suite passes
 * in the default (CEL preferred) mode and in Rego-only mode.
 */
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { verifyCommand } from "../src/commands/verify.ts";
import { bufferIO } from "../src/lib/io.ts";

const LIBRARY = resolve(import.meta.dirname, "../../../../shared/corpus/gatekeeper-library/library");

async function run(...flags: string[]) {
  const io = bufferIO();
  const code = await verifyCommand([...flags, `${LIBRARY}/...`], io);
  const summary = /^(\d+) passed, (\d+) failed$/m.exec(io.stdout);
  return { code, out: io.stdout, passed: Number(summary?.[1]), failed: Number(summary?.[2]) };
}

describe("verify over gatekeeper-library", () => {
  for (const [mode, flags] of [
    ["CEL preferred", []],
    ["Rego only", ["--enable-k8s-native-validation=false"]],
  ] as [string, string[]][]) {
    test(mode, async () => {
      const r = await run("-v", ...flags);
      const failedCases: string[] = [];
      let pending: string[] = [];
      for (const line of r.out.split("\n")) {
        const c = /^ {4}--- FAIL: (.*?)\t/.exec(line);
        if (c) pending.push(c[1]);
        const t = /^--- (?:PASS|FAIL): (.*?)\t/.exec(line);
        if (t) {
          failedCases.push(...pending.map((n) => `${t[1]}/${n}`));
          pending = [];
        }
      }
      // Test-level errors (template/constraint loading) never happen.
      expect(r.out).not.toMatch(/^ {2}\S/m);
      expect(failedCases, r.out).toEqual([]);
      // 39 suites holding 199 cases, every one passing.
      expect(r.out.match(/^ok\t/gm)?.length).toBe(39);
      expect([r.passed, r.failed]).toEqual([199, 0]);
      expect(r.code).toBe(0);
    });
  }
});
