#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks, from Debian's postgresql-15 package.
#
#   scripts/postgres-cluster.sh start [DIR] [PORT]   create (if needed) and start; prints the DSN
#   scripts/postgres-cluster.sh stop  [DIR]          stop it and delete DIR
#   scripts/postgres-cluster.sh dsn   [DIR] [PORT]   print the DSN of a running cluster
#
# DIR defaults to /tmp/petrel-pg-PORT, PORT to 5433 (5432 is left to a system cluster). The
# server listens on 127.0.0.1:PORT and on a unix socket in DIR, never on another address. Role
# `petrel` (password `petrel`, SCRAM over TCP) owns database `petrel` and may create databases,
# so a test harness can give each server a database of its own (tests/petrel_process.py does).
#
# The cluster is disposable, so it trades durability for speed unless PG_DURABLE=1 is set:
# fsync=off and synchronous_commit=off (a crash of the machine may lose it; nothing else does).
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user that
# Debian's package creates (runuser), and DIR is given to that user.
set -euo pipefail

command_name=${1:-}
port=${3:-${PG_PORT:-5433}}
dir=${2:-/tmp/petrel-pg-$port}
bin=/usr/lib/postgresql/15/bin
[ -x "$bin/initdb" ] || bin=$(pg_config --bindir 2>/dev/null || true)
if [ ! -x "$bin/initdb" ]; then
  echo "postgres-cluster: PostgreSQL 15's server is not installed (apt-get install postgresql-15, or scripts/install-deps.sh --test)" >&2
  exit 1
fi
dsn="postgres://petrel:petrel@127.0.0.1:$port/petrel"

# Runs a server command as a user PostgreSQL accepts.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$command_name" in
  start)
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres: "$dir"
      chmod 700 "$dir"
      as_owner "$bin/initdb" -D "$dir" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log" >&2; exit 1; }
      durable_settings="fsync = off
synchronous_commit = off
full_page_writes = off"
      [ "${PG_DURABLE:-0}" = 1 ] && durable_settings="# durable (PG_DURABLE=1): PostgreSQL's defaults"
      cat >>"$dir/postgresql.conf" <<EOF
# scripts/postgres-cluster.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 400
shared_buffers = 128MB
$durable_settings
log_min_messages = warning
log_min_error_statement = panic
EOF
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    fi
    # The role and database (idempotent).
    as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt >/dev/null <<'EOF'
SELECT 'CREATE ROLE petrel LOGIN CREATEDB PASSWORD ''petrel'''
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'petrel') \gexec
SELECT 'CREATE DATABASE petrel OWNER petrel'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'petrel') \gexec
EOF
    echo "$dsn"
    ;;
  stop)
    if [ -f "$dir/PG_VERSION" ]; then
      as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
      rm -rf "$dir" "$dir.initdb.log"
    fi
    ;;
  dsn)
    echo "$dsn"
    ;;
  *)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
