/**
 * `portcullis verify` and the reference `gator verify` (built by setup into
 * .cache/bin) must agree on every test and case of every gatekeeper-library
 * suite, in both modes (CEL preferred, and Rego only).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { verifyCommand } from "../src/commands/verify.ts";

const ROOT = resolve(import.meta.dirname, "../../..");
const LIBRARY = resolve(ROOT, "../shared/corpus/gatekeeper-library/library");
const GATOR = join(ROOT, ".cache/bin/gator");

function suiteDirs(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? suiteDirs(p) : e === "suite.yaml" ? [dirname(p)] : [];
  });
}

/** "--- PASS: name" / "--- FAIL: name" lines of `-v` output, indented cases under their test. */
function outcomes(text: string): string[] {
  const rows: string[] = [];
  let pendingCases: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\s*)--- (PASS|FAIL|SKIP): (.*?)\s+\(/.exec(line);
    if (!m) continue;
    if (m[1].length > 0) pendingCases.push(`${m[3]}=${m[2]}`);
    else {
      rows.push(`${m[3]}=${m[2]}`, ...pendingCases.map((c) => `${m[3]}/${c}`));
      pendingCases = [];
    }
  }
  return rows.sort();
}

async function ours(dir: string, celEnabled: boolean): Promise<string> {
  let out = "";
  const io = {
    out: (s: string) => void (out += `${s}\n`),
    err: (s: string) => void (out += `${s}\n`),
    color: false,
  };
  await verifyCommand(["-v", ...(celEnabled ? [] : ["--enable-k8s-native-validation=false"]), dir], io);
  return out;
}

function theirs(dir: string, celEnabled: boolean): string {
  try {
    return execFileSync(GATOR, ["verify", "-v", `--enable-k8s-native-validation=${celEnabled}`, dir], {
      encoding: "utf8",
    });
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? "");
  }
}

for (const cel of [true, false]) {
  describe(`gator verify vs portcullis verify (${cel ? "CEL preferred" : "Rego only"})`, () => {
    for (const dir of suiteDirs(LIBRARY).sort()) {
      test(relative(LIBRARY, dir), async () => {
        if (!existsSync(GATOR))
          throw new Error(`reference gator not found at ${GATOR}: run \`bash scripts/setup.sh\` (needs Go)`);
        const want = outcomes(theirs(dir, cel));
        expect(want.length).toBeGreaterThan(0);
        expect(outcomes(await ours(dir, cel))).toEqual(want);
      });
    }
  });
}
