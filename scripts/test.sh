#!/usr/bin/env bash
# Runs every test: the Swift suites (SQLite always; PostgreSQL too when GATEHOUSE_TEST_POSTGRES_URL is set),
# then the end-to-end tests in e2e/ that drive the built server with real third-party clients.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${GATEHOUSE_TEST_POSTGRES_URL:-}" ]; then
  echo "GATEHOUSE_TEST_POSTGRES_URL is not set: PostgreSQL cases are skipped (scripts/start-postgres.sh starts one)." >&2
fi
swift build --build-tests
swift test --skip-build
python=$(scripts/venv.sh)
GATEHOUSE_BIN="$(swift build --show-bin-path)/gatehouse" "$python" -m pytest -q e2e
