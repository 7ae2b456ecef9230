#!/usr/bin/env bash
# CPU time the server spends per request (perf stat task-clock of the server process over a wrk run,
# divided by the requests served), per endpoint, for two builds in alternating rounds. Throughput on this
# VM drifts by tens of percent within minutes and moves with the load generator's share of the cores; the
# server's own CPU per request moves much less, so it shows what a change costs.
#   bench/cpu.sh A_BINARY B_BINARY          knobs: ROUNDS=3 SECONDS_EACH=6 PORT=18090
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
ROUNDS="${ROUNDS:-3}"; SECONDS_EACH="${SECONDS_EACH:-6}"; PORT="${PORT:-18090}"; BASE=http://127.0.0.1:$PORT
command -v perf >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null; }
PY="$("$ROOT/scripts/venv.sh")"

PID=""
trap '[ -n "$PID" ] && kill $PID 2>/dev/null || true' EXIT

one() { # BIN NAME: prints "endpoint µs" lines
BIN="$1"; NAME="$2"
W="$HERE/work-cpu/$NAME"; rm -rf "$W"; mkdir -p "$W"
KEY=sk_system_perf_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
GATEHOUSE_SYSTEM_API_KEY=$KEY GATEHOUSE_DATA_DIR=$W/data GATEHOUSE_LOG_LEVEL=warning GATEHOUSE_BCRYPT_COST=10 "$BIN" serve --port $PORT > $W/server.log 2>&1 &
PID=$!
until curl -sf -o /dev/null $BASE/health/ready; do sleep 0.05; done
j() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
T=$(curl -sf -X POST $BASE/v2/tenants -H "x-api-key: $KEY" -H 'content-type: application/json' -d '{"projectName":"P"}')
PK=$(echo "$T" | j '["projectApiKey"]'); ADMIN=$(echo "$T" | j '["jwt"]')
$PY $ROOT/scripts/demo-idp.py keygen $W/idp.pem
curl -sf -X POST $BASE/v2/identity-providers -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d "{\"issuer\":\"https://idp.p\",\"audience\":\"p\",\"jwks\":$($PY $ROOT/scripts/demo-idp.py jwks $W/idp.pem)}" >/dev/null
IDP=$($PY $ROOT/scripts/demo-idp.py token $W/idp.pem --iss https://idp.p --sub u --aud p --email u@p.io --ttl 7200)
echo "{\"authToken\":\"$IDP\",\"authType\":\"user\"}" > $W/token.json
ACCESS=$(curl -sf -X POST $BASE/v2/auth/token -H "x-project-key: $PK" -H 'content-type: application/json' -d @$W/token.json | j '["accessToken"]')
echo "{\"authToken\":\"$ACCESS\"}" > $W/verify.json
echo "a long passphrase" | GATEHOUSE_SYSTEM_API_KEY=$KEY GATEHOUSE_DATA_DIR=$W/data GATEHOUSE_LOG_LEVEL=error "$BIN" user create --username perf --email perf@x.io --password-stdin >/dev/null
TOKEN=$(curl -sf -X POST $BASE/api/v1/auth/login -H 'content-type: application/json' -d '{"username":"perf","password":"a long passphrase"}' | j '["token"]')
APIKEY=$(curl -sf -X POST $BASE/api/v1/auth/keys -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"name":"p"}' | j '["apiKey"]')
export BENCH_DIR=$HERE
measure() { # NAME PATH SCRIPT ARGS
  local name=$1 path=$2 script=$3; shift 3
  wrk -t2 -c16 -d2s -s $HERE/$script $BASE$path -- "$@" >/dev/null 2>&1 || true
  perf stat -e task-clock -p $PID -x, -o $W/$name.stat -- sleep "$SECONDS_EACH" &
  local pp=$!
  local line; line=$(wrk -t2 -c16 -d"${SECONDS_EACH}s" -s $HERE/$script $BASE$path -- "$@" | grep RESULT)
  wait $pp || true
  local rps; rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
  local ins; ins=$(grep task-clock $W/$name.stat | cut -d, -f1)
  python3 -c "import sys; ins=float(sys.argv[1]); rps=float(sys.argv[2]); print(f'{sys.argv[3]} {ins/(rps*float(sys.argv[4]))*1000:.1f}')" "$ins" "$rps" "$name" "$SECONDS_EACH"
}
measure health /health/live get.lua
measure verify /v2/auth/verify post.lua $W/verify.json $PK
measure token /v2/auth/token post.lua $W/token.json $PK
measure profile-token /auth/profile get.lua authorization "Bearer $TOKEN"
measure profile-apikey /auth/profile get.lua x-api-key "$APIKEY"
kill $PID 2>/dev/null; wait $PID 2>/dev/null || true
}

mkdir -p "$HERE/work-cpu"; : > "$HERE/work-cpu/all.txt"
for round in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    bin="$1"; [ "$side" = B ] && bin="$2"
    echo "round $round $side" >&2
    one "$bin" "$side" | sed "s/^/$side /" >> "$HERE/work-cpu/all.txt"
  done
done
python3 - "$HERE/work-cpu/all.txt" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, name, value = line.split()
    runs.setdefault(name, {"A": [], "B": []})[side].append(float(value))
print("| endpoint | A µs CPU/request (median) | B | B vs A | A runs | B runs |")
print("|---|---|---|---|---|---|")
for name, sides in runs.items():
    a, b = statistics.median(sides["A"]), statistics.median(sides["B"])
    print(f"| {name} | {a:.1f} | {b:.1f} | {100 * (b / a - 1):+.1f}% | {', '.join(f'{v:.0f}' for v in sides['A'])} | {', '.join(f'{v:.0f}' for v in sides['B'])} |")
PY
