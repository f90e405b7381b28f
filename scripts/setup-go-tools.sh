#!/usr/bin/env bash
# Reference tools for differential tests and side-by-side benchmarks, built
# from the Go module proxy into .cache/bin, pinned and cached by version.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
OPA_VERSION="v1.22.2"
GATOR_VERSION="v3.23.1"
if ! command -v go >/dev/null; then
  echo "portcullis: Go not found; opa/gator/kube-apiserver reference tools not installed" >&2
  exit 0
fi
mkdir -p "$CACHE/bin" "$CACHE/gopath"
export GOPATH="$CACHE/gopath" GOFLAGS="-mod=mod" GOTOOLCHAIN="local"
build() { # name version module
  local stamp="$CACHE/bin/.$1-$2"
  [[ -f "$stamp" && -x "$CACHE/bin/$1" ]] && return 0
  echo "portcullis: go install $3@$2" >&2
  if GOBIN="$CACHE/bin" go install "$3@$2" >&2; then touch "$stamp"; else echo "portcullis: building $1 failed" >&2; return 1; fi
}
build opa "$OPA_VERSION" github.com/open-policy-agent/opa || true
build gator "$GATOR_VERSION" github.com/open-policy-agent/gatekeeper/v3/cmd/gator || true
if [[ -f "$ROOT/scripts/setup-kube.sh" ]]; then bash "$ROOT/scripts/setup-kube.sh"; fi
