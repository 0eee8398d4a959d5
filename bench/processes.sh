# Sourced by run.sh and cluster.sh: the log line, the processes a script starts (append each pid to STARTED)
# and their stop on exit, and the free-port check. Set SCRIPT before sourcing it.

log() { echo "$(date +%T) $SCRIPT: $*" >&2; }

STARTED=()
cleanup() {
  local status=$?
  for pid in "${STARTED[@]}"; do
    # run.sh stops (SIGSTOP) the relays it is not measuring; a stopped process would not act on TERM.
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  [ ${#STARTED[@]} -gt 0 ] && log "stopped ${STARTED[*]}"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
