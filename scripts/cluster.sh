#!/usr/bin/env bash
# Several app replicas behind nginx, on one PostgreSQL: the deployment of docs/deploy.md on
# this machine, from Debian's packages (no home-made balancer).
#
#   bash scripts/cluster.sh start [N]     # install what is missing, start (or repair) it all;
#                                         # prints the proxy's URL
#   bash scripts/cluster.sh status        # one line per part; exit 0 when every part is up
#   bash scripts/cluster.sh env           # KEY=value lines for programs (bench/load_cluster.py)
#   bash scripts/cluster.sh stop          # stop nginx, the replicas and PostgreSQL (keeps data)
#   bash scripts/cluster.sh stop --purge  # ... and delete the state folder, database included
#   bash scripts/cluster.sh install       # only install nginx and PostgreSQL when missing
#
# What "start" does, in order (each step is skipped when already done, so it also repairs):
#   1. installs Debian's nginx and postgresql with apt-get when missing (root or sudo);
#   2. starts PostgreSQL with scripts/postgres.sh in $DIR/postgres, database "diorama" (or
#      uses DIORAMA_CLUSTER_DATABASE_URL, an existing server), then creates or migrates the
#      schema once (diorama comments check) before any replica starts;
#   3. starts N replicas: `streamlit run app.py` on 127.0.0.1, ports 8601, 8602, … (a port
#      in use by something else is skipped), each with DIORAMA_DATABASE_URL pointing at the
#      database and the same checkout (same data/ bundles, same .streamlit/ config), logs in
#      $DIR/replicas/; waits until every replica's /_stcore/health answers "ok";
#   4. writes $DIR/nginx/nginx.conf and starts nginx on one port (default 8600) with
#      WebSocket support and sticky sessions (see below), or reloads it when running;
#   5. checks through the proxy that the page, a static file, /_stcore/health and the
#      WebSocket /_stcore/stream pass and that one browser stays on one replica
#      (scripts/cluster_check.py).
#
# Sticky sessions: a Streamlit session (its state, uploads and downloads) lives in one
# process, so a browser must stay on the replica it started on. ip_hash would send a
# workshop room, which shares one address, to one replica. Instead nginx gives each browser
# a random cookie on its first request (diorama_node = $request_id, set with map/add_header,
# no module needed) and hashes on it (`hash $diorama_node consistent`): every request of a
# browser — page, static files, WebSocket, uploads — reaches the same replica, and a room
# spreads over all of them. When a replica dies, only its browsers move (consistent hashing),
# to the next replica on the ring, and stay there.
#
# Settings (environment):
#   DIORAMA_CLUSTER_DIR           state, configuration and logs (default: var/cluster)
#   DIORAMA_CLUSTER_REPLICAS      number of replicas (default 3; `start N` overrides)
#   DIORAMA_CLUSTER_BASE_PORT     first replica port (default 8601)
#   DIORAMA_CLUSTER_PORT          the proxy's port (default 8600)
#   DIORAMA_CLUSTER_LISTEN        the proxy's address (default 0.0.0.0: phones in the room)
#   DIORAMA_CLUSTER_DATABASE_URL  use this PostgreSQL instead of starting one
#
# The PostgreSQL that step 2 starts is scripts/postgres.sh's throwaway server (trust
# authentication on 127.0.0.1, fsync off): for trying and measuring this setup. For real
# comments point DIORAMA_CLUSTER_DATABASE_URL at a properly run server (docs/deploy.md).
# Progress goes to stderr; `start` prints only the proxy's URL on stdout.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${DIORAMA_CLUSTER_DIR:-$root/var/cluster}"
replicas="${DIORAMA_CLUSTER_REPLICAS:-3}"
base_port="${DIORAMA_CLUSTER_BASE_PORT:-8601}"
# status, env and stop find the proxy where the last start put it
saved() { if [[ -f "$dir/settings" ]]; then sed -n "s/^$1=//p" "$dir/settings" | tail -n 1; fi; }
proxy_port="${DIORAMA_CLUSTER_PORT:-$(saved port)}"
proxy_port="${proxy_port:-8600}"
listen="${DIORAMA_CLUSTER_LISTEN:-$(saved listen)}"
listen="${listen:-0.0.0.0}"
py="$root/.venv/bin/python"
check="$root/scripts/cluster_check.py"

log() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else return 1
  fi
}

nginx_bin() {
  if command -v nginx >/dev/null 2>&1; then command -v nginx
  elif [[ -x /usr/sbin/nginx ]]; then printf '%s\n' /usr/sbin/nginx
  fi
}
pg_installed() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; }

install() {
  local want=() policy=/usr/sbin/policy-rc.d made=0 rc=0
  [[ -n "$(nginx_bin)" ]] || want+=(nginx)
  [[ -n "${DIORAMA_CLUSTER_DATABASE_URL:-}" ]] || pg_installed || want+=(postgresql)
  ((${#want[@]})) || return 0
  log "installing ${want[*]} from Debian's archive (apt-get)…"
  # The packages would start their system services (nginx on port 80, PostgreSQL's "main"
  # cluster); this deployment runs its own from $DIR, so keep those from starting.
  if [[ ! -e "$policy" ]]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy" && made=1
  fi
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${want[@]}"; } >&2 || rc=$?
  if ((made)); then as_root rm -f "$policy" || true; fi
  ((rc == 0)) || die "apt-get install ${want[*]} failed (needs root or sudo)"
  [[ -n "$(nginx_bin)" ]] || die "nginx is still missing after apt-get install"
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A pid that is alive and is the replica (or nginx) we started, not a reused number.
our_replica() {  # pid port
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null \
    | grep -q -- "streamlit run app.py --server.port $2 "
}
our_nginx() {  # pid
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null \
    | grep -q -- "nginx: master process .*$dir/nginx/nginx.conf"
}
nginx_pid() {
  local pid
  pid="$(cat "$dir/nginx/nginx.pid" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && our_nginx "$pid"; then printf '%s\n' "$pid"; fi
}
replica_pid() {  # index -> pid of the running replica, or nothing
  local pid port
  pid="$(cat "$dir/replicas/r$1.pid" 2>/dev/null || true)"
  port="$(cat "$dir/replicas/r$1.port" 2>/dev/null || true)"
  if [[ -n "$pid" && -n "$port" ]] && our_replica "$pid" "$port"; then printf '%s\n' "$pid"; fi
}
indices() {  # indices of replicas with state files, sorted
  local f
  for f in "$dir"/replicas/r*.port; do
    [[ -e "$f" ]] || continue
    f="${f##*/r}"; printf '%s\n' "${f%.port}"
  done | sort -n
}

database_url() {
  if [[ -n "${DIORAMA_CLUSTER_DATABASE_URL:-}" ]]; then
    printf '%s\n' "$DIORAMA_CLUSTER_DATABASE_URL"
  else
    DIORAMA_PG_DIR="$dir/postgres" DIORAMA_PG_DB=diorama bash "$root/scripts/postgres.sh" url
  fi
}

start_database() {
  if [[ -n "${DIORAMA_CLUSTER_DATABASE_URL:-}" ]]; then
    log "using the database at DIORAMA_CLUSTER_DATABASE_URL"
  else
    DIORAMA_PG_DIR="$dir/postgres" DIORAMA_PG_DB=diorama \
      bash "$root/scripts/postgres.sh" start >/dev/null
  fi
  log "creating or migrating the comment store's schema"
  (cd "$root" && DIORAMA_DATABASE_URL="$(database_url)" "$py" -m geo.cli comments check >&2) \
    || die "the database's schema check failed"
}

stop_pid() {  # pid name: TERM, then KILL after 15 s
  local i
  kill -TERM "$1" 2>/dev/null || return 0
  for i in $(seq 1 150); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$2 (pid $1) did not stop in 15 s; killing it"
  kill -KILL "$1" 2>/dev/null || true
}

start_replicas() {  # n db_url
  local n="$1" db="$2" i pid port used=" " urls=() pids=()
  mkdir -p "$dir/replicas" "$dir/data"
  # replicas beyond n (a smaller cluster than last time), or started with another database
  # address (PostgreSQL restarted on a new port), are stopped
  local restart=0
  [[ "$(cat "$dir/replicas/database_url" 2>/dev/null || true)" == "$db" ]] || restart=1
  (umask 077; printf '%s\n' "$db" >"$dir/replicas/database_url")
  for i in $(indices); do
    if ((i >= n || restart)); then
      pid="$(replica_pid "$i")"
      [[ -z "$pid" ]] || { log "stopping replica $i (pid $pid)"; stop_pid "$pid" "replica $i"; }
      rm -f "$dir/replicas/r$i.pid"
      ((i < n)) || rm -f "$dir/replicas/r$i.port"
    fi
  done
  for ((i = 0; i < n; i++)); do
    pid="$(replica_pid "$i")"
    port="$(cat "$dir/replicas/r$i.port" 2>/dev/null || true)"
    if [[ -n "$pid" ]]; then
      log "replica $i already running on port $port (pid $pid)"
    else
      if [[ -z "$port" ]] || port_busy "$port" || [[ "$used" == *" $port "* ]]; then
        port="$base_port"
        while port_busy "$port" || [[ "$used" == *" $port "* ]] \
            || grep -qx "$port" "$dir"/replicas/r*.port 2>/dev/null; do
          port=$((port + 1))
        done
      fi
      (
        cd "$root"
        export DIORAMA_DATABASE_URL="$db" DIORAMA_DATA_DIR="$dir/data"
        # a hall: several hundred phones may post in the same minute (the app's default
        # ceiling of 60 a minute per city fits a workshop room); set it to keep another
        export DIORAMA_CITY_COMMENTS_PER_MINUTE="${DIORAMA_CITY_COMMENTS_PER_MINUTE:-600}"
        exec setsid "$py" -m streamlit run app.py --server.port "$port" \
          --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false \
          --server.fileWatcherType none </dev/null >>"$dir/replicas/r$i.log" 2>&1
      ) &
      pid=$!
      printf '%s\n' "$pid" >"$dir/replicas/r$i.pid"
      printf '%s\n' "$port" >"$dir/replicas/r$i.port"
      log "replica $i: streamlit run app.py on 127.0.0.1:$port (pid $pid, log $dir/replicas/r$i.log)"
    fi
    used+="$port "
    urls+=("http://127.0.0.1:$port")
    pids+=(--pid "$pid")
  done
  log "waiting for the replicas' /_stcore/health"
  "$py" "$check" wait "${urls[@]}" "${pids[@]}" --timeout 180 \
    || { for i in $(indices); do tail -n 15 "$dir/replicas/r$i.log" >&2 || true; done
         die "a replica did not become healthy"; }
}

write_nginx_conf() {
  local i port user="" owner servers=""
  mkdir -p "$dir/nginx/tmp"
  if [[ "$(id -u)" == 0 ]]; then
    # the master runs as root (it opens the logs); the workers drop to Debian's web user
    owner=www-data:www-data
    id www-data >/dev/null 2>&1 || owner=nobody:nogroup
    user="user ${owner/:/ };"
    chown -R "$owner" "$dir/nginx/tmp"
  fi
  for i in $(indices); do
    port="$(cat "$dir/replicas/r$i.port")"
    servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=10s;"$'\n'
  done
  cat >"$dir/nginx/nginx.conf" <<EOF
# Written by scripts/cluster.sh start (every start rewrites it): the proxy in front of the
# Streamlit replicas. See docs/deploy.md.
$user
worker_processes auto;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 4096; }

http {
    # No client address in the log: the app stores none either.
    log_format diorama '\$time_iso8601 "\$request" \$status \$body_bytes_sent '
                       'rt=\$request_time upstream=\$upstream_addr ustatus=\$upstream_status '
                       'node=\$diorama_node';
    access_log $dir/nginx/access.log diorama;
    client_body_temp_path $dir/nginx/tmp/body;
    proxy_temp_path $dir/nginx/tmp/proxy;
    fastcgi_temp_path $dir/nginx/tmp/fastcgi;
    uwsgi_temp_path $dir/nginx/tmp/uwsgi;
    scgi_temp_path $dir/nginx/tmp/scgi;
    client_max_body_size 200m;      # Streamlit's own upload limit (server.maxUploadSize)
    server_tokens off;

    # WebSocket: pass the upgrade on; plain requests keep the upstream connection alive.
    map \$http_upgrade \$connection_upgrade {
        default upgrade;
        ""      "";
    }
    # Sticky sessions without ip_hash (a workshop room shares one address): the first
    # response gives the browser a random cookie; requests hash on it.
    map \$cookie_diorama_node \$diorama_node {
        "~^[0-9a-f]{32}\$" \$cookie_diorama_node;
        default           \$request_id;
    }
    map \$cookie_diorama_node \$diorama_node_cookie {
        "~^[0-9a-f]{32}\$" "";
        default           "diorama_node=\$request_id; Path=/; HttpOnly; SameSite=Lax";
    }

    upstream diorama {
        hash \$diorama_node consistent;
$servers        keepalive 16;
    }

    server {
        listen $listen:$proxy_port;
        location / {
            proxy_pass http://diorama;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$http_host;          # with the port: Streamlit's origin check
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_connect_timeout 5s;
            proxy_read_timeout 1h;                     # a WebSocket idles between reruns
            proxy_send_timeout 1h;
            add_header Set-Cookie \$diorama_node_cookie always;
        }
    }
}
EOF
}

start_nginx() {
  local bin pid
  bin="$(nginx_bin)"
  [[ -n "$bin" ]] || die "nginx is not installed (bash scripts/cluster.sh install)"
  write_nginx_conf
  "$bin" -t -q -p "$dir/nginx" -e "$dir/nginx/error.log" -c "$dir/nginx/nginx.conf" \
    || die "nginx rejected $dir/nginx/nginx.conf"
  pid="$(nginx_pid)"
  if [[ -n "$pid" ]]; then
    log "reloading nginx (pid $pid) with the replicas' ports"
    "$bin" -p "$dir/nginx" -e "$dir/nginx/error.log" -c "$dir/nginx/nginx.conf" -s reload
    sleep 0.5
  else
    port_busy "$proxy_port" && die "port $proxy_port is in use (set DIORAMA_CLUSTER_PORT)"
    log "starting nginx on $listen:$proxy_port (config $dir/nginx/nginx.conf)"
    "$bin" -p "$dir/nginx" -e "$dir/nginx/error.log" -c "$dir/nginx/nginx.conf" \
      </dev/null >>"$dir/nginx/error.log" 2>&1 || die "nginx did not start"
  fi
  "$py" "$check" wait "$(proxy_url)" --timeout 30 || die "the proxy does not answer"
  "$py" "$check" proxy "$(proxy_url)" --access-log "$dir/nginx/access.log" >&2 \
    || die "the proxy's checks failed (see above)"
}

proxy_url() {
  local host="$listen"
  [[ "$host" != "0.0.0.0" && "$host" != "*" ]] || host=127.0.0.1
  printf 'http://%s:%s\n' "$host" "$proxy_port"
}

start() {
  local n="${1:-$replicas}" db
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "the number of replicas must be a positive integer"
  mkdir -p "$dir"
  printf 'port=%s\nlisten=%s\n' "$proxy_port" "$listen" >"$dir/settings"
  bash "$root/scripts/setup.sh" >&2
  install
  start_database
  db="$(database_url)"
  start_replicas "$n" "$db"
  start_nginx
  log "up: $(proxy_url) → $n replicas, database $db"
  proxy_url
}

status() {
  local ok=0 i pid port db
  if db="$(database_url 2>/dev/null)" && "$py" -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$db" 2>/dev/null; then
    printf '%-12s up    %s\n' postgresql "$db"
  else
    printf '%-12s down\n' postgresql; ok=1
  fi
  for i in $(indices); do
    pid="$(replica_pid "$i")"; port="$(cat "$dir/replicas/r$i.port")"
    if [[ -n "$pid" ]] && "$py" "$check" wait "http://127.0.0.1:$port" --timeout 3 2>/dev/null; then
      printf '%-12s up    http://127.0.0.1:%s  pid %s\n' "replica $i" "$port" "$pid"
    else
      printf '%-12s down  http://127.0.0.1:%s\n' "replica $i" "$port"; ok=1
    fi
  done
  [[ -n "$(indices)" ]] || { printf '%-12s none\n' replicas; ok=1; }
  pid="$(nginx_pid)"
  if [[ -n "$pid" ]] && "$py" "$check" wait "$(proxy_url)" --timeout 3 2>/dev/null; then
    printf '%-12s up    %s  pid %s  (%s:%s)\n' proxy "$(proxy_url)" "$pid" "$listen" "$proxy_port"
  else
    printf '%-12s down  %s\n' proxy "$(proxy_url)"; ok=1
  fi
  return "$ok"
}

env_lines() {
  local i urls="" pids=""
  for i in $(indices); do
    urls+="http://127.0.0.1:$(cat "$dir/replicas/r$i.port") "
    pids+="$(replica_pid "$i" || true) "
  done
  # shell-quoted, so `eval "$(bash scripts/cluster.sh env)"` works
  printf 'PROXY_URL=%q\n' "$(proxy_url)"
  printf 'DATABASE_URL=%q\n' "$(database_url 2>/dev/null || true)"
  printf 'REPLICA_URLS=%q\n' "${urls% }"
  printf 'REPLICA_PIDS=%q\n' "${pids% }"
  printf 'NGINX_PID=%q\n' "$(nginx_pid)"
  printf 'ACCESS_LOG=%q\n' "$dir/nginx/access.log"
}

stop() {
  local purge="${1:-}" i pid bin
  pid="$(nginx_pid)"
  if [[ -n "$pid" ]]; then
    log "stopping nginx (pid $pid)"
    bin="$(nginx_bin)"
    "$bin" -p "$dir/nginx" -e "$dir/nginx/error.log" -c "$dir/nginx/nginx.conf" -s quit \
      || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  for i in $(indices); do
    pid="$(replica_pid "$i")"
    if [[ -n "$pid" ]]; then log "stopping replica $i (pid $pid)"; stop_pid "$pid" "replica $i"; fi
    rm -f "$dir/replicas/r$i.pid"
  done
  if [[ -z "${DIORAMA_CLUSTER_DATABASE_URL:-}" && -e "$dir/postgres" ]]; then
    DIORAMA_PG_DIR="$dir/postgres" bash "$root/scripts/postgres.sh" stop \
      "$([[ "$purge" == --purge ]] && echo "" || echo --keep)" >/dev/null 2>&1 || true
  fi
  if [[ "$purge" == --purge ]]; then
    rm -rf "$dir"
    log "deleted $dir"
  fi
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  status) status ;;
  env) env_lines ;;
  install) install ;;
  *) printf 'usage: %s start [N] | status | env | stop [--purge] | install\n' "$0" >&2; exit 2 ;;
esac
