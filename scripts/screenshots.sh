#!/usr/bin/env bash
# Retakes the app's screenshots in docs/screenshots/ the way a person sees the app: a real X
# session (Xvfb + openbox), the app hosting with its demo conversation, a bot that mentions the
# host and sends it direct messages, a second app joining in the dark theme; keys are typed with
# xdotool and each window is saved with ImageMagick's import. On a 1.1 server the bot and a
# friend make the chat busy: a reply, reactions, an edited and a deleted message (busy,
# busy-dark, with the pointer over a message so its action bar shows).
#
#   scripts/screenshots.sh              all of start, chat, chat-dark, chat-narrow, dm, search,
#                                       busy, busy-dark
#   OUT=/tmp/shots scripts/screenshots.sh
#
# Needs a build in build/ (scripts/build.sh) and xvfb, openbox, xdotool, imagemagick, python3
# (scripts/install-deps.sh). Look at the pictures before committing them.
set -euo pipefail
cd "$(dirname "$0")/.."
DISPLAY_NUMBER=${DISPLAY_NUMBER:-78}
APP=${APP:-./build/app/confab}
OUT=${OUT:-docs/screenshots}
[ -x "$APP" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
for tool in Xvfb openbox xdotool import python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool (scripts/install-deps.sh)" >&2; exit 1; }
done
mkdir -p "$OUT"

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
export DISPLAY=":$DISPLAY_NUMBER"
openbox >"$work/openbox.log" 2>&1 &
pids+=($!)
sleep 1

# The app in a home of its own (settings, kept conversations, its data directory), as a user
# who has never run it. Prints the pid; the window is found by it.
launch() { # NAME ARGS...
  local name=$1
  shift
  mkdir -p "$work/home-$name"
  HOME="$work/home-$name" "$APP" --size 1200x760 "$@" >"$work/app-$name.log" 2>&1 &
  echo $!
}
window_of() { # PID
  xdotool search --sync --onlyvisible --pid "$1" | sed -n 1p
}
shot() { # WINDOW NAME
  sleep 1.5 # the last change drawn
  import -window "$1" "$OUT/$2.png"
  echo "$OUT/$2.png"
}
keys() { # WINDOW KEY...
  local window=$1
  shift
  xdotool windowactivate --sync "$window"
  xdotool key --clearmodifiers "$@"
  sleep 0.5
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The start screen.
start=$(launch start --nick Ada)
pids+=("$start")
shot "$(window_of "$start")" start
kill "$start"

# Hosting, with the demo's conversation in general; then a bot who mentions Ada and writes to
# her directly (the DM's title is the bot's nick).
host=$(launch host --host --port "$port" --nick Ada --no-announce --demo)
pids+=("$host")
hostwin=$(window_of "$host")
sleep 6 # the demo plays out
python3 scripts/screenshot-bot.py "$port" Mara Ada 300 &
pids+=($!)
sleep 6 # the bots' replies, reactions, edit and deletion
shot "$hostwin" chat

# The pointer over the reply (the action bar shows) and then over a reaction chip (who reacted).
xdotool mousemove --window "$hostwin" ${BUSY_HOVER:-700 560}
shot "$hostwin" busy
xdotool mousemove --window "$hostwin" 1190 20

keys "$hostwin" ctrl+f
sleep 1 # the popup's field has the focus
xdotool type --delay 40 "release"
xdotool key Return
shot "$hostwin" search
xdotool key Escape
sleep 1

keys "$hostwin" alt+Down # general, then the direct conversation
shot "$hostwin" dm
keys "$hostwin" alt+Up

xdotool windowsize --sync "$hostwin" 600 760
shot "$hostwin" chat-narrow
xdotool windowsize --sync "$hostwin" 1200 760

# A second person joins, in the dark theme.
joiner=$(QT_QUICK_CONTROLS_MATERIAL_THEME=Dark launch join --join "127.0.0.1:$port" --nick Lin)
pids+=("$joiner")
joinwin=$(window_of "$joiner")
sleep 3
shot "$joinwin" chat-dark
xdotool mousemove --window "$joinwin" ${BUSY_HOVER:-700 560}
shot "$joinwin" busy-dark
