#!/usr/bin/env bash
# Installs what is missing, builds, and starts Confab.
#   scripts/run.sh              the server on port 7300 (the desktop app takes this place
#                               once it exists)
#   scripts/run.sh --headless   the headless server; any further options go to it, e.g.
#                               scripts/run.sh --headless --port 7301 --password secret
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh -DCONFAB_BUILD_TESTS=OFF

args=("$@")
if [ "${args[0]:-}" = "--headless" ]; then
  args=("${args[@]:1}")
fi
exec ./build/server/confab-server "${args[@]}"
