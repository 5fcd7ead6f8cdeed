#!/usr/bin/env bash
# Runs every benchmark scenario against Confab and the peers (Go on nhooyr.io/websocket, Node.js
# on ws), the server pinned to core 0 and the load generator to core 1, a fresh server for each
# run, and prints the medians (with the runs' min–max) and ratios against the best peer. Durable
# storage stays on. Before each run it waits until the rest of the machine is quiet, and it
# records what else used the CPU during the run (bench/machine-load.sh: QUIET=0 skips the wait,
# QUIET_CORES, QUIET_WINDOW and QUIET_TIMEOUT tune it).
#
#   bench/run.sh                 all scenarios, 3 runs each, 10 s measured
#   RUNS=1 DURATION=5 bench/run.sh fanout sat100    a quick look at two scenarios
#   CONFAB_BIN=../old/build/server/confab-server SERVERS=confab bench/run.sh    another build
#
# Needs a build in build/ (scripts/build.sh) and installs the peers' toolchains if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/listening-port.sh
source bench/machine-load.sh
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
SERVERS=${SERVERS:-"confab go node"}
# Another confab-server build to measure (levers: an older commit, a variant).
CONFAB_BIN=${CONFAB_BIN:-./build/server/confab-server}
work=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT

# --- peers (only those measured) --------------------------------------------------------------
if [[ " $SERVERS " == *" go "* ]]; then
  if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/nhooyr.io/websocket ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      golang-go golang-nhooyr-websocket-dev >/dev/null
  fi
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" \
    go build -o "$work/confab-peer-go" ./bench/peers/go
fi
if [[ " $SERVERS " == *" node "* ]]; then
  command -v node >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >/dev/null
  (cd bench/peers/node && npm ci --no-audit --no-fund --silent)
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

loadgen=./build/bench/loadgen/confab-loadgen
[ -x "$loadgen" ] && [ -x "$CONFAB_BIN" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }

# --- scenarios: name | load generator arguments | metric reported ---------------------------
declare -A ARGS METRIC
ARGS[fanout]="--members 500 --rooms 1 --publishers 10 --rate 200";           METRIC[fanout]=p99_ms
ARGS[sat100]="--members 100 --rooms 1 --publishers 10 --rate 0 --window 16";  METRIC[sat100]=delivered_per_s
ARGS[sat1000]="--members 1000 --rooms 1 --publishers 10 --rate 0 --window 16"; METRIC[sat1000]=delivered_per_s
ARGS[rooms]="--members 1000 --rooms 100 --publishers 1000 --rate 1000";        METRIC[rooms]=p99_ms
ARGS[durable]="--members 200 --rooms 200 --publishers 200 --rate 0 --window 16"; METRIC[durable]=delivered_per_s
ARGS[idle5000]="--members 5000 --idle --connect-batch 500";                    METRIC[idle5000]=kib_per_conn
ARGS[idle20000]="--members 20000 --idle --connect-batch 500 --timeout 120";   METRIC[idle20000]=kib_per_conn
# The most connections this machine's per-process open-files limit (20,000) lets both sides hold.
ARGS[idle19000]="--members 19000 --idle --connect-batch 500 --timeout 120";   METRIC[idle19000]=kib_per_conn
ARGS[storm5000]="--members 5000 --idle --connect-batch 5000";                 METRIC[storm5000]=connect_s
# A reconnect storm into one room: every member owed a `joined` listing those before it and the
# presence of everyone after it. Two metrics: seconds until all had everything, server memory.
ARGS[joinstorm5000]="--members 5000 --join-storm --connect-batch 5000 --timeout 120"
METRIC[joinstorm5000]="complete_s kib_per_conn"
# Cluster mode (docs/cluster.md): two confab-servers on one redis-server (AOF on, appendfsync
# always, as shipped), the members spread over both. The peers have no cluster mode.
#   cfanout: fanout's load with a room split over two servers; p99 of every delivery and of the
#            deliveries that crossed from one server to the other.
#   cdurable: durable sends per second through Redis (each room's one member is its publisher:
#            every delivery is a send that Redis stored first).
#   cdead:   200 members in one room on two servers; the second server is SIGKILLed and the time
#            until every member on the first has all 100 presence leaves is measured (heartbeats
#            and expiry as shipped: --heartbeat-ms and --server-ttl-ms at their defaults).
ARGS[cfanout]="--members 500 --rooms 1 --publishers 10 --rate 200";          METRIC[cfanout]="p99_ms cross_p99_ms"
ARGS[cdurable]="--members 200 --rooms 200 --publishers 200 --rate 0 --window 16"; METRIC[cdurable]=delivered_per_s
ARGS[cdead]="--members 200 --rooms 1 --publishers 0 --settle 2 --timeout 90";  METRIC[cdead]=leave_s
declare -A CLUSTER=([cfanout]=1 [cdurable]=1 [cdead]=1)
# Protocol 1.1: rooms' load with a quarter of the publishes edits and reactions (half each) of the
# publisher's own last message; compare its p99 with rooms' in the same run. Confab only.
ARGS[mixed]="--members 1000 --rooms 100 --publishers 1000 --rate 1000 --events 0.25"; METRIC[mixed]=p99_ms
# The same on the cluster: an event is one script in Redis like a send, written in the same
# pipelined batch of the turn; compare with `cids` (rooms' load with client ids on the cluster).
ARGS[cmixed]="${ARGS[mixed]} --client-ids"; METRIC[cmixed]="p99_ms cpu_us"
# A send's cost must not grow with the room's history (issue 20): rooms' load with client ids
# (every send of the app and the web client has one, and the server looks it up) on empty rooms
# (`ids`) and with 1,000,000 messages stored in one of the rooms first (`history`), each on one
# server and on the cluster (`cids`, `chistory`). The history is sent through the protocol (one
# publisher, 256 in flight; in the cluster with a member on each server, so both keep their
# search copy current), then the run waits until the servers are idle before it measures.
# cpu_us: the servers' CPU time per delivery in microseconds.
ARGS[ids]="--members 1000 --rooms 100 --publishers 1000 --rate 1000 --client-ids"; METRIC[ids]="p99_ms cpu_us"
ARGS[history]=${ARGS[ids]}; METRIC[history]=${METRIC[ids]}
ARGS[cids]=${ARGS[ids]}; METRIC[cids]=${METRIC[ids]}
ARGS[chistory]=${ARGS[ids]}; METRIC[chistory]=${METRIC[ids]}
HISTORY=${HISTORY:-1000000}
declare -A SEED=([history]=$HISTORY [chistory]=$HISTORY)
CLUSTER+=([cids]=1 [chistory]=1 [cmixed]=1)
# The peers keep no member list and send no presence: the join storm measures Confab alone.
declare -A CONFAB_ONLY=([joinstorm5000]=1 [cfanout]=1 [cdurable]=1 [cdead]=1 [mixed]=1 [ids]=1
  [history]=1 [cids]=1 [chistory]=1 [cmixed]=1)
ALL="fanout sat100 sat1000 rooms mixed durable idle5000 idle19000 idle20000 storm5000 joinstorm5000 cfanout cdurable cdead ids history cids chistory cmixed"
SCENARIOS=${*:-$ALL}

start_server() { # $1 = confab|go|node; prints "pid port"
  local log="$work/server.log"
  : >"$log"
  case $1 in
    confab) rm -rf "$work/data"
      taskset -c 0 "$CONFAB_BIN" --bind 127.0.0.1 --port 0 --data-dir "$work/data" \
        --rate 1000000 --burst 1000000 --max-connections 100000 >"$log" 2>&1 & ;;
    go) taskset -c 0 "$work/confab-peer-go" -listen 127.0.0.1:0 >"$log" 2>&1 & ;;
    node) taskset -c 0 node bench/peers/node/server.js 0 >"$log" 2>&1 & ;;
  esac
  local pid=$! port
  port=$(listening_port "$log") || true
  echo "$pid $port"
}

# A redis-server on a unix socket and two confab-servers sharing it; sets CLUSTER_PIDS (the
# servers' pids), CLUSTER_URLS (a --url per server) and REDIS_PID.
start_cluster() {
  command -v redis-server >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null
  rm -rf "$work/redis" "$work/data1" "$work/data2"; mkdir -p "$work/redis"
  redis-server --port 0 --unixsocket "$work/redis/sock" --dir "$work/redis" --save "" \
    --appendonly yes --appendfsync always --daemonize no >"$work/redis/log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 100); do [ -S "$work/redis/sock" ] && break; sleep 0.05; done
  CLUSTER_PIDS="" CLUSTER_URLS=""
  for n in 1 2; do
    local log="$work/server$n.log"
    "$CONFAB_BIN" --bind 127.0.0.1 --port 0 --data-dir "$work/data$n" --redis "unix:$work/redis/sock" \
      --rate 1000000 --burst 1000000 --max-connections 100000 >"$log" 2>&1 &
    CLUSTER_PIDS+="$! "
    CLUSTER_URLS+="--url ws://127.0.0.1:$(listening_port "$log")/ws "
  done
}
stop_cluster() {
  for pid in $CLUSTER_PIDS; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true
}

# Waits until these processes used under 5 % of a core over a second (at most 10 minutes).
wait_idle() {
  local pids=("$@") before after
  cpu_ticks() { local t=0 p; for p in "${pids[@]}"; do t=$((t + $(awk '{print $14 + $15}' /proc/"$p"/stat 2>/dev/null || echo 0))); done; echo "$t"; }
  for _ in $(seq 600); do
    before=$(cpu_ticks); sleep 1; after=$(cpu_ticks)
    [ $((after - before)) -lt 5 ] && return 0
  done
  echo "  the servers did not go idle after the seeding" >&2
}

field() { grep -o "\"$2\":[0-9.e+-]*" <<<"$1" | sed -n 1p | cut -d: -f2; }
# The middle run, or the mean of the two middle ones for an even number of runs.
median() { sort -g | awk 'NF {a[++n]=$1} END {if (!n) print "n/a"; else if (n % 2) print a[(n+1)/2]; else print (a[n/2] + a[n/2+1]) / 2}'; }
# The spread of the runs behind a median: " (min–max)" when there was more than one.
spread() { sort -g | awk 'NF {a[++n]=$1} END {if (n > 1) printf " (%s–%s)", a[1], a[n]}'; }

declare -A RESULT SPREAD
for scenario in $SCENARIOS; do
  if [ "$scenario" = idle20000 ] && [ "$(ulimit -n)" -lt 20100 ]; then
    # Each side needs 20,000 sockets plus its own descriptors.
    echo "  idle20000: skipped, needs more than 20,100 open files (ulimit -n is $(ulimit -n), hard $(ulimit -Hn))" >&2
    for server in $SERVERS; do RESULT[$scenario,${METRIC[$scenario]},$server]=n/a; done
    continue
  fi
  for server in $SERVERS; do
    declare -A values=()
    if [ "$server" != confab ] && [ -n "${CONFAB_ONLY[$scenario]:-}" ]; then
      for metric in ${METRIC[$scenario]}; do RESULT[$scenario,$metric,$server]=n/a; done
      continue
    fi
    for run in $(seq 1 "$RUNS"); do
      wait_quiet
      if [ -n "${CLUSTER[$scenario]:-}" ]; then
        # Not pinned: two servers and Redis share both cores with the load generator (core 1).
        start_cluster
        pid=${CLUSTER_PIDS%% *}
        targets=$CLUSTER_URLS
        second=$(awk '{print $2}' <<<"$CLUSTER_PIDS")
        [ "$scenario" = cdead ] && targets+="--kill-pid $second "
        targets+="--server-pid $pid"
      else
        read -r pid port < <(start_server "$server")
        targets="--url ws://127.0.0.1:$port/ws --server-pid $pid"
      fi
      if [ -n "${SEED[$scenario]:-}" ]; then
        seed_targets=${targets% --server-pid*}
        [ -n "${CLUSTER[$scenario]:-}" ] && seed_members=2 || seed_members=1
        seed_start=$(date +%s)
        seeded=$(taskset -c 1 "$loadgen" $seed_targets --members "$seed_members" --rooms 1 --publishers 1 \
                   --rate 0 --window 256 --warmup 0 --duration 100000 --count "${SEED[$scenario]}" \
                   --client-ids --json 2>/dev/null || true)
        echo "  $scenario: sent ${SEED[$scenario]} messages into bench0 in $(( $(date +%s) - seed_start )) s ($(field "$seeded" lost) lost)" >&2
        wait_idle "$pid" ${CLUSTER_PIDS:-} ${REDIS_PID:-}
        if [ -n "${CLUSTER[$scenario]:-}" ]; then # and not while Redis rewrites its AOF
          for _ in $(seq 600); do
            redis-cli -s "$work/redis/sock" info persistence 2>/dev/null | tr -d '\r' >"$work/persistence"
            grep -qx 'aof_rewrite_in_progress:0' "$work/persistence" && break
            sleep 1
          done
        fi
      fi
      sleep 0.3
      base=$(grep VmRSS /proc/"$pid"/status 2>/dev/null | awk '{print $2}' || true)
      proc_snapshot "$work/before"
      started=$(date +%s.%N)
      out=$(taskset -c 1 "$loadgen" $targets ${ARGS[$scenario]} \
              --duration "$DURATION" --json 2>/dev/null || true)
      proc_snapshot "$work/after"
      others=$(others_during "$work/before" "$work/after" \
                 "$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {print e - s}')" \
                 "$pid" ${CLUSTER_PIDS:-} ${REDIS_PID:-})
      if [ -n "${CLUSTER[$scenario]:-}" ]; then stop_cluster; CLUSTER_PIDS="" REDIS_PID=""
      else kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi
      echo "$scenario $server run $run: $out $others" >>"$work/raw.txt"
      line="  $scenario / $server / run $run:"
      for metric in ${METRIC[$scenario]}; do
        case $metric in
          kib_per_conn) conns=$(field "$out" connected); rss=$(field "$out" server_rss_kib)
            v=$(awk -v r="${rss:-0}" -v b="$base" -v n="${conns:-0}" 'BEGIN{ if (n>0) printf "%.1f", (r-b)/n; else print "n/a"}') ;;
          cpu_us) cpu=$(field "$out" server_cpu_s); n=$(field "$out" delivered)
            v=$(awk -v c="${cpu:-0}" -v n="${n:-0}" 'BEGIN{ if (n>0) printf "%.1f", c*1e6/n; else print "n/a"}') ;;
          *) v=$(field "$out" "$metric")
             [ "$metric" != connect_s ] && [ "$metric" != complete_s ] && [ "$metric" != leave_s ] && [ "$(field "$out" delivered)" = 0 ] && v=""
             [ "$(field "$out" connected)" = 0 ] && v="" ;;
        esac
        # A join storm counts only when every member got all it was owed, and nothing more.
        if [ -n "$(field "$out" bad_members)" ]; then
          for want in closed bad_members extra_presences; do [ "$(field "$out" $want)" = 0 ] || v=""; done
        fi
        line+=" $metric=${v:-n/a}"
        values[$metric]+="${v:-n/a}"$'\n'
      done
      lost=$(field "$out" lost); ooo=$(field "$out" out_of_order)
      echo "$line lost=${lost:-?} out_of_order=${ooo:-?} closed=$(field "$out" closed) $others" >&2
    done
    for metric in ${METRIC[$scenario]}; do
      valid=$({ grep -v -e n/a -e '^$' <<<"${values[$metric]}" || true; })
      RESULT[$scenario,$metric,$server]=$(median <<<"$valid")
      SPREAD[$scenario,$metric,$server]=$(spread <<<"$valid")
    done
  done
done

echo
echo "Medians of $RUNS runs of $DURATION s (min–max of the runs in brackets); other processes' CPU per run: bench/last-run.txt"
echo "| scenario | metric | $(sed 's/ / | /g' <<<"$SERVERS") | Confab vs best peer |"
echo "|---|---|$(for _ in $SERVERS; do printf -- '---|'; done)---|"
for scenario in $SCENARIOS; do
  for metric in ${METRIC[$scenario]}; do
    row="| $scenario | $metric |"
    best=""
    for server in $SERVERS; do
      v=${RESULT[$scenario,$metric,$server]}
      row+=" $v${SPREAD[$scenario,$metric,$server]:-} |"
      if [ "$server" != confab ] && [ "$v" != n/a ]; then
        if [ -z "$best" ]; then best=$v
        elif [ "$metric" = delivered_per_s ]; then best=$(awk -v a="$best" -v b="$v" 'BEGIN{print (b>a)?b:a}')
        else best=$(awk -v a="$best" -v b="$v" 'BEGIN{print (b<a)?b:a}'); fi
      fi
    done
    c=${RESULT[$scenario,$metric,confab]:-n/a}
    if [ -n "$best" ] && [ "$c" != n/a ]; then
      if [ "$metric" = delivered_per_s ]; then ratio=$(awk -v c="$c" -v b="$best" 'BEGIN{printf "%.2fx", c/b}')
      else ratio=$(awk -v c="$c" -v b="$best" 'BEGIN{printf "%.2fx (lower is better)", c/b}'); fi
    else ratio=n/a; fi
    echo "$row $ratio |"
  done
done
cp "$work/raw.txt" bench/last-run.txt
