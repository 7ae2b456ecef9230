#!/usr/bin/env bash
# OAuth 2.0 side by side with Glewlwyd (issue 13): client_credentials token issuance and RFC 7662
# introspection of an access token, measured with wrk in one run on this machine, for Gatehouse (SQLite,
# fresh data folder) and then for Glewlwyd (../shared/peers/glewlwyd/run.sh, which installs it from Debian),
# with Gatehouse's HTTP floor (GET /health/live) of the same run. Prints absolute figures and the ratios the
# issue sets targets for. Loopback only; stops what it starts.
#
# This machine's throughput drifts by a fifth from one minute to the next, so the floor is measured again
# in every round, just before the two figures, and each ratio is the median over ROUNDS of the round's
# figure over the round's floor; the absolute figures are medians too.
#
# Knobs: DURATION=10s ROUNDS=3 THREADS=2 CONNS=16 PORT=18080 SKIP_BUILD=0 GATEHOUSE_BENCH_BIN, PEER=path/to/run.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
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
floors="" tokens="" intros="" tokenRatios="" introRatios="" token50s="" token99s="" intro50s="" intro99s="" tokenBad=0 introBad=0
for round in $(seq 1 "$ROUNDS"); do
  read -r floor _ _ _ <<<"$(measure "health-$round" "$BASE/health/live" get.lua)"
  read -r token t50 t99 tBad <<<"$(measure "token-$round" "$BASE/t/$TID/oauth2/token" form.lua "$WORK/token.form" "$CID" "$SECRET")"
  read -r intro i50 i99 iBad <<<"$(measure "introspect-$round" "$BASE/t/$TID/oauth2/introspect" form.lua "$WORK/introspect.form" "$CID" "$SECRET")"
  echo "round $round: floor $floor, client_credentials $token, introspection $intro req/s" >&2
  floors+=" $floor" tokens+=" $token" intros+=" $intro" token50s+=" $t50" token99s+=" $t99" intro50s+=" $i50" intro99s+=" $i99"
  tokenRatios+=" $(echo "$token / $floor" | bc -l)" introRatios+=" $(echo "$intro / $floor" | bc -l)"
  tokenBad=$((tokenBad + tBad)) introBad=$((introBad + iBad))
done
floor=$(echo "$floors" | median) token=$(echo "$tokens" | median) intro=$(echo "$intros" | median)
token50=$(echo "$token50s" | median) token99=$(echo "$token99s" | median)
intro50=$(echo "$intro50s" | median) intro99=$(echo "$intro99s" | median)
tokenFloor=$(echo "$tokenRatios" | median) introFloor=$(echo "$introRatios" | median)
cleanup; SERVER_PID=""

# The peer, in the same run: its own script, its own knobs, the same wrk shape.
DURATION="$DURATION" THREADS="$THREADS" CONNS="$CONNS" bash "$PEER" > "$WORK/glewlwyd.txt" 2>&1
peer() { grep -E "^$1: RESULT" "$WORK/glewlwyd.txt" | sed -E 's/.*rps=([0-9.]+).*/\1/'; }
gToken=$(peer token); gIntro=$(peer introspect)

echo
echo "OAuth side by side: wrk -t$THREADS -c$CONNS -d$DURATION, medians of $ROUNDS rounds, $(nproc) cores, $(date -u +%FT%TZ)"
echo "| figure | Gatehouse req/s | p50 ms | p99 ms | non2xx | Glewlwyd req/s | vs Glewlwyd | vs our floor |"
echo "|---|---|---|---|---|---|---|---|"
printf "| client_credentials | %s | %s | %s | %s | %s | %.1fx | %.2f |\n" "$token" "$token50" "$token99" "$tokenBad" "$gToken" \
  "$(echo "$token / $gToken" | bc -l)" "$tokenFloor"
printf "| introspection | %s | %s | %s | %s | %s | %.1fx | %.2f |\n" "$intro" "$intro50" "$intro99" "$introBad" "$gIntro" \
  "$(echo "$intro / $gIntro" | bc -l)" "$introFloor"
echo "HTTP floor (GET /health/live): $floor req/s (rounds:$floors); each ratio to the floor is the median of the rounds' own ratios"
