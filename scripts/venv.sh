#!/usr/bin/env bash
# Creates .venv with the Python packages the demo and benchmark scripts use; prints its python path.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv >&2
  .venv/bin/pip install -q --disable-pip-version-check cryptography >&2
fi
echo "$PWD/.venv/bin/python"
