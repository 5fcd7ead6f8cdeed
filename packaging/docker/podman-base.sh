#!/usr/bin/env bash
# Makes the base images packaging/docker/Dockerfile starts from, debian:bookworm and
# debian:bookworm-slim, in podman's local storage, without a container registry: debootstrap
# (minbase) from Debian's archive, then `podman import`. The slim one is the same tree with the
# path exclusions Debian's slim images carry (no docs, man pages or locales).
#
# The two tarballs are cached in $CONFAB_CACHE_DIR (default /var/cache/confab), outside any build
# tree, and imported again from there when podman's storage has lost them, so debootstrap runs
# once per machine. Root only.
#   packaging/docker/podman-base.sh
set -euo pipefail
cache=${CONFAB_CACHE_DIR:-/var/cache/confab}
suite=bookworm
podman=(podman --runtime runc --cgroup-manager cgroupfs)
say() { echo "podman-base: $*"; }

if "${podman[@]}" image exists "debian:$suite" && "${podman[@]}" image exists "debian:$suite-slim"; then
  say "debian:$suite and debian:$suite-slim are in podman's storage"
  exit 0
fi

mkdir -p "$cache"
full="$cache/debian-$suite-minbase.tar.gz"
slim="$cache/debian-$suite-slim.tar.gz"
if [ ! -s "$full" ] || [ ! -s "$slim" ]; then
  command -v debootstrap >/dev/null || { say "debootstrap is missing (scripts/install-deps.sh)" >&2; exit 1; }
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  say "debootstrap --variant=minbase $suite (once; cached in $cache)"
  start=$SECONDS
  debootstrap --variant=minbase "$suite" "$root" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
  rm -f "$root.log"
  # What a container base does not need: the package lists and downloaded .debs (every
  # Dockerfile runs apt-get update itself), and machine-specific files.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/log/* \
    "$root"/etc/machine-id "$root"/etc/hostname
  echo "deb http://deb.debian.org/debian $suite main
deb http://deb.debian.org/debian $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main" >"$root/etc/apt/sources.list"
  tar -C "$root" --numeric-owner -czf "$full.part" . && mv "$full.part" "$full"
  # Debian's slim images: dpkg leaves out documentation and translations (copyright files stay).
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
  tar -C "$root" --numeric-owner -czf "$slim.part" . && mv "$slim.part" "$slim"
  say "bootstrapped in $((SECONDS - start)) s"
fi

say "importing $full and $slim"
"${podman[@]}" import -q --change 'CMD ["bash"]' "$full" "debian:$suite" >/dev/null
"${podman[@]}" import -q --change 'CMD ["bash"]' "$slim" "debian:$suite-slim" >/dev/null
say "debian:$suite and debian:$suite-slim imported"
