#!/usr/bin/env bash
# Creates (or updates) .venv with e2e/requirements.txt: the real clients the end-to-end tests, demo and
# benchmark scripts drive. Prints the venv's python path.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements.sha256
want=$(sha256sum e2e/requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv >&2
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -r e2e/requirements.txt >&2
  echo "$want" > "$stamp"
fi
echo "$PWD/.venv/bin/python"
