#!/usr/bin/env bash
# JS dependencies only (what the CLI, demo and benchmarks need); cheap when
# node_modules is current.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
if [[ ! -d node_modules/.pnpm || pnpm-lock.yaml -nt node_modules/.modules.yaml ]]; then
  pnpm install --frozen-lockfile --reporter=append-only >&2
fi
