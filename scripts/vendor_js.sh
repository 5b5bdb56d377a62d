#!/usr/bin/env bash
# Refresh the browser libraries the maps use (ui/deckmap.py, ui/assets/deckmap.js) in
# static/vendor from the npm registry: deck.gl's standalone bundle, its JSON converter and
# h3-js. They are committed so the app runs with no internet and no Node.js; run this only
# to move to new versions (then update ui/deckmap.py _VENDOR and static/vendor/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
DECK=${1:-9.4.0}
H3=${2:-4.4.0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "deck.gl@$DECK" "@deck.gl/json@$DECK" "h3-js@$H3" >/dev/null)
for f in "$tmp"/*.tgz; do mkdir -p "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
cp "$tmp/deck.gl-$DECK/package/dist.min.js" "static/vendor/deck.gl-$DECK.min.js"
cp "$tmp/deck.gl-json-$DECK/package/dist.min.js" "static/vendor/deck.gl-json-$DECK.min.js"
cp "$tmp/h3-js-$H3/package/dist/h3-js.umd.js" "static/vendor/h3-js-$H3.umd.js"
cp "$tmp/deck.gl-$DECK/package/LICENSE" static/vendor/LICENSE.deck.gl
cp "$tmp/h3-js-$H3/package/LICENSE" static/vendor/LICENSE.h3-js
(cd static/vendor && sha256sum ./*.js)
