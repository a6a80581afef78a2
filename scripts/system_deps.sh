#!/usr/bin/env bash
# System packages the tests need: a PostgreSQL server (throwaway clusters) and Chromium (browser
# tests). Installed with apt when missing and we are root; otherwise the tests that need them skip
# (but never under CI=true, where they fail instead).
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  # the Debian package starts its own cluster; the tests use throwaway ones instead
  command -v pg_ctlcluster >/dev/null 2>&1 && service postgresql stop >/dev/null 2>&1 || true
else
  echo "not installing ${missing[*]} (needs root and apt-get); tests that need them will skip" >&2
fi
