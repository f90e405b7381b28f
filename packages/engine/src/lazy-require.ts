/**
 * Loads a module the first time it is needed, synchronously (compiling and
 * evaluating are synchronous), so what most processes never use — CEL, the
 * YAML parser — is not in every process's memory. Node 24 require()s ES
 * modules and TypeScript (stripped) alike; a load hook (the production
 * entrypoint's) applies to require() too.
 *
 * Only for modules whose classes and values stay behind their own API: the
 * required copy is Node's, which under a test runner that transforms sources
 * itself is not the copy static imports see.
 */
import { createRequire } from "node:module";

export function lazyRequire<T>(from: string, specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded === undefined) loaded = createRequire(from)(specifier) as T;
    return loaded;
  };
}
