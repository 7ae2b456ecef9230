#!/usr/bin/env bash
# Gatehouse load benchmark: builds release, starts the server on SQLite (fresh data folder), and measures
# with wrk for DURATION each: /v2/auth/token (external EdDSA token exchange for an existing user),
# /v2/auth/refresh (rotation chains), /v2/auth/verify and /health/live (the HTTP floor). Prints a table,
# plus idle and peak RSS and the time from start to ready. Loopback only; stops the server on exit.
#
# Then password logins (Classic API) at bcrypt cost 12 and 10 beside the raw bcrypt rate of all cores at
# the same cost, and GET /auth/profile with an access token and with an API key.
#
# Then the flows wrk cannot drive because every request needs a fresh signature, with bench/loadgen (a
# minimal blocking HTTP/1.1 client in Swift, release build): device logins (challenge + authenticate),
# action confirmations (create + approve) with ES256 device keys, and passkey logins (login/start +
# login/finish with ES256 assertions); rates count whole flows. Last, login/finish on its own.
#
# Knobs: DURATION=15s LOGIN_DURATION=40s THREADS=2 CONNS=16 PORT=18080 SKIP_BUILD=0, WRK_ONLY=1 (the first
# table only: floor, verify, token, refresh), SKIP_FLOWS=1 (no device and passkey flows), GROW_SESSIONS and
# GROW_EVENTS (the grown-database benchmark: bench/grow-db.py adds that many sessions with their refresh
# tokens and audit events to another tenant before measuring), and GATEHOUSE_BENCH_BIN to
# measure another build of the server (bench/ab.sh compares two).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DURATION="${DURATION:-15s}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-16}"
PORT="${PORT:-18080}"
BASE="http://127.0.0.1:$PORT"
WORK="$HERE/work"
export BENCH_DIR="$HERE" BENCH_THREADS="$THREADS"

PY="$("$ROOT/scripts/venv.sh")"
source "$HERE/lib.sh"
start_ns=$(date +%s%N)
start_server
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
GROWN=""
if [ -n "${GROW_SESSIONS:-}" ]; then   # the grown-database benchmark: other rows first, then the same runs
  "$PY" "$HERE/grow-db.py" "$BASE" "$SYSTEM_KEY" "$WORK/data/gatehouse.sqlite" --sessions "$GROW_SESSIONS" \
    --events "${GROW_EVENTS:-0}" >&2
  GROWN=", grown: $GROW_SESSIONS sessions and ${GROW_EVENTS:-0} events already in the database ($(du -m "$WORK/data/gatehouse.sqlite" | cut -f1) MB)"
fi
sleep 1
rss() { awk -v k="$1" '$1==k":" {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"; }
idle_rss=$(rss VmRSS)

json() { "$PY" -c "import json,sys; print(json.load(sys.stdin)$1)"; }
curl -sf -X POST "$BASE/v2/tenants" -H "x-api-key: $SYSTEM_KEY" -H 'content-type: application/json' \
  -d '{"projectName":"Bench"}' > "$WORK/tenant.json"
PK=$(json '["projectApiKey"]' < "$WORK/tenant.json")
ADMIN=$(json '["jwt"]' < "$WORK/tenant.json")
"$PY" "$ROOT/scripts/demo-idp.py" keygen "$WORK/idp.pem"
curl -sf -X POST "$BASE/v2/identity-providers" -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d "{\"issuer\":\"https://idp.bench\",\"audience\":\"bench\",\"jwks\":$("$PY" "$ROOT/scripts/demo-idp.py" jwks "$WORK/idp.pem")}" >/dev/null
IDP=$("$PY" "$ROOT/scripts/demo-idp.py" token "$WORK/idp.pem" --iss https://idp.bench --sub bench-user --aud bench --email b@bench.io --ttl 7200)
echo "{\"authToken\":\"$IDP\",\"authType\":\"user\"}" > "$WORK/token.json"
curl -sf -X POST "$BASE/v2/auth/token" -H "x-project-key: $PK" -H 'content-type: application/json' -d @"$WORK/token.json" > "$WORK/pair.json"
ACCESS=$(json '["accessToken"]' < "$WORK/pair.json")
echo "{\"authToken\":\"$ACCESS\"}" > "$WORK/verify.json"
: > "$WORK/refresh-tokens.txt"
for _ in $(seq 1 $((CONNS + THREADS))); do
  curl -sf -X POST "$BASE/v2/auth/token" -H "x-project-key: $PK" -H 'content-type: application/json' -d @"$WORK/token.json" \
    | json '["refreshToken"]' >> "$WORK/refresh-tokens.txt"
done

run() { # NAME PATH SCRIPT ARGS...
  local name="$1" path="$2" script="$3"; shift 3
  local duration="$DURATION"
  if [[ "$name" == login* ]]; then
    # bcrypt-bound: no warm-up (its abandoned requests would keep the hash pool busy into the
    # measurement) and a longer run, so the queue's fill and drain are a small part of it.
    duration="${LOGIN_DURATION:-40s}"
  else
    wrk -t"$THREADS" -c"$CONNS" -d3s --timeout 30s -s "$HERE/$script" "$BASE$path" -- "$@" > /dev/null 2>&1 || true
  fi
  if [ "$name" = "refresh" ]; then   # the warm-up spent the chains: start new ones
    : > "$WORK/refresh-tokens.txt"
    for _ in $(seq 1 $((CONNS + THREADS))); do
      curl -sf -X POST "$BASE/v2/auth/token" -H "x-project-key: $PK" -H 'content-type: application/json' -d @"$WORK/token.json" \
        | json '["refreshToken"]' >> "$WORK/refresh-tokens.txt"
    done
  fi
  wrk -t"$THREADS" -c"$CONNS" -d"$duration" --timeout 60s --latency -s "$HERE/$script" "$BASE$path" -- "$@" > "$WORK/$name.txt" 2>&1
  # shellcheck disable=SC2046 # four fields, split on purpose
  printf "| %-24s | %8s | %7s | %7s | %6s |\n" "$name $path" $(wrk_fields "$WORK/$name.txt")
}

echo
echo "gatehouse bench: SQLite, wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) cores, $(date -u +%FT%TZ)$GROWN"
echo "| endpoint                 |    req/s | p50 ms  | p99 ms  | non2xx |"
echo "|--------------------------|----------|---------|---------|--------|"
run health /health/live get.lua
run verify /v2/auth/verify post.lua "$WORK/verify.json" "$PK"
run token /v2/auth/token post.lua "$WORK/token.json" "$PK"
run refresh /v2/auth/refresh refresh.lua "$WORK/refresh-tokens.txt" "$PK"
echo
echo "start to ready: ${ready_ms} ms | idle RSS: ${idle_rss} MB | peak RSS: $(rss VmHWM) MB"
[ "${WRK_ONLY:-0}" = "1" ] && exit 0

# ---------------------------------------------------------------- device keys: logins and confirmations
if [ "${SKIP_FLOWS:-0}" != "1" ]; then
if [ "${SKIP_BUILD:-0}" != "1" ]; then (cd "$HERE/loadgen" && swift build -c release >&2); fi
LOADGEN="$HERE/loadgen/.build/release/loadgen"
# One user (device and passkey) per connection: a passkey's counter must only rise.
"$PY" "$HERE/devices.py" "$BASE" "$SYSTEM_KEY" "$WORK/device-users.json" --users "$CONNS"
echo
echo "| flow (2 requests each)   |  flows/s | p50 ms  | p99 ms  | errors |"
echo "|--------------------------|----------|---------|---------|--------|"
# passkey-finish: login/finish alone, each connection having started enough ceremonies beforehand
# (untimed) for the whole run; it counts requests, not flows.
PREFETCH=$(( ${DURATION%s} * 4000 / CONNS ))
for FLOW in device-login confirmation passkey-login passkey-finish; do
  "$LOADGEN" "$FLOW" "$BASE" "$WORK/device-users.json" --duration 3 --concurrency "$CONNS" --prefetch 500 > /dev/null
  line=$("$LOADGEN" "$FLOW" "$BASE" "$WORK/device-users.json" --duration "${DURATION%s}" --concurrency "$CONNS" \
    --prefetch "$PREFETCH")
  label="$FLOW"; [ "$FLOW" = passkey-finish ] && label="finish alone (req/s)"
  printf "| %-24s | %8s | %7s | %7s | %6s |\n" "$label" \
    "$(sed -E 's/.*rate=([0-9.]+).*/\1/' <<<"$line")" "$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$line")" \
    "$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$line")" "$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")"
done
fi

# ---------------------------------------------------------------- accounts: profile, API keys, password logins
PASSWORD="bench password $(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$PASSWORD" | GATEHOUSE_SYSTEM_API_KEY="$SYSTEM_KEY" GATEHOUSE_DATA_DIR="$WORK/data" GATEHOUSE_LOG_LEVEL=error \
  "$BIN" user create --username bench --email bench@bench.io --password-stdin > /dev/null
echo "{\"username\":\"bench\",\"password\":\"$PASSWORD\"}" > "$WORK/login.json"
TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' -d @"$WORK/login.json" | json '["token"]')
APIKEY=$(curl -sf -X POST "$BASE/api/v1/auth/keys" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"name":"bench"}' | json '["apiKey"]')
echo
echo "| endpoint                 |    req/s | p50 ms  | p99 ms  | non2xx |"
echo "|--------------------------|----------|---------|---------|--------|"
run profile-token /auth/profile get.lua authorization "Bearer $TOKEN"
run profile-apikey /auth/profile get.lua x-api-key "$APIKEY"
for COST in 12 10; do
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  start_server GATEHOUSE_BCRYPT_COST="$COST" GATEHOUSE_LOGIN_ACCOUNT_LIMIT=1000000
  # A user whose password was hashed at this cost.
  echo "$PASSWORD" | GATEHOUSE_SYSTEM_API_KEY="$SYSTEM_KEY" GATEHOUSE_DATA_DIR="$WORK/data" GATEHOUSE_LOG_LEVEL=error \
    GATEHOUSE_BCRYPT_COST="$COST" "$BIN" user create --username "bench$COST" --password-stdin > /dev/null
  echo "{\"username\":\"bench$COST\",\"password\":\"$PASSWORD\"}" > "$WORK/login$COST.json"
  raw=$("$BIN" passwords calibrate --cost "$COST" --seconds 10)
  run "login-cost$COST" /api/v1/auth/login post.lua "$WORK/login$COST.json"
  logins=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$(grep '^RESULT' "$WORK/login-cost$COST.txt")")
  hashes=$(sed -E 's/.*: ([0-9.]+) hashes.*/\1/' <<<"$raw")
  echo "  $raw -> logins at $(awk -v a="$logins" -v b="$hashes" 'BEGIN { printf "%.0f", 100 * a / b }')% of the raw rate"
done
