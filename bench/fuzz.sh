#!/usr/bin/env bash
# A long schema-fuzzing campaign (issue 16, item 1): the CI's schemathesis test (e2e/test_schemathesis.py)
# with a time budget instead of a handful of examples per operation, a seed of its own each run, and the
# stateful phase added to the coverage and fuzzing phases. Each of the five credentials (tenant admin, user,
# user's API key, system key, none) gets MINUTES/5 against a tenant holding one of everything
# (e2e/fuzz_world.py), on the production build of the server, loopback only. Any 5xx, undocumented status or
# content type, or body off its schema fails the run with schemathesis's reproduction.
#
# Knobs: MINUTES=20 SEED=<random> EXAMPLES=1000 PHASES=coverage,fuzzing,stateful SKIP_BUILD=0
#        GATEHOUSE_BENCH_BIN.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
MINUTES="${MINUTES:-20}"; SEED="${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
EXAMPLES="${EXAMPLES:-1000}"; PHASES="${PHASES:-coverage,fuzzing,stateful}"
PY="$("$ROOT/scripts/venv.sh")"
BUILD=(swift build -c release --product gatehouse --static-swift-stdlib --scratch-path "$ROOT/.build-static")
if [ "${SKIP_BUILD:-0}" != "1" ]; then (cd "$ROOT" && "${BUILD[@]}" >&2); fi
BIN="${GATEHOUSE_BENCH_BIN:-$(cd "$ROOT" && "${BUILD[@]}" --show-bin-path)/gatehouse}"

echo "fuzzing for $MINUTES minutes, seed $SEED, phases $PHASES, binary $BIN" >&2
cd "$ROOT"
GATEHOUSE_BIN="$BIN" GATEHOUSE_FUZZ_MAX_TIME=$((MINUTES * 60 / 5)) GATEHOUSE_FUZZ_SEED="$SEED" \
  GATEHOUSE_FUZZ_EXAMPLES="$EXAMPLES" GATEHOUSE_FUZZ_PHASES="$PHASES" \
  "$PY" -m pytest -q -s -p no:cacheprovider e2e/test_schemathesis.py
