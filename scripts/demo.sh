#!/usr/bin/env bash
# `npm run demo`: reviews the bundled examples with the portcullis CLI and
# prints the violations gator would print. Denials are the point of the demo,
# so the CLI's exit code 1 ("deny violations found") is reported, not fatal.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

bash scripts/install-js.sh

echo "$ portcullis test -f examples/"
# The output is captured to count it; keep colour if we are on a terminal.
[[ -t 1 && -z "${NO_COLOR:-}" ]] && export FORCE_COLOR=1
set +e
out="$(node packages/cli/src/main.ts test -f examples/)"
rc=$?
set -e
[[ -n "$out" ]] && printf '%s\n' "$out"

case $rc in
  0 | 1)
    n=0
    [[ -n "$out" ]] && n="$(printf '%s\n' "$out" | wc -l | tr -d ' ')"
    echo "demo: ${n} violation(s) in $(ls -d examples/*/ | wc -l | tr -d ' ') examples; portcullis exit code ${rc} (1 = deny violations found, as expected)"
    ;;
  *)
    echo "demo: portcullis test failed with exit code ${rc}" >&2
    exit "$rc"
    ;;
esac
