# Sourced by the bench scripts: wrk, the production binary, and one server on a fresh data folder.
# Expects ROOT, WORK, PORT and BASE; sets BIN, SYSTEM_KEY and SERVER_PID, and stops the server on exit.

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
# The production build: release, Swift runtime linked statically (lower RSS, no runtime .so to ship).
BUILD=(swift build -c release --product gatehouse --static-swift-stdlib --scratch-path "$ROOT/.build-static")
if [ "${SKIP_BUILD:-0}" != "1" ]; then (cd "$ROOT" && "${BUILD[@]}" >&2); fi
BIN="${GATEHOUSE_BENCH_BIN:-$(cd "$ROOT" && "${BUILD[@]}" --show-bin-path)/gatehouse}"

rm -rf "$WORK"; mkdir -p "$WORK"
SYSTEM_KEY="sk_system_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT

# start_server [ENV=VALUE…]: the binary on PORT with the bench's system key and data folder, once ready.
start_server() {
  # A server left on the port would answer in place of this one and every figure would be its.
  if curl -s -o /dev/null "$BASE/health/live"; then echo "something already listens on port $PORT" >&2; exit 1; fi
  env GATEHOUSE_SYSTEM_API_KEY="$SYSTEM_KEY" GATEHOUSE_DATA_DIR="$WORK/data" GATEHOUSE_LOG_LEVEL=warning "$@" \
    "$BIN" serve --port "$PORT" > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  until curl -sf -o /dev/null "$BASE/health/ready"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.005
  done
}

# wrk_fields FILE: "rps p50_ms p99_ms non2xx" from the RESULT line report.lua wrote into a wrk output file.
wrk_fields() {
  grep '^RESULT' "$1" | sed -E 's/.*rps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) non2xx=([0-9]+).*/\1 \2 \3 \4/'
}

# median: the median of the numbers on stdin (space- or newline-separated).
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
