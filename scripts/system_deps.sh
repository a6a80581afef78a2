#!/usr/bin/env bash
# System packages the tests need: a PostgreSQL server (throwaway clusters), Chromium (browser tests)
# and a Java runtime (the throwaway Spark cluster; Spark 4.1 runs on Java 17 or 21). Installed with
# apt when missing and we are root; otherwise the tests that need them skip (but never under
# CI=true, where they fail instead).
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
need_java=0
command -v java >/dev/null 2>&1 || [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ] || need_java=1
[ ${#missing[@]} -eq 0 ] && [ "$need_java" -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if [ "$need_java" -eq 1 ]; then
    # Debian 12 ships OpenJDK 17, Debian 13 OpenJDK 21: the first one this release has
    for jre in openjdk-17-jre-headless openjdk-21-jre-headless; do
      if apt-cache show "$jre" >/dev/null 2>&1; then missing+=("$jre"); break; fi
    done
  fi
  echo "installing system packages: ${missing[*]}" >&2
  apt-get install -y -qq "${missing[@]}" >/dev/null
  # the Debian package starts its own cluster; the tests use throwaway ones instead
  command -v pg_ctlcluster >/dev/null 2>&1 && service postgresql stop >/dev/null 2>&1 || true
else
  [ "$need_java" -eq 1 ] && missing+=(java)
  echo "not installing ${missing[*]} (needs root and apt-get); tests that need them will skip" >&2
fi
