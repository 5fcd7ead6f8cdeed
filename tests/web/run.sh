#!/usr/bin/env bash
# CTest entry for the browser test: needs Debian's chromium, Node.js and the packages of
# tests/web (scripts/install-deps.sh installs all three). Skips (exit 77) with a message only
# where one of them is absent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
server=${1:?confab-server binary}
shots=${2:?screenshot folder}
for need in node "${CONFAB_CHROMIUM:-/usr/bin/chromium}"; do
  command -v "$need" >/dev/null || { echo "web client test skipped: $need is not installed"; exit 77; }
done
[ -d "$here/node_modules/playwright-core" ] \
  || { echo "web client test skipped: run 'npm ci' in tests/web (scripts/install-deps.sh does)"; exit 77; }
exec node "$here/webclient.test.mjs" "$server" "$shots"
