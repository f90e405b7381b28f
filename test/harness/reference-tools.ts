/*
 * The reference tools differential tests and benchmarks compare against
 * (`opa`, `gator`), built into .cache/bin by scripts/setup-go-tools.sh: one
 * place that knows where they live and what to say when they are missing.
 */
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./kube-binaries.ts";

export type ReferenceTool = "opa" | "gator";

/** Where a reference tool is (or would be): .cache/bin, or PORTCULLIS_CACHE/bin. */
export function referenceToolPath(name: ReferenceTool): string {
  return join(process.env.PORTCULLIS_CACHE || join(repoRoot, ".cache"), "bin", name);
}

/**
 * The path of a built reference tool; throws an Error saying how to build it
 * when it is missing, so a test that needs it fails with that message.
 */
export function referenceTool(name: ReferenceTool): string {
  const path = referenceToolPath(name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `reference ${name} not found at ${path}: run \`bash scripts/setup-go-tools.sh\` (needs Go and the Go module proxy)`,
    );
  }
  return path;
}
