#!/usr/bin/env bash
# Issue 15's webhook figures, with wrk against the production build (SQLite, fresh data folder):
#  - logins per second (POST /v2/auth/token, an external EdDSA token exchanged for our pair; each writes
#    a login.succeeded event) for a tenant with no webhook and for one with three active webhooks subscribed to
#    "*", alternated in ROUNDS rounds on one node that queues deliveries but does not send them
#    (GATEHOUSE_WEBHOOK_DISPATCH=false): what the outbox costs a login. Target: at most 15% fewer.
#  - then the same data folder served by a node that sends: deliveries per second to a loopback receiver
#    (bench/webhook-receiver.py) for DELIVER_FOR seconds or until the queued outbox is empty.
# Knobs: DELIVER_FOR=60 DURATION=10s ROUNDS=3 THREADS=2 CONNS=16 PORT=18082 RECEIVER_PORT=18083 SKIP_BUILD=0 GATEHOUSE_BENCH_BIN
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-16}"
PORT="${PORT:-18082}"
RECEIVER_PORT="${RECEIVER_PORT:-18083}"
DELIVER_FOR="${DELIVER_FOR:-60}"
BASE="http://127.0.0.1:$PORT"
WORK="$HERE/work-webhooks"
export BENCH_DIR="$HERE" BENCH_THREADS="$THREADS"

PY="$("$ROOT/scripts/venv.sh")"
source "$HERE/lib.sh"
start_server GATEHOUSE_WEBHOOK_DISPATCH=false GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true

json() { "$PY" -c "import json,sys; print(json.load(sys.stdin)$1)"; }
"$PY" "$ROOT/scripts/demo-idp.py" keygen "$WORK/idp.pem"
JWKS=$("$PY" "$ROOT/scripts/demo-idp.py" jwks "$WORK/idp.pem")
tenant() { # NAME HOOKS -> writes $WORK/NAME.body, prints the project key
  local name="$1" hooks="$2"
  curl -sf -X POST "$BASE/v2/tenants" -H "x-api-key: $SYSTEM_KEY" -H 'content-type: application/json' \
    -d "{\"projectName\":\"$name\"}" > "$WORK/$name.json"
  local admin; admin=$(json '["jwt"]' < "$WORK/$name.json")
  curl -sf -X POST "$BASE/v2/identity-providers" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d "{\"issuer\":\"https://idp.bench\",\"audience\":\"bench\",\"jwks\":$JWKS}" > /dev/null
  for i in $(seq 1 "$hooks"); do
    curl -sf -X POST "$BASE/v2/webhooks" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
      -d "{\"url\":\"http://127.0.0.1:$RECEIVER_PORT/hook/$i\",\"events\":[\"*\"]}" > /dev/null
  done
  local idp; idp=$("$PY" "$ROOT/scripts/demo-idp.py" token "$WORK/idp.pem" --iss https://idp.bench --sub bench-user --aud bench --ttl 7200)
  echo "{\"authToken\":\"$idp\",\"authType\":\"user\"}" > "$WORK/$name.body"
  json '["projectApiKey"]' < "$WORK/$name.json"
}
PLAIN=$(tenant plain 0)
HOOKED=$(tenant hooked 3)

run() { # NAME BODY KEY -> "rps p99"
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$HERE/post.lua" "$BASE/v2/auth/token" -- "$2" "$3" > "$WORK/$1.txt" 2>&1
  grep '^RESULT' "$WORK/$1.txt" | sed -E 's/.*rps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) non2xx=([0-9]+).*/\1 \3 \4/'
}
# Warm-up of both paths.
DURATION=3s run warm-plain "$WORK/plain.body" "$PLAIN" > /dev/null
DURATION=3s run warm-hooked "$WORK/hooked.body" "$HOOKED" > /dev/null

plains="" hookeds="" ratios="" bad=0
for round in $(seq 1 "$ROUNDS"); do
  # Alternated order, so a machine slowing down within a round favours neither.
  if (( round % 2 )); then
    read -r p p99p badp <<<"$(run "plain-$round" "$WORK/plain.body" "$PLAIN")"
    read -r k p99k badk <<<"$(run "hooked-$round" "$WORK/hooked.body" "$HOOKED")"
  else
    read -r k p99k badk <<<"$(run "hooked-$round" "$WORK/hooked.body" "$HOOKED")"
    read -r p p99p badp <<<"$(run "plain-$round" "$WORK/plain.body" "$PLAIN")"
  fi
  echo "round $round: no webhook $p logins/s (p99 $p99p ms), three webhooks on * $k logins/s (p99 $p99k ms)" >&2
  plains+=" $p" hookeds+=" $k" ratios+=" $(echo "$k / $p" | bc -l)" bad=$((bad + badp + badk))
done
plain=$(echo "$plains" | median) hooked=$(echo "$hookeds" | median) ratio=$(echo "$ratios" | median)

# The same data, served by a node that sends.
pending=$(curl -sf "$BASE/metrics" > /dev/null; "$PY" - "$WORK/data/gatehouse.sqlite" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from webhook_deliveries where status='pending'").fetchone()[0])
PY
)
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
"$PY" "$HERE/webhook-receiver.py" "$WORK/received" "$RECEIVER_PORT" &
RECEIVER_PID=$!
trap 'kill $RECEIVER_PID 2>/dev/null || true; cleanup' EXIT
sleep 0.5
t0=$(date +%s.%N)
start_server GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true
while got=$(cat "$WORK/received" 2>/dev/null); [ "${got:-0}" -lt "$pending" ]; do
  sleep 0.5
  kill -0 "$SERVER_PID" || break
  if (( $(echo "$(date +%s.%N) - $t0 > $DELIVER_FOR" | bc) )); then break; fi
done
t1=$(date +%s.%N)
received=$(cat "$WORK/received")
rate=$(echo "$received / ($t1 - $t0)" | bc -l)

echo
echo "Webhooks: wrk -t$THREADS -c$CONNS -d$DURATION, medians of $ROUNDS rounds, $(nproc) cores, $(date -u +%FT%TZ)"
echo "| figure | value | target |"
echo "|---|---|---|"
printf "| logins/s, no webhook | %.0f | |\n" "$plain"
printf "| logins/s, three webhooks on \"*\" (deliveries queued in the event's transaction) | %.0f | |\n" "$hooked"
printf "| with webhooks vs without (median of the rounds' ratios) | %.3f | ≥ 0.85 |\n" "$ratio"
printf "| deliveries sent to a loopback receiver (of %d queued) | %d in %.1f s: %.0f/s | |\n" "$pending" "$received" "$(echo "$t1 - $t0" | bc -l)" "$rate"
echo "non-2xx logins: $bad"
