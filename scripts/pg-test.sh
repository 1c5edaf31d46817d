#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the sync server's storage tests and prints the variable that
# turns them on. Idempotent: if the cluster is already running it only prints the export line.
#   eval "$(bash scripts/pg-test.sh | tail -n 1)" && npx vitest run src/server
# The cluster lives under /tmp (lost on reboot, never touches a system cluster), listens on
# loopback only, and trusts loopback connections: it holds nothing but test data.
set -euo pipefail

PORT="${MAESTRO_PG_PORT:-5433}"
DATA="${MAESTRO_PG_DATA:-/tmp/maestro-pg-test}"
DB=maestro_test
URL="postgres://postgres@127.0.0.1:${PORT}/${DB}"

find_bin() {
  local d
  # Highest installed major first, so a newer server wins when several are present.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

BIN="$(find_bin || true)"
if [ -z "$BIN" ]; then
  echo "pg-test: installing the Debian postgresql package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(find_bin)"
fi

# initdb and postgres refuse to run as root; everything below runs as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ ! -s "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
  chmod 700 "$DATA"
  as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2
fi

if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  # Socket dir in the data dir: /var/run/postgresql may not exist or be writable.
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p ${PORT} -k ${DATA} -c fsync=off -c synchronous_commit=off" start >&2
fi

# createdb is not idempotent; look first.
if ! as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '${DB}'" | grep -q 1; then
  as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
fi

echo "pg-test: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') ready on 127.0.0.1:${PORT} (data ${DATA})" >&2
echo "export MAESTRO_TEST_DATABASE_URL=${URL}"
