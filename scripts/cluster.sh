#!/usr/bin/env bash
# A local Petrel cluster: a throwaway PostgreSQL (scripts/postgres-cluster.sh) and three
# `petrel serve` nodes on loopback ports, all on one database (docs/cluster.md).
#
#   scripts/cluster.sh start     start PostgreSQL (if needed) and nodes 1-3 on ports 4571-4573
#   scripts/cluster.sh status    `petrel status` of each node (nodes, leases)
#   scripts/cluster.sh stop      stop the nodes (SIGTERM: they release their leases); PostgreSQL stays
#
# Settings: PETREL_BIN (default .build/debug/petrel), CLUSTER_DIR (default /tmp/petrel-cluster),
# BASE_PORT (default 4570: node N listens on BASE_PORT+N), PG_PORT (default 5433), LEASE_SECONDS
# (default 15), CLUSTER_DB (default petrel_cluster). Extra arguments after `start` go to every node.
#
# A load balancer in front: any node answers any API request, so any round-robin HTTP proxy
# works. With nginx, for example:
#     upstream petrel { server 127.0.0.1:4571; server 127.0.0.1:4572; server 127.0.0.1:4573; }
#     server { listen 4566; location / { proxy_pass http://petrel; proxy_http_version 1.1;
#              proxy_set_header Connection ""; proxy_set_header Host $host;
#              proxy_read_timeout 900s; client_max_body_size 0; proxy_request_buffering off; } }
# Keep the Host header: SigV4 signs it. Then point clients at AWS_ENDPOINT_URL=http://127.0.0.1:4566.
set -euo pipefail

cd "$(dirname "$0")/.."
command_name=${1:-}
[ $# -gt 0 ] && shift
bin=${PETREL_BIN:-$PWD/.build/debug/petrel}
dir=${CLUSTER_DIR:-/tmp/petrel-cluster}
base_port=${BASE_PORT:-4570}
lease=${LEASE_SECONDS:-15}
db=${CLUSTER_DB:-petrel_cluster}

case "$command_name" in
  start)
    [ -x "$bin" ] || { echo "cluster: build petrel first (swift build), or set PETREL_BIN" >&2; exit 1; }
    admin=$(PG_PORT=${PG_PORT:-5433} ./scripts/postgres-cluster.sh start)
    psql "$admin" -qAtc "CREATE DATABASE $db" 2>/dev/null || true
    dsn="${admin%/*}/$db"
    mkdir -p "$dir"
    for n in 1 2 3; do
      port=$((base_port + n))
      if [ -f "$dir/node$n.pid" ] && kill -0 "$(cat "$dir/node$n.pid")" 2>/dev/null; then
        echo "node$n already running on port $port"; continue
      fi
      "$bin" serve --port "$port" --data-dir "$dir/node$n" --store "$dsn" --node-id "node$n" \
        --advertise "http://127.0.0.1:$port" --lease-seconds "$lease" "$@" >"$dir/node$n.log" 2>&1 &
      echo $! >"$dir/node$n.pid"
      echo "node$n: http://127.0.0.1:$port (log $dir/node$n.log)"
    done
    for n in 1 2 3; do
      port=$((base_port + n))
      for _ in $(seq 1 300); do
        curl -fs "http://127.0.0.1:$port/_petrel/status" >/dev/null 2>&1 && break
        sleep 0.1
      done
    done
    echo "database: ${dsn/:petrel@/:***@}"
    ;;
  status)
    for n in 1 2 3; do
      echo "== node$n"
      "$bin" status --endpoint "http://127.0.0.1:$((base_port + n))" || true
    done
    ;;
  stop)
    for n in 1 2 3; do
      pidfile="$dir/node$n.pid"
      [ -f "$pidfile" ] || continue
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$pidfile"
    done
    echo "nodes stopped (PostgreSQL keeps running: PG_PORT=${PG_PORT:-5433} scripts/postgres-cluster.sh stop)"
    ;;
  *)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 1
    ;;
esac
