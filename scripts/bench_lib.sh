# Helpers shared by scripts/bench_backend and scripts/bench_workflows (sourced, not run).
# The caller sets tmp (a scratch directory), started=() (every pid started, for cleanup),
# backend_bin and worker_bin; start_backend listens on backend_fixed_port when set (a restart
# on the same address), on any free port otherwise.

stop_pid() {  # TERM, up to 5 s to exit, then KILL
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  for pid in "${started[@]}"; do stop_pid "$pid"; done
  rm -rf "$tmp"
}

# wait_for_line FILE REGEX: prints the first capture group once a line matches (10 s at most).
wait_for_line() {
  local value=""
  for _ in $(seq 1 200); do
    value=$(sed -n "s/$2/\\1/p" "$1" 2>/dev/null | head -1)  # the file may not exist yet
    [ -n "$value" ] && { echo "$value"; return 0; }
    sleep 0.05
  done
  echo "timed out waiting for '$2' in $1:" >&2; tail -5 "$1" >&2
  return 1
}

# start_backend NAME [ARGS...]: sets backend_pid, backend_port and backend_url.
start_backend() {
  local name=$1; shift
  "$backend_bin" --host 127.0.0.1 --port "${backend_fixed_port:-0}" --db "$tmp/$name.db" "$@" >"$tmp/$name.log" 2>&1 &
  backend_pid=$!
  started+=("$backend_pid")
  backend_port=$(wait_for_line "$tmp/$name.log" '.*fleet-backend listening on port \([0-9]*\).*')
  backend_url="http://127.0.0.1:$backend_port"
}

# start_worker ID [ARGS...]: an echo worker registered with $backend_url; sets worker_pid.
start_worker() {
  local id=$1; shift
  "$worker_bin" --type echo --host 127.0.0.1 --port 0 --backend-url "$backend_url" --worker-id "$id" \
    "$@" >"$tmp/$id.log" 2>&1 &
  worker_pid=$!
  started+=("$worker_pid")
  wait_for_line "$tmp/$id.log" '.*listening on port \([0-9]*\).*' >/dev/null
}

# wait_available COUNT [TYPE]: until COUNT workers are AVAILABLE (20 s at most).
wait_available() {
  local n=0
  for _ in $(seq 1 400); do
    n=$(curl -sf "$backend_url/api/v1/workers?status=AVAILABLE${2:+&worker_type=$2}" | jq length 2>/dev/null || echo 0)
    [ "$n" -ge "$1" ] && return 0
    sleep 0.05
  done
  echo "only $n of $1 workers AVAILABLE after 20 s" >&2
  return 1
}

# start_workers COUNT PREFIX [ARGS...]: echo workers; sets workers (their pids) and worker_pids (a,b,c).
start_workers() {
  local count=$1 prefix=$2; shift 2
  workers=()
  for i in $(seq 1 "$count"); do start_worker "$prefix-$i" "$@"; workers+=("$worker_pid"); done
  worker_pids=$(IFS=,; echo "${workers[*]}")
  wait_available "$count"
}
stop_all() {
  stop_pid "$backend_pid"
  for pid in "${workers[@]}"; do stop_pid "$pid"; done
  workers=()
}
