#!/usr/bin/env bash
# Builds with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/ and runs every
# test there. Slower than scripts/test.sh (timings are relaxed accordingly); not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
flags="-fsanitize=address,undefined -fno-omit-frame-pointer"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="$flags"
cmake --build build-asan --parallel "$(nproc)"
cd build-asan
export LSAN_OPTIONS="suppressions=$PWD/../tests/lsan.supp"
export ASAN_OPTIONS="fast_unwind_on_malloc=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export CONFAB_TEST_WAIT_MS=20000
ctest --output-on-failure --timeout 900 -E format "$@"
