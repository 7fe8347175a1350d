# Sourced by the shell test drivers (tests/c/run.sh, tests/arm64/run.sh, tests/arm64/pwsh.sh, tests/windows/run.sh,
# tests/windows/pwsh.sh): the reference manager on an ephemeral port with the demo layout, and its stop.
#   start_refmanager BINARY HOSTS LOG READY_FILE  starts it, sets REF_PID, waits up to 10 s for the port it writes
#                                                 to READY_FILE; sets REF_PORT; non-zero (REF_PORT empty) if none
#                                                 came (LOG says why). fd 9 is closed for it: a lock some callers
#                                                 hold must not outlive them in the manager.
#   stop_refmanager                               stops it, and the processes the caller added to REF_ALSO_STOP;
#                                                 callers set `trap stop_refmanager EXIT` (or a trap that calls it)
REF_PID=
REF_PORT=
REF_ALSO_STOP=()

stop_refmanager() {
  local pid
  for pid in ${REF_PID:+"$REF_PID"} "${REF_ALSO_STOP[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  return 0
}

start_refmanager() {
  local binary=$1 hosts=$2 log=$3 ready=$4
  rm -f "$ready"
  "$binary" --hosts "$hosts" --port 0 --layout demo --ready-file "$ready" --quiet >"$log" 2>&1 9>&- &
  REF_PID=$!
  for _ in $(seq 1 200); do
    [ -s "$ready" ] && break
    kill -0 "$REF_PID" 2>/dev/null || break
    sleep 0.05
  done
  REF_PORT=$(cat "$ready" 2>/dev/null)
  [ -n "$REF_PORT" ]
}
