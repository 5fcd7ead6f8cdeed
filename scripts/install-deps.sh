#!/usr/bin/env bash
# Installs every Debian 12 package Confab needs to build, test and package, by name.
# Skips apt entirely when everything is already there. Run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git clang-format clang libclang-rt-14-dev
  qt6-base-dev qt6-websockets-dev qt6-declarative-dev qt6-httpserver-dev libgl-dev
  libqt6sql6-sqlite sqlite3 qt6-declarative-dev-tools fonts-dejavu-core
  qml6-module-qtquick qml6-module-qtqml qml6-module-qtqml-models qml6-module-qtqml-workerscript
  qml6-module-qtquick-controls qml6-module-qtquick-layouts qml6-module-qtquick-window
  qml6-module-qtquick-templates qml6-module-qttest qml6-module-qtquick-dialogs
  xvfb xauth dpkg-dev file curl procps dbus-daemon
  librsvg2-bin appstream desktop-file-utils caddy systemd lintian
  chromium libqrencode-dev
  # The container image test (tests/packaging/test-image.sh): rootful podman on runc, and
  # debootstrap for its base images (no registry is reachable).
  podman debootstrap uidmap runc slirp4netns fuse-overlayfs
  # Cluster mode (libhiredis) and its tests (a real redis-server).
  redis-server libhiredis-dev
  openbox python3  # bench/app/appcpu.sh: the app in a real X session, its chat bots
  valgrind  # tests/lint/qmllint-memcheck.sh: qmllint's own uninitialised reads
  xdotool imagemagick  # scripts/screenshots.sh: keys typed into the app, windows saved
  fonts-noto-color-emoji  # scripts/screenshots.sh: reaction chips drawn in colour
)

# The browser test's npm packages (playwright-core drives the chromium above; nothing downloads
# a browser), pinned by tests/web/package-lock.json.
# Node.js and npm are the machine's own (this kind of machine comes with them).
web_tests="$(cd "$(dirname "$0")/.." && pwd)/tests/web"
npm_packages() {
  if [ ! -d "$web_tests/node_modules/playwright-core" ] && command -v npm >/dev/null; then
    (cd "$web_tests" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  npm_packages
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or with sudo) to install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

# Debian's caddy package starts a web server on port 80 where systemd runs. Confab only needs the
# binary (its tests run caddy on their own ports), so a caddy installed just now is stopped again.
if [[ " ${missing[*]} " == *" caddy "* ]] && [ -d /run/systemd/system ]; then
  systemctl disable --now caddy.service >/dev/null 2>&1 || true
fi

npm_packages
