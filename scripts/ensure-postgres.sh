#!/usr/bin/env bash
# Makes sure the PostgreSQL server the tests use is running on 127.0.0.1:5432 (server-side migrations, lexical-only
# retrieval, concurrency, outages). Starts the machine's cluster when it is installed and stopped; when PostgreSQL is
# not installed, says so and carries on: those tests are then skipped with a warning (CI installs it: .ci/run).
set -uo pipefail
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  echo "== starting PostgreSQL $version (127.0.0.1:5432)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 1; done
  echo "PostgreSQL did not come up on 127.0.0.1:5432: server tests will be skipped" >&2
else
  echo "PostgreSQL is not installed: server tests will be skipped (apt-get install postgresql postgresql-contrib)" >&2
fi
exit 0
