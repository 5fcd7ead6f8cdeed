#!/usr/bin/env bash
# Builds the .deb from a build directory, installs it for real with apt, checks what it holds and
# that the installed programs work, and removes it again. Needs root (CTest: package_deb).
# Recommends (avahi-daemon) are left out: the test must not pull new services onto the machine.
#   packaging/test-deb.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?build dir}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
source "$src/scripts/listening-port.sh"
if [ "$(id -u)" -ne 0 ]; then
  echo "package test: needs root to install the package; skipped"
  exit 77
fi
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  if dpkg-query -W -f='${Status}' confab 2>/dev/null | grep "install ok installed" >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q confab >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package test: $*" >&2; exit 1; }

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
echo "== cpack: confab $version"
(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack failed"; }
deb="$work/pkg/confab_${version}_amd64.deb"
[ -f "$deb" ] || { ls "$work/pkg"; fail "no $deb"; }

echo "== contents"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$work/files"
for f in /usr/bin/confab /usr/bin/confab-server \
         /usr/share/applications/org.confab.Confab.desktop \
         /usr/share/metainfo/org.confab.Confab.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/org.confab.Confab.svg \
         /usr/share/icons/hicolor/48x48/apps/org.confab.Confab.png \
         /usr/share/icons/hicolor/256x256/apps/org.confab.Confab.png \
         /usr/share/man/man1/confab.1.gz /usr/share/man/man1/confab-server.1.gz \
         /usr/lib/systemd/system/confab-server.service /etc/confab/confab-server.conf \
         /usr/share/doc/confab/copyright; do
  grep -qx "$f" "$work/files" || fail "$f is not in the package"
done
dpkg-deb -I "$deb" >"$work/info"
for dep in libqt6core6 libqt6websockets6 libqt6quick6 libqt6sql6-sqlite qml6-module-qtquick-controls \
           qml6-module-qtquick-layouts qml6-module-qtquick-templates qml6-module-qtqml-workerscript; do
  grep -E "^ Depends:" "$work/info" | grep "$dep" >/dev/null || fail "Depends lacks $dep"
done
# Lists go to files before grep -q reads them: under pipefail, grep -q leaving at its first match
# kills the writer with SIGPIPE and fails the pipeline even though the match was found (CI saw
# "no conffiles" for a package that had them).
dpkg-deb --ctrl-tarfile "$deb" | tar -t >"$work/control"
grep -qx './conffiles' "$work/control" || fail "no conffiles"
if grep -q "build/" "$work/files"; then fail "build paths leaked into the package"; fi
grep -qx /usr/share/doc/confab/changelog.gz "$work/files" || fail "no changelog"
echo "== lintian"
lintian --fail-on error,warning --tag-display-limit 0 "$deb" 2>&1 | grep -v "root privileges" || true
lintian --fail-on error,warning "$deb" >/dev/null 2>&1 || fail "lintian found errors or warnings"

echo "== apt-get install ./$(basename "$deb")"
(cd "$work/pkg" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "./$(basename "$deb")") >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get install failed"; }
command -v confab-server >/dev/null || fail "confab-server not on PATH after install"

echo "== metadata validates"
appstreamcli validate --no-net /usr/share/metainfo/org.confab.Confab.metainfo.xml
desktop-file-validate /usr/share/applications/org.confab.Confab.desktop
systemd-analyze verify --man=no /usr/lib/systemd/system/confab-server.service
exposure=$(systemd-analyze security --offline=yes /usr/lib/systemd/system/confab-server.service 2>&1 | tail -1)
echo "$exposure"
grep -Eq "exposure level .* (OK|[0-1]\.[0-9]|2\.[0-9])" <<<"$exposure" || fail "the unit is not hardened: $exposure"
[ -z "$(readelf -d /usr/bin/confab-server | grep -E 'RPATH|RUNPATH')" ] || fail "installed binary carries an RPATH"

echo "== confab --version (no display)"
env -u DISPLAY -u WAYLAND_DISPLAY confab --version | tee "$work/version"
grep -qx "confab $version" "$work/version" || fail "confab --version said $(cat "$work/version")"
confab-server --version | grep "$version" >/dev/null || fail "confab-server --version"

echo "== installed confab-server on loopback, with the shipped config"
/usr/bin/confab-server --config /etc/confab/confab-server.conf --bind 127.0.0.1 --port 0 \
  --data-dir "$work/data" >"$work/server.log" 2>&1 &
server=$!
port=$(listening_port "$work/server.log") || { cat "$work/server.log"; fail "the installed server did not start"; }
health=$(curl -fsS "http://127.0.0.1:$port/healthz")
echo "/healthz: $health"
grep -q '"status":"ok"' <<<"$health" || fail "/healthz said $health"
# A protocol hello: the load generator connects, says hello and waits for welcome.
hello=$("$build/bench/loadgen/confab-loadgen" --url "ws://127.0.0.1:$port/ws" --members 3 --idle \
          --timeout 10 --json)
echo "hello: $hello"
grep -q '"connected":3' <<<"$hello" || fail "no welcome from the installed server"
kill "$server"; wait "$server" || fail "the installed server did not stop cleanly"
server=""

echo "== installed app renders (offscreen, hosting on a free port, no LAN announcement)"
HOME="$work/home" QT_QPA_PLATFORM=offscreen timeout 60 confab --host --port 0 --no-announce \
  --nick packager --screenshot "$work/shot.png" >"$work/app.log" 2>&1 || { cat "$work/app.log"; fail "installed app failed"; }
[ -s "$work/shot.png" ] || fail "no screenshot from the installed app"

echo "== apt-get remove"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q confab >/dev/null
[ ! -e /usr/bin/confab-server ] || fail "confab-server still there after remove"
[ -e /etc/confab/confab-server.conf ] || fail "remove took the config (only purge may)"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q confab >/dev/null
[ ! -e /etc/confab/confab-server.conf ] || fail "purge left the config"
echo "package test: passed"
