#!/usr/bin/env bash
# The browser journeys N times in a row (default 10) while a CPU burner keeps every core busy:
# a journey that passes only on a quiet machine fails here. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
n=${1:-10}
.venv/bin/python scripts/cpu_burn.py &
burner=$!
trap 'kill "$burner" 2>/dev/null || true' EXIT
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_journeys.py -x
  echo "run $i of $n passed in $(( $(date +%s) - start )) s under load"
done
