#!/usr/bin/env node
/*
 * The container's entrypoint: `entrypoint.mjs <service> [flags…]` runs one
 * Portcullis service from the production tree that scripts/build-prod-tree.sh
 * made (the image's /app):
 *
 *   sync             sync/src/main.ts
 *   webhook          webhook/src/main.ts
 *   audit-scheduler  audit/src/main.ts --role audit-scheduler
 *   audit-worker     audit/src/main.ts --role audit-worker
 *   status-writer    audit/src/main.ts --role status-writer
 *   dashboard        dashboard/src/main.ts
 *
 * The workspace packages ship as TypeScript (erasable syntax only). The
 * build strips their types (scripts/strip-types.mjs, leaving .types-stripped),
 * so a load hook hands Node the files as they are and Node's own type stripper
 * (~30 MB RSS per process) is never loaded. In a tree made without that step,
 * the hook strips the files under node_modules (where Node will not) with
 * node:module's stripTypeScriptTypes, and Node strips the rest.
 *
 * The policy engine is loaded first, compiled up front, from the compile
 * cache in /app/.compile-cache (preload-engine.mjs). The image build fills
 * that cache with `entrypoint.mjs --prime`, run by the Node that runs the
 * services: a cache made by another Node or other V8 flags is not used.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir, preloadEngine, useCompileCache } from "./preload-engine.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SERVICES = {
  sync: { dir: "sync", role: undefined },
  webhook: { dir: "webhook", role: undefined },
  "audit-scheduler": { dir: "audit", role: "audit-scheduler" },
  "audit-worker": { dir: "audit", role: "audit-worker" },
  "status-writer": { dir: "audit", role: "status-writer" },
  dashboard: { dir: "dashboard", role: undefined },
};

const name = process.argv[2];
const prime = name === "--prime";
const service = SERVICES[name];
if (!service && !prime) {
  process.stderr.write(
    `usage: entrypoint <service> [flags…] | entrypoint --prime\n  service: one of ${Object.keys(SERVICES).join(", ")}\n` +
      `  ${name === undefined ? "no service given" : `unknown service ${JSON.stringify(name)}`}\n`,
  );
  process.exit(2);
}

const stripped = existsSync(join(here, ".types-stripped"));
nodeModule.registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith("file:") && url.endsWith(".ts")) {
      const source = readFileSync(fileURLToPath(url), "utf8");
      if (stripped) return { format: "module", source, shortCircuit: true };
      if (url.includes("/node_modules/"))
        return { format: "module", source: nodeModule.stripTypeScriptTypes(source), shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});

const mainOf = (svc) => join(here, svc.dir, "src", "main.ts");
const cache = cacheDir(here);
if (prime) {
  // Each service's copy of the engine (each service has its own node_modules), each in a
  // process of its own that loads it as the service will: V8 takes a cache only when its
  // flags match those the cache was made with, and more than one --no-lazy round in one
  // process leaves them differing.
  const only = process.argv[3];
  if (only) {
    const status = useCompileCache(cache);
    await preloadEngine(mainOf({ dir: only }));
    nodeModule.flushCompileCache();
    process.stderr.write(`portcullis: compile cache ${cache} (${status}) primed for ${only}\n`);
    process.exit(0);
  }
  const dirs = [...new Set(Object.values(SERVICES).map((s) => s.dir))].filter((d) =>
    existsSync(join(here, d)),
  );
  for (const d of dirs) {
    const res = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), "--prime", d],
      {
        stdio: "inherit",
      },
    );
    if (res.status !== 0) process.exit(res.status ?? 1);
  }
  process.exit(0);
}
if (existsSync(cache)) useCompileCache(cache);
await preloadEngine(mainOf(service));

// The service parses process.argv.slice(2): drop the service name, and pass
// the role through its environment variable (a --role flag would still win).
process.argv.splice(2, 1);
if (service.role && !process.env.PORTCULLIS_AUDIT_ROLE) process.env.PORTCULLIS_AUDIT_ROLE = service.role;
await import(mainOf(service));
