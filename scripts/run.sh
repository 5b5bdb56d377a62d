#!/usr/bin/env bash
# Set up (first time) and run the app on the shipped cities: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The bundles are shipped processed in data/; rebuild only if one is missing.
for recipe in data/raw/*/city.toml; do
  city=$(basename "$(dirname "$recipe")")
  [ -f "data/$city/manifest.json" ] || .venv/bin/diorama build "$city"
done
exec .venv/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false \
  --server.port "${PORT:-8501}" "$@"
