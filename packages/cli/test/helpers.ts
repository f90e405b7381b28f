import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bufferIO } from "../src/lib/io.ts";
import { run } from "../src/main.ts";

export const ROOT = resolve(import.meta.dirname, "../../..");
export const FIXTURES = resolve(import.meta.dirname, "fixtures");
export const EXAMPLES = resolve(ROOT, "examples");
export const LIBRARY_SRC = resolve(ROOT, "../shared/corpus/gatekeeper-library/src");

/** Runs the CLI in-process and captures what it prints. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = bufferIO();
  const code = await run(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/**
 * Broken files are written at test time so that formatters never see them in the
 * tree; call `cleanup` from afterAll.
 */
export function brokenFiles(): { yaml: string; json: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-cli-"));
  const yaml = join(dir, "broken.yaml");
  const json = join(dir, "broken.json");
  writeFileSync(yaml, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\n  labels: [a, b\nspec: {}\n");
  writeFileSync(json, '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "x",}\n}\n');
  return { yaml, json, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
