#!/usr/bin/env bash
# Installs everything the tests need: JS deps, redis-server/nats-server, and
# (where Go is available) the pinned reference tools opa and gator.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

bash "$ROOT/scripts/install-js.sh"

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v nats-server >/dev/null || need_apt+=(nats-server)
command -v etcd >/dev/null || need_apt+=(etcd-server)
command -v chromium >/dev/null || need_apt+=(chromium) # the dashboard's browser test
if (( ${#need_apt[@]} )); then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "portcullis: apt-get install ${need_apt[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
  else
    echo "portcullis: missing ${need_apt[*]}; install them (e.g. apt-get install ${need_apt[*]}) or run as root" >&2
    exit 1
  fi
fi

bash "$ROOT/scripts/setup-go-tools.sh"
if [[ -f "$ROOT/scripts/setup-helm.sh" ]]; then bash "$ROOT/scripts/setup-helm.sh"; fi
