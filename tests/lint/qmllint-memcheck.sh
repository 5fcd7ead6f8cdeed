#!/usr/bin/env bash
# qmllint itself, under valgrind, over all the app's QML: Qt 6.4's qmllint reads uninitialised
# memory on some constructs (a method called on a typed string parameter in a JavaScript
# function: `function f(text: string) { text.trim() }`) and then crashes now and then: about one
# run in a hundred, which failed CI's qmllint test with a segmentation fault. Under valgrind the
# read is seen every time, so this fails on the construct, not on the luck of the run.
# Errors in qmllint's own start-up (stack frames valgrind cannot name) are not ours; an error with
# a frame in the QML compiler (QQmlJS…) is.
# usage: qmllint-memcheck.sh BUILD_DIR QT_QML_IMPORT_DIR
set -euo pipefail
build=$1
imports=$2
cd "$(dirname "$0")/../../qml"
command -v valgrind >/dev/null || { echo "valgrind is missing: scripts/install-deps.sh installs it"; exit 1; }
resources=()
for qrc in "$build"/qml/.rcc/*.qrc; do resources+=(--resource "$qrc"); done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
valgrind -q /usr/lib/qt6/bin/qmllint --bare -I "$build" -I "$imports" "${resources[@]}" \
    ./*.qml ./*.js >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ] || grep 'QQmlJS' "$log" >/dev/null; then
    cat "$log"
    echo "qmllint under valgrind: exit $status; errors in the QML compiler's stack above"
    exit 1
fi
echo "qmllint under valgrind: clean over $(ls ./*.qml ./*.js | wc -l) files"
