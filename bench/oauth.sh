#!/usr/bin/env bash
# OAuth 2.0 side by side with Glewlwyd (issue 13): client_credentials token issuance and RFC 7662
# introspection of an access token, measured with wrk in one run on this machine, for Gatehouse (SQLite,
# fresh data folder) and then for Glewlwyd (../shared/peers/glewlwyd/run.sh, which installs it from Debian),
# with Gatehouse's HTTP floor (GET /health/live) of the same run. Prints absolute figures and the ratios the
# issue sets targets for. Loopback only; stops what it starts.
#
# Knobs: DURATION=15s THREADS=2 CONNS=16 PORT=18080 SKIP_BUILD=0 GATEHOUSE_BENCH_BIN, PEER=path/to/run.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DURATION="${DURATION:-15s}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-16}"
PORT="${PORT:-18080}"
BASE="http://127.0.0.1:$PORT"
WORK="$HERE/work-oauth"
PEER="${PEER:-$ROOT/../shared/peers/glewlwyd/run.sh}"
export BENCH_DIR="$HERE" BENCH_THREADS="$THREADS"

source "$HERE/lib.sh"
start_server

field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
TENANT=$(curl -sf -X POST "$BASE/v2/tenants" -H "x-api-key: $SYSTEM_KEY" -H 'content-type: application/json' -d '{"projectName":"Bench"}')
TID=$(echo "$TENANT" | field id)
ADMIN=$(echo "$TENANT" | field jwt)
CLIENT=$(curl -sf -X POST "$BASE/v2/oauth-clients" -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"name":"bench","grantTypes":["client_credentials"],"scopes":["api"]}')
CID=$(echo "$CLIENT" | field clientId)
SECRET=$(echo "$CLIENT" | field clientSecret)
echo "grant_type=client_credentials&scope=api" > "$WORK/token.form"
ACCESS=$(curl -sf -u "$CID:$SECRET" -d grant_type=client_credentials -d scope=api "$BASE/t/$TID/oauth2/token" | field access_token)
echo "token=$ACCESS" > "$WORK/introspect.form"

measure() { # NAME URL SCRIPT ARGS... -> "rps p50 p99 non2xx"
  local name="$1" url="$2" script="$3"; shift 3
  wrk -t"$THREADS" -c"$CONNS" -d3s -s "$HERE/$script" "$url" -- "$@" > /dev/null 2>&1 || true
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$HERE/$script" "$url" -- "$@" > "$WORK/$name.txt" 2>&1
  grep '^RESULT' "$WORK/$name.txt" | sed -E 's/.*rps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) non2xx=([0-9]+).*/\1 \2 \3 \4/'
}
read -r floor _ _ _ <<<"$(measure health "$BASE/health/live" get.lua)"
read -r token token50 token99 tokenBad <<<"$(measure token "$BASE/t/$TID/oauth2/token" form.lua "$WORK/token.form" "$CID" "$SECRET")"
read -r intro intro50 intro99 introBad <<<"$(measure introspect "$BASE/t/$TID/oauth2/introspect" form.lua "$WORK/introspect.form" "$CID" "$SECRET")"
cleanup; SERVER_PID=""

# The peer, in the same run: its own script, its own knobs, the same wrk shape.
DURATION="$DURATION" THREADS="$THREADS" CONNS="$CONNS" bash "$PEER" > "$WORK/glewlwyd.txt" 2>&1
peer() { grep -E "^$1: RESULT" "$WORK/glewlwyd.txt" | sed -E 's/.*rps=([0-9.]+).*/\1/'; }
gToken=$(peer token); gIntro=$(peer introspect)

echo
echo "OAuth side by side: wrk -t$THREADS -c$CONNS -d$DURATION, $(nproc) cores, $(date -u +%FT%TZ)"
echo "| figure | Gatehouse req/s | p50 ms | p99 ms | non2xx | Glewlwyd req/s | vs Glewlwyd | vs our floor |"
echo "|---|---|---|---|---|---|---|---|"
printf "| client_credentials | %s | %s | %s | %s | %s | %.1fx | %.2f |\n" "$token" "$token50" "$token99" "$tokenBad" "$gToken" \
  "$(echo "$token / $gToken" | bc -l)" "$(echo "$token / $floor" | bc -l)"
printf "| introspection | %s | %s | %s | %s | %s | %.1fx | %.2f |\n" "$intro" "$intro50" "$intro99" "$introBad" "$gIntro" \
  "$(echo "$intro / $gIntro" | bc -l)" "$(echo "$intro / $floor" | bc -l)"
echo "HTTP floor (GET /health/live): $floor req/s"
