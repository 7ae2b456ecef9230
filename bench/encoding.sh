#!/usr/bin/env bash
# Nanoseconds per token answer with JSONEncoder and with the engine's JSONWriter (release build of the real
# JSONWriter source beside bench/encoding/main.swift). Why the token, refresh and verify answers keep the
# hand-written writer.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(mktemp -d)"
# The writer itself, without the engine types it is extended for further down its file.
sed '/^extension AccessTokenClaims/,$d' "$ROOT/Sources/GatehouseCore/Support/JSONWriter.swift" > "$OUT/JSONWriter.swift"
swiftc -O "$OUT/JSONWriter.swift" "$ROOT/bench/encoding/main.swift" -o "$OUT/encoding"
"$OUT/encoding"
rm -rf "$OUT"
