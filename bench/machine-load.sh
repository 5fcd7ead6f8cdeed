# Sourced by bench/run.sh: how busy the rest of the machine is. A benchmark on a 2-core machine
# shared with builds and other engineers' tests measures them too, so each run waits for the
# machine to be quiet first and records what else ran during it.
#
#   wait_quiet                    waits until the whole machine uses < QUIET_CORES (default 0.10)
#                                 for QUIET_WINDOW seconds (default 3), QUIET_TIMEOUT at most
#                                 (default 120); then goes on anyway and says so. QUIET=0: no wait.
#   proc_snapshot FILE            CPU ticks of every process now ("pid ticks comm" lines)
#   others_during BEFORE AFTER SECONDS PID...
#                                 what processes other than PID... (and the load generator) used
#                                 between two snapshots: "others=0.42cores[cc1plus:3.1s,...]"
QUIET=${QUIET:-1}
QUIET_CORES=${QUIET_CORES:-0.10}
QUIET_WINDOW=${QUIET_WINDOW:-3}
QUIET_TIMEOUT=${QUIET_TIMEOUT:-120}
ticks_per_s=$(getconf CLK_TCK)

# Busy ticks of all cores since boot: user, nice, system, irq, softirq (not idle, iowait or the
# hypervisor's steal, which no process here can be asked to stop).
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat; }

wait_quiet() {
  [ "$QUIET" = 0 ] && return 0
  local start=$SECONDS before after cores
  while :; do
    before=$(busy_ticks)
    sleep "$QUIET_WINDOW"
    after=$(busy_ticks)
    cores=$(awk -v d=$((after - before)) -v t="$ticks_per_s" -v w="$QUIET_WINDOW" 'BEGIN {printf "%.2f", d / t / w}')
    if awk -v c="$cores" -v q="$QUIET_CORES" 'BEGIN {exit !(c < q)}'; then
      [ $((SECONDS - start)) -gt "$QUIET_WINDOW" ] && echo "  (waited $((SECONDS - start)) s for a quiet machine)" >&2
      return 0
    fi
    if [ $((SECONDS - start)) -ge "$QUIET_TIMEOUT" ]; then
      echo "  machine not quiet after ${QUIET_TIMEOUT} s (others use $cores cores): running anyway" >&2
      return 0
    fi
  done
}

# One line per process: pid, utime + stime in ticks (all its threads), command name. The name is
# between the first "(" and the last ")" and may hold spaces; the numbers follow it.
proc_snapshot() {
  local out=$1 f line rest comm
  for f in /proc/[0-9]*/stat; do
    read -r line 2>/dev/null <"$f" || continue
    rest=${line##*) }
    comm=${line#*(}
    comm=${comm%)*}
    set -- $rest
    echo "${line%% *} $((${12} + ${13})) ${comm// /_}"
  done >"$out"
}

others_during() { # before after seconds pid...
  local before=$1 after=$2 seconds=$3
  shift 3
  awk -v secs="$seconds" -v t="$ticks_per_s" -v skip=" $* $$ " '
    NR == FNR { was[$1] = $2; next }
    index(skip, " " $1 " ") || $3 == "confab-loadgen" { next }
    { d = $2 - ($1 in was ? was[$1] : 0); if (d > 0) { by[$3] += d; total += d } }
    END {
      n = 0; top = ""
      while (n < 3) {
        best = ""; for (c in by) if (best == "" || by[c] > by[best]) best = c
        if (best == "" || by[best] < t / 10) break
        top = top (n ? "," : "") sprintf("%s:%.1fs", best, by[best] / t); delete by[best]; n++
      }
      printf "others=%.2fcores[%s]", total / t / secs, top
    }' "$before" "$after"
}
