#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1 (installing it with apt-get when missing) and prints the
# URL to export as GATEHOUSE_TEST_POSTGRES_URL. Stop it with: scripts/stop-postgres.sh
set -euo pipefail
PORT="${PGPORT_GATEHOUSE:-55432}"
DIR="${PGDATA_GATEHOUSE:-/tmp/gatehouse-pg}"
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "installing postgresql with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >/dev/null
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
# initdb and the server refuse to run as root.
if [ "$(id -u)" = "0" ]; then RUN=(runuser -u postgres --); else RUN=(); fi
if [ -f "$DIR/postmaster.pid" ]; then "${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" -m immediate stop >/dev/null 2>&1 || true; fi
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = "0" ] && chown postgres:postgres "$DIR"
"${RUN[@]}" "$BIN/initdb" -D "$DIR" -U gatehouse --auth=trust -E UTF8 >/dev/null
"${RUN[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c max_connections=300 -c fsync=off" start >/dev/null
echo "postgres://gatehouse@127.0.0.1:$PORT/postgres"
