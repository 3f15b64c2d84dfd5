#!/usr/bin/env bash
# Installs what Petrel needs on a fresh Debian machine (idempotent; quiet when all is there).
set -euo pipefail
need_apt=()
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
[ -d /usr/share/nodejs/async ] || need_apt+=(node-async)
[ -f /usr/include/sqlite3.h ] || need_apt+=(libsqlite3-dev)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
command -v node >/dev/null || need_apt+=(nodejs)
command -v curl >/dev/null || need_apt+=(curl)
# The console's browser tests (headless Chromium) and its code editor.
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
[ -d /usr/share/javascript/codemirror ] || need_apt+=(libjs-codemirror)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
need_pip=()
python3 -c "import boto3" 2>/dev/null || need_pip+=(boto3)
command -v aws >/dev/null || need_pip+=(awscli)
python3 -c "import pytest" 2>/dev/null || need_pip+=(pytest)
python3 -c "import awslambdaric" 2>/dev/null || need_pip+=(awslambdaric)
python3 -c "import pynamodb" 2>/dev/null || need_pip+=(pynamodb)
python3 -c "import selenium" 2>/dev/null || need_pip+=(selenium)
if [ ${#need_pip[@]} -gt 0 ]; then
  echo "Installing Python packages: ${need_pip[*]}"
  python3 -m pip install -q "${need_pip[@]}"
fi
