#!/usr/bin/env bash
# A short run of the load generator against a real confab-server, so the benchmark cannot rot:
# everything sent must arrive, in order, in the right room. Asserts correctness, never speed.
# Usage: bench/smoke.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../scripts/listening-port.sh"
build=${1:?build dir}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

"$build/server/confab-server" --bind 127.0.0.1 --port 0 --data-dir "$work/data" \
  --rate 1000000 --burst 1000000 >"$work/server.log" 2>&1 &
server=$!
port=$(listening_port "$work/server.log") || { cat "$work/server.log"; exit 1; }

check() {
  echo "$1"
  for want in lost out_of_order wrong_room errors closed; do
    grep -qE "\"$want\":0[,}]" <<<"$1" || { echo "bench smoke: expected $want = 0" >&2; exit 1; }
  done
  grep -qE '"delivered":0[,}]' <<<"$1" && { echo "bench smoke: nothing delivered" >&2; exit 1; }
  return 0
}
url="ws://127.0.0.1:$port/ws"
loadgen="$build/bench/loadgen/confab-loadgen"
check "$("$loadgen" --url "$url" --members 50 --rooms 5 --publishers 10 --rate 200 --duration 1 --warmup 0.2 --server-pid "$server" --json)"
check "$("$loadgen" --url "$url" --members 20 --rooms 1 --publishers 4 --rate 0 --window 4 --duration 1 --warmup 0.2 --server-pid "$server" --json)"
echo "1 passed, 0 failed"
