#!/usr/bin/env bash
# Starts a throwaway PostgreSQL in a temp dir and physalign-server against it.
# Usage: crates/physalign-server/run-local.sh [extra physalign-server flags]
# Needs the PostgreSQL 15 server binaries (Debian: postgresql-15). Ctrl-C stops both and
# removes the temp dir.
set -euo pipefail

PG_BIN=${PHYSALIGN_PG_BIN:-/usr/lib/postgresql/15/bin}
PORT=${PHYSALIGN_PG_PORT:-55432}
ROOT=$(mktemp -d /tmp/physalign-local-XXXXXX)
RUN=()
if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$ROOT"
    RUN=(runuser -u postgres --)
fi

cleanup() {
    "${RUN[@]}" "$PG_BIN/pg_ctl" -D "$ROOT/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM

"${RUN[@]}" "$PG_BIN/initdb" -D "$ROOT/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
"${RUN[@]}" "$PG_BIN/pg_ctl" -D "$ROOT/data" -l "$ROOT/postgres.log" -w \
    -o "-p $PORT -k $ROOT -c listen_addresses=127.0.0.1" start >/dev/null
"${RUN[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres physalign

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/physalign"
export PHYSALIGN_JWT_SECRET=${PHYSALIGN_JWT_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export PHYSALIGN_STORAGE_DIR=${PHYSALIGN_STORAGE_DIR:-$ROOT/storage}
echo "PostgreSQL on 127.0.0.1:$PORT (data in $ROOT); DATABASE_URL=$DATABASE_URL"
echo "Create an admin in another shell with:"
echo "  DATABASE_URL=$DATABASE_URL physalign-server create-admin --email admin@example.org --password 'Admin-Passw0rd!'"
cargo run -p physalign-server --bin physalign-server -- "$@"
