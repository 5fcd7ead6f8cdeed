# Sourced by scripts that start a server on port 0 (confab-server or a benchmark peer): every one
# of them logs "... port N ..." once it listens.
#   port=$(listening_port LOGFILE) || echo "did not start"
listening_port() {
  local log=$1 port=""
  for _ in $(seq 1 100); do # 10 s at most
    port=$(grep -ao 'port [0-9]*' "$log" | head -1 | cut -d' ' -f2 || true)
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
  done
  return 1
}
