#!/usr/bin/env bash
# One source for limits: the error texts of the hub, the HTTP API, the codec and the frame
# decoders, and the desktop client's texts about the same rules, take their numbers from
# server/protocol/protocol.h or the config (u"... %1 ..."_s.arg(MaxRoomChars)), so that a changed
# limit cannot leave a message saying the old one. This fails when a string literal in those
# files holds the value of one of protocol.h's constants (those of 10 and up: smaller numbers are
# too common in prose to tell apart).
set -euo pipefail
cd "$(dirname "$0")/../.."

values=$(grep -oE '(int|qint64|quint16|double) [A-Za-z]+ = [0-9]+;' \
    server/protocol/protocol.h | grep -oE '[0-9]+;$' | tr -d ';' | awk '$1 >= 10' | sort -u |
    paste -sd '|')
[ -n "$values" ] || { echo "no limits found in protocol.h"; exit 1; }

files=(server/core/hub*.cpp server/core/httpapi.cpp server/protocol/codec.cpp
    server/protocol/frames.cpp server/protocol/jsonreader.cpp app/client/chatclient.cpp)
# A string literal on a line that is not a comment, with one of the values as a whole number.
if grep -nE "^[^/]*\"[^\"]*(^|[^0-9])($values)([^0-9][^\"]*)?\"" "${files[@]}"; then
    echo "limit numbers written out in the string literals above: take them from protocol.h"
    exit 1
fi
echo "no limit numbers in message literals (checked: $values)"
