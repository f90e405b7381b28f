/**
 * `portcullis test` and the reference `gator test` (built by setup into
 * .cache/bin) must report the same violations — constraint, action, message
 * and violating object — and the same exit code for every gatekeeper-library
 * template run against each of its sample directories (constraint + examples),
 * and for a folder whose constraints match the templates and constraints
 * themselves (gator reviews those too).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { cli, FIXTURES, ROOT } from "./helpers.ts";

const LIBRARY = resolve(ROOT, "../shared/corpus/gatekeeper-library/library");
const GATOR = join(ROOT, ".cache/bin/gator");

/** [template.yaml, sample dir] for every template that has samples. */
function cases(dir: string): [string, string][] {
  const out: [string, string][] = [];
  const entries = readdirSync(dir);
  if (entries.includes("template.yaml") && entries.includes("samples")) {
    const samples = join(dir, "samples");
    for (const s of readdirSync(samples).sort()) {
      if (statSync(join(samples, s)).isDirectory()) out.push([join(dir, "template.yaml"), join(samples, s)]);
    }
  }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (e !== "samples" && statSync(p).isDirectory()) out.push(...cases(p));
  }
  return out;
}

type Row = Record<string, any>;

/** One comparable line per violation; order-free, as gator's own order is map order. */
function rows(json: string): string[] {
  const parsed = (json.trim() ? JSON.parse(json) : []) as Row[] | null;
  return (parsed ?? [])
    .map((r) =>
      JSON.stringify([
        r.constraint?.kind,
        r.constraint?.metadata?.name,
        r.enforcementAction,
        r.msg,
        r.violatingObject?.kind,
        r.violatingObject?.metadata?.namespace ?? "",
        r.violatingObject?.metadata?.name,
      ]),
    )
    .sort();
}

function theirs(args: string[]): { code: number; stdout: string } {
  try {
    return {
      code: 0,
      stdout: execFileSync(GATOR, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
    };
  } catch (e) {
    const err = e as { status?: number; stdout?: string };
    return { code: err.status ?? -1, stdout: String(err.stdout ?? "") };
  }
}

describe("gator test vs portcullis test on gatekeeper-library samples", () => {
  for (const [template, sample] of cases(LIBRARY)) {
    test(relative(LIBRARY, sample), async () => {
      if (!existsSync(GATOR))
        throw new Error(`reference gator not found at ${GATOR}: run \`bash scripts/setup.sh\` (needs Go)`);
      const args = ["test", "-f", template, "-f", sample, "-o", "json"];
      const want = theirs(args);
      const got = await cli(...args);
      expect(rows(got.stdout)).toEqual(rows(want.stdout));
      expect(got.code).toBe(want.code);
    });
  }
});

describe("gator test vs portcullis test: the policies in the folder are reviewed as objects too", () => {
  const dir = join(FIXTURES, "policies-as-objects");
  /** Whole rows: the violating object and the constraint as printed, every field. */
  const full = (json: string): string[] =>
    (((json.trim() ? JSON.parse(json) : []) as Row[] | null) ?? []).map((r) => JSON.stringify(r)).sort();
  const lines = (text: string): string[] => text.split("\n").filter(Boolean).sort();

  test("-o json: the same rows, templates and constraints among the violating objects", async () => {
    if (!existsSync(GATOR))
      throw new Error(`reference gator not found at ${GATOR}: run \`bash scripts/setup.sh\` (needs Go)`);
    const want = theirs(["test", "-f", dir, "-o", "json"]);
    const got = await cli("test", "-f", dir, "-o", "json");
    expect(full(got.stdout)).toEqual(full(want.stdout));
    expect(got.code).toBe(want.code);
    const kinds = new Set((JSON.parse(got.stdout) as Row[]).map((r) => r.violatingObject.kind));
    expect([...kinds].sort()).toEqual(["ConstraintTemplate", "K8sRequiredLabels", "Pod"]);
  });

  test("human output and --deny-only: the same lines", async () => {
    if (!existsSync(GATOR))
      throw new Error(`reference gator not found at ${GATOR}: run \`bash scripts/setup.sh\` (needs Go)`);
    for (const extra of [[], ["--deny-only"]]) {
      const want = theirs(["test", "-f", dir, ...extra]);
      const got = await cli("test", "-f", dir, ...extra);
      expect(lines(got.stdout), extra.join(" ")).toEqual(lines(want.stdout));
      expect(got.code).toBe(want.code);
    }
  });
});
