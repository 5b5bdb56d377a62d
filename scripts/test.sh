#!/usr/bin/env bash
# Set up (first time) and run every test. PostgreSQL and Chromium are installed and started here
# when available; under CI=true they are required.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg
pg_started=0
if [ -z "${DIORAMA_TEST_PG_URL:-}" ] && [ -f scripts/postgres.sh ]; then
  if url=$(bash scripts/postgres.sh start); then
    export DIORAMA_TEST_PG_URL="$url"; pg_started=1
  elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL could not be started; CI needs it" >&2; exit 1
  else
    echo "note: PostgreSQL not available here; its tests will be skipped" >&2
  fi
fi
cleanup() { if [ "$pg_started" = 1 ]; then bash scripts/postgres.sh stop >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT
.venv/bin/python -m pytest "$@"
