#!/usr/bin/env bash
# Throwaway PostgreSQL server for tests of the comment store (geo/store).
#
#   bash scripts/postgres.sh start    # install if missing, init, start; prints postgresql:// URL
#   bash scripts/postgres.sh url      # prints the URL of the running server
#   bash scripts/postgres.sh status   # exit 0 when running
#   bash scripts/postgres.sh stop     # stop the server and delete the cluster
#   bash scripts/postgres.sh stop --keep   # stop but keep the cluster's files
#
# Typical use:
#   export DIORAMA_TEST_PG_URL="$(bash scripts/postgres.sh start)"
#   pytest -q tests/test_store.py
#   bash scripts/postgres.sh stop
#
# The cluster lives in $DIORAMA_PG_DIR (default: var/postgres in the repository, which git
# ignores), listens on 127.0.0.1 only, on a free port, and trusts local connections: it is
# for tests, never for real data. Only the URL goes to stdout; progress goes to stderr.
# It flushes nothing to disk (fsync=off, synchronous_commit=off, full_page_writes=off), which
# makes tests fast; DIORAMA_PG_DURABLE=1 starts it with PostgreSQL's durable defaults instead,
# for benchmarks of acknowledged writes (e.g. bench/bench_city.py --pg URL).
# Run as root, the server runs as the 'postgres' user (created by Debian's package).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="${DIORAMA_PG_DIR:-$here/var/postgres}"
dbname="${DIORAMA_PG_DB:-diorama_test}"

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

pg_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then
    printf '%s\n' "$dir"
  fi
}

ensure_installed() {
  local dir
  dir="$(pg_bindir)"
  if [[ -z "$dir" ]]; then
    [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed and installing it needs root (apt-get install -y postgresql)"
    log "installing PostgreSQL from Debian's archive (apt-get)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql >&2
    dir="$(pg_bindir)"
    [[ -n "$dir" ]] || die "apt-get install postgresql did not provide initdb"
  fi
  printf '%s\n' "$dir"
}

# Run a command as the server's owner: 'postgres' when we are root, else ourselves.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# The options that keep the server from flushing to disk (none with DIORAMA_PG_DURABLE=1).
flush_options() {
  if [[ "${DIORAMA_PG_DURABLE:-0}" == 1 ]]; then
    log "durable: fsync, synchronous_commit and full_page_writes as PostgreSQL's defaults"
  else
    printf '%s' "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
}

free_port() {
  local py
  py="$(command -v python3 || command -v python || true)"
  if [[ -n "$py" ]]; then
    "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port
  for port in $(seq 55432 55532); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return
    fi
  done
  die "no free port found"
}

is_running() {
  local bin
  bin="$(pg_bindir)"
  [[ -n "$bin" && -f "$base/data/PG_VERSION" ]] || return 1
  as_owner "$bin/pg_ctl" -D "$base/data" status >/dev/null 2>&1
}

url() {
  [[ -f "$base/port" ]] || die "no cluster in $base (run: bash scripts/postgres.sh start)"
  printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "$(cat "$base/port")" "$dbname"
}

start() {
  local bin port
  bin="$(ensure_installed)"
  if is_running; then
    log "already running ($base)"
    url
    return
  fi
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' is missing (reinstall the postgresql package)"
    mkdir -p "$(dirname "$base")"
    # The server's owner must be able to reach the folder; fall back to /tmp otherwise.
    if ! runuser -u postgres -- test -x "$(dirname "$base")"; then
      local unreachable
      unreachable="$(dirname "$base")"
      base="$(mktemp -d /tmp/diorama-postgres.XXXXXX)"
      log "$unreachable is not reachable by 'postgres'; using $base"
    fi
  fi
  if [[ ! -f "$base/data/PG_VERSION" ]]; then
    rm -rf "$base"
    mkdir -p "$base/data" "$base/socket"
    if [[ "$(id -u)" == 0 ]]; then chown -R postgres: "$base"; fi
    chmod 700 "$base/data"
    log "initialising a throwaway cluster in $base/data"
    as_owner "$bin/initdb" -D "$base/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      >"$base/initdb.log" 2>&1 || { cat "$base/initdb.log" >&2; die "initdb failed"; }
  fi
  port="$(free_port)"
  printf '%s\n' "$port" >"$base/port"
  log "starting on 127.0.0.1:$port"
  as_owner "$bin/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $base/socket $(flush_options) -c max_connections=100" \
    start >&2 || { tail -n 30 "$base/server.log" >&2 || true; die "the server did not start"; }
  if ! as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$dbname'" | grep -q 1; then
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$dbname"
  fi
  # Remember where the cluster is when it had to move to /tmp.
  if [[ "$base" != "$requested" ]]; then
    printf '%s\n' "$base" >"$requested.location"
  fi
  url
}

stop() {
  local keep="${1:-}" bin
  bin="$(pg_bindir)"
  if [[ -n "$bin" && -f "$base/data/PG_VERSION" ]]; then
    if is_running; then
      log "stopping the server in $base"
      as_owner "$bin/pg_ctl" -D "$base/data" -m fast -w stop >&2
    fi
  else
    log "no cluster in $base"
  fi
  if [[ "$keep" != "--keep" && -d "$base" ]]; then
    rm -rf "$base"
    rm -f "$requested.location"
    log "deleted $base"
  fi
}

# A cluster that had to move to /tmp left a note of its location beside the requested one.
requested="$base"
if [[ -f "$requested.location" ]]; then
  base="$(cat "$requested.location")"
fi

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  url) url ;;
  status) if is_running; then log "running ($base)"; else log "not running"; exit 1; fi ;;
  *) printf 'usage: %s start | stop [--keep] | url | status\n' "$0" >&2; exit 2 ;;
esac
