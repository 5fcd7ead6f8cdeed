#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test.
# Timeouts inside the tests can be tuned with CONFAB_TEST_WAIT_MS and CONFAB_TEST_QUIET_MS.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh -DCONFAB_BUILD_TESTS=ON -DCONFAB_WERROR=ON

cd build
ctest --output-on-failure --timeout 600 "$@"
