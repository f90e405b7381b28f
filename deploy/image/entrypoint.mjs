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
 */
import { existsSync, readFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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
const service = SERVICES[name];
if (!service) {
  process.stderr.write(
    `usage: entrypoint <service> [flags…]\n  service: one of ${Object.keys(SERVICES).join(", ")}\n` +
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

// The service parses process.argv.slice(2): drop the service name, and pass
// the role through its environment variable (a --role flag would still win).
process.argv.splice(2, 1);
if (service.role && !process.env.PORTCULLIS_AUDIT_ROLE) process.env.PORTCULLIS_AUDIT_ROLE = service.role;
await import(join(here, service.dir, "src", "main.ts"));
