#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer and UBSan) into
# build-fuzz/ and runs each for SECONDS (default 60), starting from the seed corpus in
# tests/fuzz/corpus. New inputs go to build-fuzz/corpus/<target>, crashes to
# build-fuzz/artifacts/ (FUZZ_BUILD_DIR names another folder). Exits non-zero when a target
# finds a crash. CTest runs it for a few seconds per target (fuzz_smoke).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_frames fuzz_http_head fuzz_upgrade fuzz_protocol_json)

out=${FUZZ_BUILD_DIR:-build-fuzz}
CXX=clang++ cmake -S tests/fuzz -B "$out" -G Ninja >/dev/null
cmake --build "$out" --parallel "$(nproc)"
mkdir -p "$out/artifacts"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t"
  echo "fuzz: $t for ${seconds}s"
  if ! "$out/$t" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$out/artifacts/$t-" "$out/corpus/$t" "tests/fuzz/corpus/$t" \
      2>"$out/$t.log"; then
    echo "fuzz: $t FOUND A CRASH ($out/$t.log, $out/artifacts/)" >&2
    tail -40 "$out/$t.log" >&2
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|cov:" "$out/$t.log" | tail -3
done
exit $status
