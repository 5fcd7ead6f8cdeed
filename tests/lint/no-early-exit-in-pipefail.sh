#!/usr/bin/env bash
# Under `set -o pipefail`, `producer | grep -q PATTERN` fails when the pattern IS found: grep -q
# leaves at its first match, the producer still writing is killed by SIGPIPE, and its status 141
# becomes the pipeline's. Whether it happens depends on timing (CI saw the package test report
# "no conffiles" for a package that had them). Scripts with pipefail write the producer's output
# to a file or variable first, or let grep read everything (`grep PATTERN >/dev/null`).
# `head` ends a pipe early the same way and is checked too.
set -euo pipefail
cd "$(dirname "$0")/../.."

found=0
while IFS= read -r script; do
  grep -q 'pipefail' "$script" || continue
  # A pipe into grep -q/-m/head (also grep -qx, -Eq …), on a line that is not a comment.
  if grep -nE '^[^#]*\|[[:space:]]*(grep[[:space:]]+(-[A-Za-z]*[qm][A-Za-z]*)|head\b)' "$script" |
      sed "s|^|$script:|" | grep . ; then
    found=1
  fi
done < <(git ls-files '*.sh' .ci/run)
if [ "$found" -ne 0 ]; then
  echo "the pipes above end early under pipefail: write the producer's output to a file first"
  exit 1
fi
echo "no early-exiting readers at the end of a pipe in pipefail scripts"
