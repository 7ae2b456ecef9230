#!/usr/bin/env bash
# Latency of other clients while many idle keep-alive connections are held (issue 16: 1,000 idle
# connections must not stop others being served; the tests check that they are served, this measures how
# fast). For the floor (GET /health/live) and POST /v2/auth/verify, wrk runs once with no idle connection
# held and once with IDLE of them open, each having made one request and then sent nothing (within the
# keep-alive deadline, 30 s by default, so DURATION must stay under it). Loopback only.
#
# Knobs: IDLE=1000 DURATION=8s THREADS=2 CONNS=16 PORT=18085 SKIP_BUILD=0 GATEHOUSE_BENCH_BIN.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
IDLE="${IDLE:-1000}"; DURATION="${DURATION:-8s}"; THREADS="${THREADS:-2}"; CONNS="${CONNS:-16}"
PORT="${PORT:-18085}"; BASE="http://127.0.0.1:$PORT"; WORK="$HERE/work-idle"
export BENCH_DIR="$HERE" BENCH_THREADS="$THREADS"
ulimit -n "$(ulimit -Hn)"
PY="$("$ROOT/scripts/venv.sh")"
source "$HERE/lib.sh"
start_server

json() { "$PY" -c "import json,sys; print(json.load(sys.stdin)$1)"; }
curl -sf -X POST "$BASE/v2/tenants" -H "x-api-key: $SYSTEM_KEY" -H 'content-type: application/json' \
  -d '{"projectName":"Idle"}' > "$WORK/tenant.json"
PK=$(json '["projectApiKey"]' < "$WORK/tenant.json")
echo "{\"authToken\":\"$(json '["jwt"]' < "$WORK/tenant.json")\"}" > "$WORK/verify.json"

measure() { # LABEL NAME PATH SCRIPT ARGS...
  local label="$1" name="$2" path="$3" script="$4"; shift 4
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 30s --latency -s "$HERE/$script" "$BASE$path" -- "$@" > "$WORK/$name.txt" 2>&1
  # shellcheck disable=SC2046 # four fields, split on purpose
  printf "| %-14s | %-22s | %8s | %7s | %7s | %6s |\n" "$label" "$path" $(wrk_fields "$WORK/$name.txt")
}

echo
echo "gatehouse idle connections: wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) cores, $(date -u +%FT%TZ)"
echo "| idle held      | path                   |    req/s | p50 ms  | p99 ms  | non2xx |"
echo "|----------------|------------------------|----------|---------|---------|--------|"
measure "none" floor0 /health/live get.lua
measure "none" verify0 /v2/auth/verify post.lua "$WORK/verify.json" "$PK"
# The holder: IDLE connections, one request each, then silence until it is killed.
"$PY" - "$PORT" "$IDLE" > "$WORK/holder.log" 2>&1 <<'PY' &
import socket, sys, time, resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
port, count = int(sys.argv[1]), int(sys.argv[2])
held = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
    s.recv(4096)
    held.append(s)
print("holding", len(held), flush=True)
time.sleep(3600)
PY
HOLDER=$!
trap 'kill $HOLDER 2>/dev/null || true; cleanup' EXIT
until grep -q holding "$WORK/holder.log" 2>/dev/null; do kill -0 $HOLDER || { cat "$WORK/holder.log"; exit 1; }; sleep 0.1; done
measure "$IDLE" floor1 /health/live get.lua
measure "$IDLE" verify1 /v2/auth/verify post.lua "$WORK/verify.json" "$PK"
echo "server RSS with $IDLE idle connections: $(awk '$1=="VmRSS:" {printf "%.1f", $2/1024}' /proc/$SERVER_PID/status) MB"
