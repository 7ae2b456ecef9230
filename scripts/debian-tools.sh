#!/usr/bin/env bash
# Makes sure Debian commands some tests drive are installed, installing their packages with apt-get when a
# command is missing (the tests never skip for want of them). Arguments are command=package pairs, e.g.
#   scripts/debian-tools.sh chromium=chromium chromedriver=chromium-driver
set -euo pipefail
missing=()
for pair in "$@"; do
  command -v "${pair%%=*}" > /dev/null || missing+=("${pair#*=}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
for pair in "$@"; do
  command -v "${pair%%=*}" > /dev/null || { echo "${pair%%=*} is still missing after installing ${pair#*=}" >&2; exit 1; }
done
