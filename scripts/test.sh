#!/usr/bin/env bash
# Set up (first time) and run every test: unit, AppTest, PostgreSQL and real-browser tests,
# then bandit. PostgreSQL, Chromium, nginx and axe-core are installed here when missing (Debian's
# packages and the npm registry; no browser downloads); under CI=true they are required.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PYTHONDONTWRITEBYTECODE=1
ci=${CI:-false}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests" >&2
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null; } \
    || { [ "$ci" = true ] && { echo "chromium could not be installed" >&2; exit 1; }; \
         echo "note: chromium not installed; browser tests will be skipped" >&2; }
fi
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "installing Debian's nginx for the cluster test (tests/test_cluster.py)" >&2
  bash scripts/cluster.sh install \
    || { [ "$ci" = true ] && { echo "nginx could not be installed" >&2; exit 1; }; \
         echo "note: nginx not installed; tests/test_cluster.py will be skipped" >&2; }
fi
# The PDF minutes (WeasyPrint) need Debian's Pango and a Japanese font to embed.
if ! /sbin/ldconfig -p 2>/dev/null | grep 'libpangoft2-1.0.so.0' >/dev/null \
    || ! fc-list 2>/dev/null | grep 'Noto Sans CJK JP' >/dev/null; then
  echo "installing Debian's Pango and Noto CJK for the PDF minutes" >&2
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      fonts-noto-cjk >/dev/null; } \
    || { [ "$ci" = true ] && { echo "Pango could not be installed" >&2; exit 1; }; \
         echo "note: Pango not installed; the PDF minutes tests will fail" >&2; }
fi
if [ ! -f var/node/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --silent --no-audit --no-fund --prefix var/node axe-core@4 >/dev/null
  elif [ "$ci" = true ]; then
    echo "npm is needed to install axe-core" >&2; exit 1
  fi
fi

pg_started=0
if [ -z "${DIORAMA_TEST_PG_URL:-}" ] && [ -f scripts/postgres.sh ]; then
  if url=$(bash scripts/postgres.sh start); then
    export DIORAMA_TEST_PG_URL="$url"; pg_started=1
  elif [ "$ci" = true ]; then
    echo "PostgreSQL could not be started; CI needs it" >&2; exit 1
  else
    echo "note: PostgreSQL not available here; its tests will be skipped" >&2
  fi
fi
cleanup() { if [ "$pg_started" = 1 ]; then bash scripts/postgres.sh stop >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

if [ "$#" -gt 0 ]; then
  .venv/bin/python -m pytest "$@"
else
  # Everything but the browser tests, then the browser tests while a CPU burner keeps both
  # cores busy: a browser test that passes only on a quiet machine is a failing test.
  .venv/bin/python -m pytest -m "not browser"
  .venv/bin/python scripts/cpu_burn.py &
  burner=$!
  trap 'kill "$burner" 2>/dev/null || true; cleanup' EXIT
  .venv/bin/python -m pytest -m browser
  kill "$burner" 2>/dev/null || true
fi
# The library's typing (mypy settings in pyproject.toml), lint and the architecture's layers
# (import-linter contracts in .importlinter).
.venv/bin/mypy geo
.venv/bin/ruff check .
.venv/bin/lint-imports
# Static security check: no high-severity finding in the app's code.
.venv/bin/bandit -q -r geo ui pages app.py --severity-level high --confidence-level high
# Known vulnerabilities in the installed packages (fails on any; says so when it cannot check).
.venv/bin/python scripts/audit.py
