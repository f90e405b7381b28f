#!/usr/bin/env bash
# Makes the production file tree that deploy/Dockerfile copies into the image:
#
#   OUT/entrypoint.mjs        picks the service (deploy/image/entrypoint.mjs)
#   OUT/preload-engine.mjs    loads the engine compiled up front (deploy/image/preload-engine.mjs)
#   OUT/sync/                 `pnpm deploy --prod` of @portcullis/sync
#   OUT/webhook/              … of @portcullis/webhook
#   OUT/audit/                … of @portcullis/audit (scheduler, worker, status writer)
#   OUT/dashboard/            … of @portcullis/dashboard
#   OUT/.types-stripped       the services' TypeScript is stripped of its types (scripts/strip-types.mjs)
#
# Each service directory holds its sources and a node_modules with only its
# production dependencies, from the lockfile; workspace packages are copied
# in (injected), so the tree runs without the workspace or dev dependencies.
# Usage: bash scripts/build-prod-tree.sh OUT   (OUT is replaced)
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
OUT="${1:?usage: build-prod-tree.sh OUT}"
mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
rm -rf "$OUT"
mkdir -p "$OUT"
for svc in sync webhook audit dashboard; do
  [[ -f "services/$svc/src/main.ts" ]] || { echo "portcullis: services/$svc/src/main.ts missing; skipping $svc" >&2; continue; }
  pnpm --config.inject-workspace-packages=true --filter "@portcullis/$svc" deploy --prod --frozen-lockfile \
    --config.confirmModulesPurge=false "$OUT/$svc" >"$OUT/.deploy-$svc.log" 2>&1 ||
    { cat "$OUT/.deploy-$svc.log" >&2; echo "portcullis: pnpm deploy of @portcullis/$svc failed" >&2; exit 1; }
  rm -f "$OUT/.deploy-$svc.log"
  # Tests and test config are not part of the image; nor are the dev
  # dependencies' declarations (they name workspace paths of this machine).
  rm -rf "$OUT/$svc/test" "$OUT/$svc/vitest.config.ts"
  node -e 'const f=process.argv[1],fs=require("fs"),p=JSON.parse(fs.readFileSync(f,"utf8"));delete p.devDependencies;fs.writeFileSync(f,JSON.stringify(p,null,2)+"\n")' "$OUT/$svc/package.json"
done
cp deploy/image/entrypoint.mjs deploy/image/preload-engine.mjs "$OUT/"
# Types stripped now, not by every process at startup (scripts/strip-types.mjs).
node --disable-warning=ExperimentalWarning scripts/strip-types.mjs "$OUT"
echo "portcullis: production tree in $OUT ($(du -sh "$OUT" | cut -f1))" >&2
