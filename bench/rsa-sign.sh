#!/usr/bin/env bash
# The ceiling an RS256 ID token puts on the authorization_code exchange (issue 14): one RSA-2048 signature
# with the server's own crypto (swift-crypto's BoringSSL), timed alone on one core and on every core at
# once, beside OpenSSL's figure for the same machine. The exchange signs one per request, so with every
# core doing nothing but signing it cannot pass CORES × signs_per_second.
# Knobs: COUNT=4000 (signatures per process)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
COUNT="${COUNT:-4000}"
CORES="$(nproc)"
swift build -c release --package-path "$HERE/rsa-sign" --scratch-path "$HERE/rsa-sign/.build" >&2
BIN="$HERE/rsa-sign/.build/release/rsa-sign"
one=$("$BIN" "$COUNT")
all=$(for _ in $(seq 1 "$CORES"); do "$BIN" "$COUNT" & done; wait)
per() { sed -E 's/.*signs_per_second=([0-9]+).*/\1/'; }
ms() { sed -E 's/.*ms_per_sign=([0-9.]+).*/\1/'; }
echo "RSA-2048 PKCS#1 v1.5 signature, swift-crypto (BoringSSL), $(date -u +%FT%TZ)"
echo "one core alone: $(echo "$one" | ms) ms each, $(echo "$one" | per)/s"
total=$(echo "$all" | per | paste -sd+ | bc)
echo "all $CORES cores at once: $total/s in total (the exchange's ceiling with nothing else running)"
if command -v openssl > /dev/null; then
  echo "openssl speed (system OpenSSL, for comparison): $(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $6 "/s"}')"
fi
