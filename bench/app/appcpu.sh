#!/usr/bin/env bash
# The desktop app's CPU per incoming message (issue 10): a confab-server, the app joined to it
# in a real X session (Xvfb + openbox, Mesa's llvmpipe as the only OpenGL, as on a VM or a
# remote desktop), and bots sending RATE messages a second into the room the app shows. The
# app's CPU time (user + system, all threads, from /proc/PID/stat) is read over the measured
# window, for each renderer: Qt Quick's software renderer and OpenGL (llvmpipe).
#
#   bench/app/appcpu.sh                  10, 30 and 100 msgs/s, 20 s each, both renderers
#   RATES="10" SECONDS_EACH=10 bench/app/appcpu.sh
#
# Needs a build in build/ (scripts/build.sh) and xvfb, openbox (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/listening-port.sh
RATES=${RATES:-"10 30 100"}
SECONDS_EACH=${SECONDS_EACH:-20}
RENDERERS=${RENDERERS:-"software opengl"}
DISPLAY_NUMBER=${DISPLAY_NUMBER:-77}
APP=${APP:-./build/app/confab}
SERVER=${SERVER:-./build/server/confab-server}
[ -x "$APP" ] && [ -x "$SERVER" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
command -v Xvfb >/dev/null && command -v openbox >/dev/null || { echo "needs xvfb and openbox" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

Xvfb ":$DISPLAY_NUMBER" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
sleep 1
DISPLAY=":$DISPLAY_NUMBER" openbox >"$work/openbox.log" 2>&1 &
pids+=($!)
sleep 1

ticks=$(getconf CLK_TCK)
cpu_ticks() { # utime + stime of a process, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

printf '%-9s %7s %9s %12s %14s\n' renderer msgs/s sent "app CPU %" "CPU ms/msg"
for renderer in $RENDERERS; do
  for rate in $RATES; do
    # A fresh server (the rate limit lifted: the bots share the load anyway) and a fresh app.
    "$SERVER" --port 0 --bind 127.0.0.1 --data-dir "$work/data-$renderer-$rate" \
      --rate 1000 --burst 1000 >"$work/server.log" 2>&1 &
    server=$!
    pids+=($server)
    port=$(listening_port "$work/server.log") || { echo "server did not start" >&2; exit 1; }
    mkdir -p "$work/home-$renderer-$rate"
    HOME="$work/home-$renderer-$rate" DISPLAY=":$DISPLAY_NUMBER" CONFAB_RENDERER=$renderer \
      "$APP" --join "127.0.0.1:$port" --nick watcher --size 1200x760 >"$work/app.log" 2>&1 &
    app=$!
    pids+=($app)
    sleep 4 # joined, first frames drawn, idle again
    before=$(cpu_ticks "$app")
    python3 bench/app/chatbots.py "$port" "$rate" "$SECONDS_EACH" general 2>"$work/bots.log"
    after=$(cpu_ticks "$app")
    sent=$(awk -v r="$rate" -v s="$SECONDS_EACH" 'BEGIN { print int(r * s) }')
    awk -v b="$before" -v a="$after" -v t="$ticks" -v s="$SECONDS_EACH" -v n="$sent" \
        -v r="$renderer" -v rate="$rate" 'BEGIN {
          cpu = (a - b) / t
          printf "%-9s %7d %9d %11.1f%% %14.2f\n", r, rate, n, 100 * cpu / s, 1000 * cpu / n }'
    kill "$app" "$server" 2>/dev/null || true
    wait "$app" "$server" 2>/dev/null || true
  done
done
