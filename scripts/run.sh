#!/usr/bin/env bash
# Installs what is missing, builds, and starts Confab.
#   scripts/run.sh              the desktop app, hosting on port 7300 (others join your address)
#   scripts/run.sh --headless   the server without a window; further options go to it, e.g.
#                               scripts/run.sh --headless --port 7301 --password secret
# Other options go to the app: scripts/run.sh --nick Maya --port 7301
# Without a display (no $DISPLAY or $WAYLAND_DISPLAY) the app runs under xvfb-run: it hosts
# all the same, and others can join it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh -DCONFAB_BUILD_TESTS=OFF

if [ "${1:-}" = "--headless" ]; then
  shift
  exec ./build/server/confab-server "$@"
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display found; starting the app under xvfb-run (it hosts as usual)" >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" ./build/app/confab --host "$@"
fi
exec ./build/app/confab --host "$@"
