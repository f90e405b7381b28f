// Loaded with `node --import` by the compile bench's child in a tree whose
// TypeScript was stripped at build time (compile.ts `strippedTree`): hands
// Node each .ts file as it is, as deploy/image/entrypoint.mjs does in the
// production image, so Node's type stripper is never loaded.
import { readFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith("file:") && url.endsWith(".ts"))
      return { format: "module", source: readFileSync(fileURLToPath(url), "utf8"), shortCircuit: true };
    return nextLoad(url, context);
  },
});
