#!/usr/bin/env bash
# Soak (issue 16, item 6): MINUTES of mixed load on the production build — 80% token checks (verify and
# OAuth introspection), 15% refreshes, 5% Classic password logins (bench/mixed.lua) — against SQLite
# (DB=sqlite, the default) or a private PostgreSQL (DB=postgres, started and stopped here on its own port
# and folder). wrk runs one minute at a time; after each minute the script records throughput, p99, non-2xx
# answers and socket errors, the server's RSS, and the database's size (SQLite: the file and its WAL;
# PostgreSQL: pg_database_size). Verdicts: RSS growth over the last half under 5%, the p99 of the last
# three minutes against the first three (after the first, which warms up), and the largest WAL seen.
# Fresh refresh chains are made each minute (wrk's pools die with it). Loopback only.
#
# Knobs: MINUTES=10 SLICE=60 (seconds per minute, shorter for a trial) THREADS=2 CONNS=16 PORT=18086
#        DB=sqlite|postgres BCRYPT_COST=10 SKIP_BUILD=0 GATEHOUSE_BENCH_BIN.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
MINUTES="${MINUTES:-10}"; SLICE="${SLICE:-60}"; THREADS="${THREADS:-2}"; CONNS="${CONNS:-16}"
PORT="${PORT:-18086}"; BASE="http://127.0.0.1:$PORT"; DB="${DB:-sqlite}"; WORK="$HERE/work-soak"
export BENCH_DIR="$HERE" BENCH_THREADS="$THREADS"
PY="$("$ROOT/scripts/venv.sh")"
source "$HERE/lib.sh"

# The account guard bounds concurrent attempts per account (by design); the soak measures the server, not it.
EXTRA=(GATEHOUSE_BCRYPT_COST="${BCRYPT_COST:-10}" GATEHOUSE_LOGIN_ACCOUNT_LIMIT=1000000)
PGURL=""
if [ "$DB" = postgres ]; then
  export PGPORT_GATEHOUSE="${SOAK_PGPORT:-55437}" PGDATA_GATEHOUSE="$WORK/pg"
  PGURL=$("$ROOT/scripts/start-postgres.sh" | tail -1)
  trap 'cleanup; "$ROOT/scripts/stop-postgres.sh" >/dev/null 2>&1 || true' EXIT
  EXTRA+=(GATEHOUSE_DATABASE_URL="$PGURL")
fi
start_server "${EXTRA[@]}"

json() { "$PY" -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() { curl -sf -X POST "$BASE$1" -H 'content-type: application/json' "${@:3}" -d "$2"; }
TENANT=$(post /v2/tenants '{"projectName":"Soak"}' -H "x-api-key: $SYSTEM_KEY")
PK=$(json '["projectApiKey"]' <<<"$TENANT"); TID=$(json '["id"]' <<<"$TENANT"); ADMIN=$(json '["jwt"]' <<<"$TENANT")
for i in $(seq 1 "$CONNS"); do
  post /v2/users "{\"username\":\"soak$i\",\"email\":\"soak$i@example.com\",\"password\":\"correct horse battery\"}" \
    -H "authorization: Bearer $ADMIN" >/dev/null
done
CLIENT=$(post /v2/oauth-clients '{"name":"soak","grantTypes":["client_credentials"],"scopes":["api"]}' -H "authorization: Bearer $ADMIN")
CID=$(json '["clientId"]' <<<"$CLIENT"); SECRET=$(json '["clientSecret"]' <<<"$CLIENT")
"$PY" "$ROOT/scripts/demo-idp.py" keygen "$WORK/idp.pem"
post /v2/identity-providers "{\"issuer\":\"https://idp.soak\",\"audience\":\"soak\",\"jwks\":$("$PY" "$ROOT/scripts/demo-idp.py" jwks "$WORK/idp.pem")}" \
  -H "authorization: Bearer $ADMIN" >/dev/null
IDP=$("$PY" "$ROOT/scripts/demo-idp.py" token "$WORK/idp.pem" --iss https://idp.soak --sub soak-user --aud soak --email s@soak.io --ttl 36000)
EXCHANGE="{\"authToken\":\"$IDP\",\"authType\":\"user\"}"
ACCESS=$(post /v2/auth/token "$EXCHANGE" -H "x-project-key: $PK" | json '["accessToken"]')

setup_file() { # the fixed lines, then fresh refresh chains
  printf '%s\n' "$PK" "$TID" "$CID" "$SECRET" "$ACCESS" soak "correct horse battery" "$CONNS" > "$WORK/setup.txt"
  for _ in $(seq 1 $((CONNS + THREADS))); do
    post /v2/auth/token "$EXCHANGE" -H "x-project-key: $PK" | json '["refreshToken"]' >> "$WORK/setup.txt"
  done
}
rss_mb() { awk '$1=="VmRSS:" {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status"; }
size_mb() {
  if [ "$DB" = postgres ]; then
    "$PY" - "$PGURL" <<'PYEOF'
import subprocess, sys
out = subprocess.run(["psql", sys.argv[1], "-Atc", "SELECT pg_database_size(current_database())"], capture_output=True, text=True)
print(f"{int(out.stdout.strip() or 0) / 1048576:.1f} 0.0")
PYEOF
  else
    local db wal
    db=$(stat -c %s "$WORK/data/gatehouse.sqlite" 2>/dev/null || echo 0)
    wal=$(stat -c %s "$WORK/data/gatehouse.sqlite-wal" 2>/dev/null || echo 0)
    awk -v d="$db" -v w="$wal" 'BEGIN { printf "%.1f %.1f", d/1048576, w/1048576 }'
  fi
}

echo
echo "gatehouse soak: $DB, $MINUTES × ${SLICE}s of 40% verify, 40% introspect, 15% refresh, 5% login (bcrypt ${BCRYPT_COST:-10}); wrk -t$THREADS -c$CONNS; $(nproc) cores; $(date -u +%FT%TZ)"
echo "| minute |    req/s | p99 ms  | non2xx | errors | RSS MB | DB MB  | WAL MB |"
echo "|--------|----------|---------|--------|--------|--------|--------|--------|"
: > "$WORK/minutes.txt"
for minute in $(seq 1 "$MINUTES"); do
  setup_file
  wrk -t"$THREADS" -c"$CONNS" -d"${SLICE}s" --timeout 30s --latency -s "$HERE/mixed.lua" "$BASE" -- "$WORK/setup.txt" \
    > "$WORK/minute-$minute.txt" 2>&1
  read -r rps _ p99 non2xx <<<"$(wrk_fields "$WORK/minute-$minute.txt")"
  errors=$(sed -nE 's/^RESULT .* errors=([0-9]+).*/\1/p' "$WORK/minute-$minute.txt")
  read -r db wal <<<"$(size_mb)"
  rss=$(rss_mb)
  echo "$minute $rps $p99 $non2xx $errors $rss $db $wal" >> "$WORK/minutes.txt"
  printf "| %6s | %8s | %7s | %6s | %6s | %6s | %6s | %6s |\n" "$minute" "$rps" "$p99" "$non2xx" "$errors" "$rss" "$db" "$wal"
done

awk -v minutes="$MINUTES" '
  { rss[$1] = $6; p99[$1] = $3; if ($8 > wal) wal = $8; non2xx += $4; errors += $5 }
  END {
    half = int(minutes / 2); if (half < 1) half = 1
    growth = (rss[minutes] - rss[half]) / rss[half] * 100
    first = 0; last = 0; n = 0
    for (m = 2; m <= 4 && m <= minutes; m++) { first += p99[m]; n++ } if (n) first /= n
    n = 0
    for (m = minutes - 2; m <= minutes; m++) if (m >= 1) { last += p99[m]; n++ } if (n) last /= n
    printf "\nRSS growth over the last half (minute %d to %d): %.1f%% (%s: under 5%%)\n", half, minutes, growth, (growth < 5 ? "pass" : "FAIL")
    printf "p99, mean of the last three minutes against minutes 2-4: %.2f ms against %.2f ms (%s)\n", last, first, (last <= first * 1.25 ? "no upward drift" : "DRIFT")
    printf "largest WAL seen: %.1f MB; non-2xx answers: %d; socket errors: %d\n", wal, non2xx, errors
  }' "$WORK/minutes.txt"
