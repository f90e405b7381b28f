/**
 * Runs the gatekeeper-library Rego unit tests (src/ ** /src_test.rego) with
 * this engine: every `test_*` rule must evaluate to true.
 * `node packages/engine/conformance/gklib.ts [-v]`
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { compile, type ModuleInput, RegoError } from "../src/rego/index.ts";

export interface GkResult {
  dir: string;
  test: string;
  ok: boolean;
  reason?: string;
}

export function gkRoot(): string {
  return new URL("../../../../shared/corpus/gatekeeper-library/src", import.meta.url).pathname;
}

function regoFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? regoFiles(p) : e.endsWith(".rego") ? [p] : [];
  });
}

export function runGatekeeperLibraryTests(root = gkRoot()): GkResult[] {
  const libs: ModuleInput[] = regoFiles(join(root, "rego"))
    .filter((f) => !f.endsWith("_test.rego"))
    .map((f) => ({ file: f, source: readFileSync(f, "utf8"), regoVersion: 0 }));
  const out: GkResult[] = [];
  for (const group of ["general", "pod-security-policy"]) {
    for (const d of readdirSync(join(root, group)).sort()) {
      const dir = join(root, group, d);
      const files = regoFiles(dir);
      if (!files.some((f) => f.endsWith("_test.rego"))) continue;
      const mods: ModuleInput[] = files.map((f) => ({
        file: f,
        source: readFileSync(f, "utf8"),
        regoVersion: 0,
      }));
      try {
        const policy = compile([...mods, ...libs], { regoVersion: 0 });
        const tests = policy.rules().filter((r) => r.name.startsWith("test_") && r.kind === "value");
        const seen = new Set<string>();
        for (const t of tests) {
          const ref = `data.${t.path.join(".")}.${t.name}`;
          if (seen.has(ref)) continue;
          seen.add(ref);
          try {
            const rows = policy.prepare(`x := ${ref}`).eval({ deadline: Date.now() + 10000 });
            const ok = rows.length === 1 && rows[0].x === true;
            out.push({
              dir: `${group}/${d}`,
              test: t.name,
              ok,
              reason: ok ? undefined : JSON.stringify(rows),
            });
          } catch (e) {
            out.push({ dir: `${group}/${d}`, test: t.name, ok: false, reason: (e as Error).message });
          }
        }
      } catch (e) {
        out.push({
          dir: `${group}/${d}`,
          test: "(compile)",
          ok: false,
          reason: e instanceof RegoError ? e.message : String(e),
        });
      }
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rs = runGatekeeperLibraryTests();
  const failed = rs.filter((r) => !r.ok);
  for (const r of failed) console.log(`FAIL ${r.dir} ${r.test}: ${(r.reason ?? "").slice(0, 300)}`);
  console.log(`${rs.length - failed.length} passed, ${failed.length} failed`);
}
