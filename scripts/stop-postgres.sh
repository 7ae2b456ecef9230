#!/usr/bin/env bash
set -euo pipefail
DIR="${PGDATA_GATEHOUSE:-/tmp/gatehouse-pg}"
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ "$(id -u)" = "0" ]; then RUN=(runuser -u postgres --); else RUN=(); fi
[ -f "$DIR/postmaster.pid" ] && "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null
rm -rf "$DIR"
