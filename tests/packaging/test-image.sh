#!/usr/bin/env bash
# The container image, built and run for real with podman (CTest package_image, root only):
# builds packaging/docker/Dockerfile unchanged, checks the image is small, holds no compiler and
# runs as its unprivileged user, then starts containers of it on free loopback ports (host
# network, read-only root, no capabilities, as compose.yaml runs them) and checks that the
# image's HEALTHCHECK passes and that two people can chat through them.
#
# One server always. Two servers on one real redis-server, chatting across them, only when the
# image's confab-server accepts --redis (cluster mode, issue 11): the output says which ran.
#   tests/packaging/test-image.sh
# Base images: packaging/docker/podman-base.sh (debootstrap once, cached in /var/cache/confab).
# Build time: layers are cached in podman's storage, and the compile step keeps a ccache mount, so
# only a change under server/ or web/ recompiles, and only what changed.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "image test: $*"; }
skip() {
  say "SKIPPED: $*"
  exit 77
}
fail() {
  say "FAILED: $*" >&2
  keep_logs=1
  exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (rootful podman)"
command -v podman >/dev/null || skip "podman is not installed (scripts/install-deps.sh installs it)"
command -v node >/dev/null || skip "node is not installed (the chat check is a node WebSocket client)"
command -v curl >/dev/null || fail "curl is missing (scripts/install-deps.sh installs it)"

podman=(podman --runtime runc --cgroup-manager cgroupfs)
# podman's default open-files limit is above what a process may set here (runc fails with
# "error setting rlimit"): every container gets these.
limits=(--ulimit nofile=16384:16384 --ulimit nproc=4096:4096)
tag=localhost/confab-server:test
# The limit the test holds the image to; the size is printed either way.
max_mb=${CONFAB_IMAGE_MAX_MB:-175}
work=$(mktemp -d)
containers=()
redis_pid=""
cleanup() {
  local c
  for c in "${containers[@]}"; do
    if [ -n "${keep_logs:-}" ]; then
      echo "--- podman logs $c"
      "${podman[@]}" logs "$c" 2>&1 | tail -30 || true
    fi
    "${podman[@]}" rm -f -t 2 "$c" >/dev/null 2>&1 || true
  done
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

node_flags=()
if [ -z "$(node -e 'process.stdout.write(typeof WebSocket === "function" ? "y" : "")')" ] \
  && node --experimental-websocket -e 0 2>/dev/null; then
  node_flags=(--experimental-websocket)
fi
chat() { node "${node_flags[@]}" "$src/tests/packaging/chat-check.mjs" "$@" 2>&1 | grep -v ExperimentalWarning; }

# --- build ------------------------------------------------------------------------------------
bash "$src/packaging/docker/podman-base.sh"
say "podman build -f packaging/docker/Dockerfile"
start=$SECONDS
"${podman[@]}" build --isolation=chroot --pull=never --format docker \
  -f "$src/packaging/docker/Dockerfile" -t "$tag" "$src" >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log"; fail "podman build failed"; }
say "image built in $((SECONDS - start)) s ($(grep -c -- '--> Using cache' "$work/build.log" || true) cached steps)"
# Each build whose sources changed leaves its build stage behind as an untagged image (the layer
# cache of the next build). Those older than a week are of no more use: dropped, so that CI on a
# long-lived machine does not fill its disk.
"${podman[@]}" image prune -f --filter until=168h >/dev/null 2>&1 || true

# --- what is in it ----------------------------------------------------------------------------
bytes=$("${podman[@]}" image inspect --format '{{.Size}}' "$tag")
mb=$(((bytes + 999999) / 1000000))
say "image size: $mb MB (limit $max_mb MB)"
[ "$mb" -le "$max_mb" ] || fail "the image is $mb MB, more than $max_mb MB"

user=$("${podman[@]}" image inspect --format '{{.Config.User}}' "$tag")
[ "$user" = confab ] || fail "the image runs as '$user', not confab"
health=$("${podman[@]}" image inspect --format '{{.Config.Healthcheck}}' "$tag")
[[ "$health" == *healthz* ]] || fail "the image has no HEALTHCHECK on /healthz ($health)"

# No toolchain: neither the programs nor the packages (the build stage's stay behind).
inside() { "${podman[@]}" run --rm --network none --no-healthcheck "${limits[@]}" --entrypoint /bin/sh "$tag" -c "$1"; }
tools=$(inside 'for t in gcc g++ cc c++ cpp cmake ninja make ld as; do command -v $t || true; done')
[ -z "$tools" ] || fail "build tools in the image: $tools"
# (gcc-12-base is not a compiler: libgcc-s1 needs it, and it holds only docs.)
devpkgs=$(inside "dpkg-query -W -f '\${Package}\n' | grep -E '^(gcc|g\+\+|cpp|clang|binutils)(-[0-9]+)?$|^(cmake|ninja-build|make|libc6-dev|.*-dev)$' || true")
[ -z "$devpkgs" ] || fail "build packages in the image: $(echo $devpkgs)"
say "no compiler, build tool or -dev package in the image; runs as user confab"

# --- run --------------------------------------------------------------------------------------
# As compose.yaml runs it; host network (podman's own networking needs more than CI has).
start_container() { # name port [env...]; the container's name is recorded for cleanup
  local name=$1 port=$2
  shift 2
  local env=(-e CONFAB_BIND=127.0.0.1 -e "CONFAB_PORT=$port")
  local e
  for e in "$@"; do env+=(-e "$e"); done
  containers+=("$name")
  # Without systemd as PID 1 podman cannot set up the periodic health check timer and says so
  # on stderr; the test runs the image's health check itself (podman healthcheck run).
  "${podman[@]}" run -d --name "$name" --network host --read-only --tmpfs /tmp \
    --cap-drop ALL --security-opt no-new-privileges \
    "${limits[@]}" "${env[@]}" "$tag" >/dev/null 2>"$work/run.err" \
    || { cat "$work/run.err"; fail "podman run $name failed"; }
}

wait_healthy() { # name port: /healthz answers, then the image's own HEALTHCHECK passes
  local name=$1 port=$2
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    [ "$("${podman[@]}" inspect --format '{{.State.Running}}' "$name")" = true ] \
      || fail "$name exited: $("${podman[@]}" logs "$name" 2>&1 | tail -5)"
    sleep 0.1
  done
  "${podman[@]}" healthcheck run "$name" || fail "$name: the image's HEALTHCHECK failed"
  local status
  status=$("${podman[@]}" inspect --format '{{.State.Health.Status}}' "$name" 2>/dev/null \
    || "${podman[@]}" inspect --format '{{.State.Healthcheck.Status}}' "$name")
  [ "$status" = healthy ] || fail "$name: health status '$status'"
  # The server itself runs as the image's user: its uid as the host sees it (rootful, no userns).
  local pid uid
  pid=$("${podman[@]}" inspect --format '{{.State.Pid}}' "$name")
  uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
  [ "$uid" = 7300 ] || fail "$name: confab-server runs as uid $uid, not confab (7300)"
  say "$name on port $port: healthy (HEALTHCHECK passed), confab-server runs as uid $uid"
}

ran="one server"
port=$(free_port)
start_container "confab-image-test-$$-single" "$port"
wait_healthy "confab-image-test-$$-single" "$port"
chat "ws://127.0.0.1:$port/ws" "ws://127.0.0.1:$port/ws" || fail "chat through one container"
say "one server: chat through the container works"

# --- two servers, one Redis (only when the server has cluster mode) -------------------------
if "${podman[@]}" run --rm --network none --no-healthcheck "${limits[@]}" "$tag" --help 2>&1 \
  | grep -- '--redis' >/dev/null; then
  command -v redis-server >/dev/null || fail "the server has --redis but redis-server is missing (scripts/install-deps.sh)"
  rport=$(free_port)
  mkdir "$work/redis"
  redis-server --bind 127.0.0.1 --port "$rport" --dir "$work/redis" --save "" \
    --appendonly yes --appendfsync always --daemonize no >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do
    redis-cli -p "$rport" ping 2>/dev/null | grep PONG >/dev/null && break
    sleep 0.1
  done
  url="redis://127.0.0.1:$rport"
  port_a=$(free_port)
  port_b=$(free_port)
  start_container "confab-image-test-$$-a" "$port_a" "CONFAB_REDIS=$url"
  start_container "confab-image-test-$$-b" "$port_b" "CONFAB_REDIS=$url"
  wait_healthy "confab-image-test-$$-a" "$port_a"
  wait_healthy "confab-image-test-$$-b" "$port_b"
  chat "ws://127.0.0.1:$port_a/ws" "ws://127.0.0.1:$port_b/ws" || fail "chat across two containers"
  say "two servers on one redis-server: alice on one container and bob on the other chat"
  ran="one server, and two servers on one Redis"
else
  say "two servers on one Redis: NOT RUN (this confab-server has no --redis option yet)"
fi

say "passed: $ran"
