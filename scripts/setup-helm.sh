#!/usr/bin/env bash
# Builds the pinned chart tooling into .cache/bin from the Go module proxy:
# helm (lint/template the chart in deploy/portcullis) and kubeconform
# (validates the rendered manifests against local JSON schemas, which
# test/deploy generates from the harness API server's OpenAPI and from the
# CRDs; kubeconform cannot download schemas here). Idempotent: a second run
# with the binaries present does nothing. Run by scripts/setup.sh.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
HELM_VERSION="v4.3.2"
KUBECONFORM_VERSION="v0.8.0"
if ! command -v go >/dev/null; then
  echo "portcullis: Go not found; helm $HELM_VERSION and kubeconform $KUBECONFORM_VERSION not built (the tests in test/deploy will fail until you install Go and run: bash scripts/setup-helm.sh)" >&2
  exit 0
fi
mkdir -p "$CACHE/bin" "$CACHE/gopath"
export GOPATH="$CACHE/gopath" GOFLAGS="-mod=mod" GOTOOLCHAIN="local" CGO_ENABLED=0
build() { # name version package [extra ldflags]
  local stamp="$CACHE/bin/.$1-$2"
  [[ -f "$stamp" && -x "$CACHE/bin/$1" ]] && return 0
  echo "portcullis: go install $3@$2" >&2
  local started=$SECONDS
  if GOBIN="$CACHE/bin" nice -n 10 go install -trimpath -ldflags "-s -w ${4:-}" "$3@$2" >&2; then
    rm -f "$CACHE/bin/.$1-"*
    touch "$stamp"
    echo "portcullis: built $1 $2 in $((SECONDS - started))s" >&2
  else
    echo "portcullis: building $1 $2 failed; the tests in test/deploy will fail until \`bash scripts/setup-helm.sh\` succeeds" >&2
  fi
}
build helm "$HELM_VERSION" helm.sh/helm/v4/cmd/helm "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
build kubeconform "$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform "-X main.version=$KUBECONFORM_VERSION"
