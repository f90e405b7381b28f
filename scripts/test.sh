#!/usr/bin/env bash
# The one test command (README: `npm test`). Installs what is missing,
# typechecks, lints, then runs every vitest project against a real
# redis-server and nats-server -js started on free loopback ports.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
bash scripts/setup.sh

echo "== typecheck"; pnpm exec tsc --noEmit -p tsconfig.json
echo "== lint"; pnpm exec biome check --diagnostic-level=error .

RUN_DIR="$(mktemp -d -t portcullis-test.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$RUN_DIR"; }
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_port() { # port name logfile
  for _ in $(seq 1 100); do
    (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "portcullis: $2 did not start on 127.0.0.1:$1; its log:" >&2; cat "$3" >&2; exit 1
}

REDIS_PORT="$(free_port)"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$RUN_DIR" >"$RUN_DIR/redis.log" 2>&1 &
pids+=($!)
NATS_PORT="$(free_port)"
nats-server -js -a 127.0.0.1 -p "$NATS_PORT" -sd "$RUN_DIR/jetstream" >"$RUN_DIR/nats.log" 2>&1 &
pids+=($!)
wait_port "$REDIS_PORT" redis-server "$RUN_DIR/redis.log"
wait_port "$NATS_PORT" nats-server "$RUN_DIR/nats.log"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT" NATS_URL="nats://127.0.0.1:$NATS_PORT"
echo "== vitest (REDIS_URL=$REDIS_URL NATS_URL=$NATS_URL)"
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$RUN_DIR/vitest.json" "$@" || status=$?
# The plain closing line CI reads, from vitest's own counts.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$RUN_DIR/vitest.json" || true
exit "$status"
