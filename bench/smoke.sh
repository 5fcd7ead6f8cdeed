#!/usr/bin/env bash
# A short run of the load generator against a real confab-server, so the benchmark cannot rot:
# everything sent must arrive, in order, in the right room. Asserts correctness, never speed.
# Usage: bench/smoke.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../scripts/listening-port.sh"
build=${1:?build dir}
work=$(mktemp -d)
pids=()
trap 'kill "$server" "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

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
# Protocol 1.1 events in the load (bench/run.sh mixed): every edit arrives like a message, every
# reaction reaches every member, and the server refuses none of them.
out=$("$loadgen" --url "$url" --members 40 --rooms 4 --publishers 40 --rate 400 --events 0.25 --duration 1 --warmup 0.5 --json)
check "$out"
grep -qE '"edits_sent":[1-9]' <<<"$out" || { echo "bench smoke: no edits were sent" >&2; exit 1; }
reactions=$(grep -oE '"reactions_expected":[0-9]+' <<<"$out" | cut -d: -f2)
[ "${reactions:-0}" -gt 0 ] && grep -qE "\"reactions_delivered\":$reactions[,}]" <<<"$out" \
  || { echo "bench smoke: reactions expected $reactions, not all delivered" >&2; exit 1; }

# The cluster scenarios (bench/run.sh cfanout, cdurable, cdead): two servers on one Redis, members
# spread over both; deliveries cross servers; a killed server's members leave the other's room.
if ! command -v redis-server >/dev/null; then
  echo "bench smoke: redis-server missing, cluster part skipped (scripts/install-deps.sh installs it)"
  echo "1 passed, 0 failed"
  exit 0
fi
mkdir -p "$work/redis"
redis-server --port 0 --unixsocket "$work/redis/sock" --dir "$work/redis" --save "" \
  --appendonly yes --appendfsync always >"$work/redis/log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/redis/sock" ] && break; sleep 0.05; done
urls=()
for n in 1 2; do
  # A dead server's users leave within a second or two here (the shipped expiry is 30 s).
  "$build/server/confab-server" --bind 127.0.0.1 --port 0 --data-dir "$work/c$n" \
    --redis "unix:$work/redis/sock" --heartbeat-ms 200 --server-ttl-ms 1000 \
    --rate 1000000 --burst 1000000 >"$work/c$n.log" 2>&1 &
  pids+=($!)
  urls+=(--url "ws://127.0.0.1:$(listening_port "$work/c$n.log")/ws")
done
out=$("$loadgen" "${urls[@]}" --members 40 --rooms 2 --publishers 6 --rate 200 --duration 1 --warmup 0.2 --json)
check "$out"
grep -qE '"cross_delivered":[1-9]' <<<"$out" || { echo "bench smoke: nothing crossed servers" >&2; exit 1; }
# The kill ends the run only when every member on the first server had the 10 leaves it was owed.
out=$("$loadgen" "${urls[@]}" --members 20 --rooms 1 --publishers 0 --settle 0.5 --timeout 30 --kill-pid "${pids[2]}" --json) \
  || { echo "$out"; echo "bench smoke: the killed server's members did not all leave" >&2; exit 1; }
echo "$out"
grep -qE '"leaves":100[,}]' <<<"$out" || { echo "bench smoke: expected 100 leaves" >&2; exit 1; }
echo "1 passed, 0 failed"
