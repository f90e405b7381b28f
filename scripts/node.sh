#!/usr/bin/env bash
# Runs a TypeScript entry point under the project's Node 24 (installed into
# .cache by env.sh when the node on PATH is older), so root scripts work from
# npm or pnpm on a machine whose own node is 20.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$ROOT/scripts/install-js.sh"
exec node "$@"
