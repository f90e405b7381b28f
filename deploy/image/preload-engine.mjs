/*
 * Loads the policy engine before a service starts, with every function of
 * it compiled to bytecode as it loads, from Node's compile cache.
 *
 * Why: V8 compiles a function on its first call. The engine's passes
 * (lexer, parser, resolver, type checker, planner) all run for the first
 * time on the first template a process compiles, which made that template
 * cost 10–15 ms instead of 1–3. Compiled up front, the bytecode goes into the
 * compile cache that the image build fills (`--prime`), so a process reads it
 * instead of compiling it, at load or on first call.
 *
 * Used by deploy/image/entrypoint.mjs and by the engine's compile benchmark
 * (packages/engine/bench/compile.ts), which measures the engine as the
 * image runs it.
 */
import * as nodeModule from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";

/** The compile cache's folder in a tree (the image's /app); filled by `entrypoint.mjs --prime`. */
export const cacheDir = (tree) => join(tree, ".compile-cache");

/**
 * Turns Node's compile cache on for this process. A folder that cannot be
 * written (the chart's read-only root filesystem) is still read.
 */
export function useCompileCache(dir) {
  const { status } = nodeModule.enableCompileCache(dir);
  return (
    Object.entries(nodeModule.constants.compileCacheStatus).find(([, v]) => v === status)?.[0] ??
    String(status)
  );
}

/**
 * Imports the engine that `fromFile`'s package depends on with V8's lazy
 * compilation off, so its functions are compiled (or read from the cache)
 * now. Lazy compilation is back on for everything imported after.
 */
export async function preloadEngine(fromFile) {
  const entry = nodeModule.createRequire(fromFile).resolve("@portcullis/engine");
  v8.setFlagsFromString("--no-lazy");
  try {
    return await import(pathToFileURL(entry).href);
  } finally {
    v8.setFlagsFromString("--lazy");
  }
}
