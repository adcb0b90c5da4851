#!/usr/bin/env bash
# PostgreSQL from Debian's packages, in a cluster of the project's own
# ($SLUICE_STACK_DIR/postgres), on 127.0.0.1:$SLUICE_STACK_PG_PORT with trust auth on
# loopback, so tests never depend on a machine-wide server.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_DIR="$SLUICE_STACK_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_BIN="${SLUICE_STACK_PG_BIN:-}"
if [[ -z "$PG_BIN" ]]; then
  for v in 17 16 15; do
    if [[ -x "/usr/lib/postgresql/$v/bin/postgres" ]]; then PG_BIN="/usr/lib/postgresql/$v/bin"; break; fi
  done
fi

# PostgreSQL refuses to run as root; as root we run it as the postgres user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
  if [[ -n "$PG_BIN" ]]; then return 0; fi
  command -v apt-get >/dev/null || die "PostgreSQL server binaries not found; install PostgreSQL 15+ or set SLUICE_STACK_PG_BIN"
  log "installing PostgreSQL from Debian's packages"
  [[ $(id -u) -eq 0 ]] || die "installing PostgreSQL needs root (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
}

ready() { as_pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$SLUICE_STACK_PG_PORT"; }

init_cluster() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  mkdir -p "$PG_DIR"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$PG_DIR"; fi
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $SLUICE_STACK_PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 200
shared_buffers = 256MB
work_mem = 16MB
maintenance_work_mem = 128MB
max_wal_size = 4GB
checkpoint_timeout = 15min
wal_buffers = 16MB
logging_collector = off
log_min_messages = warning
CONF
}

up() {
  install
  if ready; then echo "postgres   postgresql://postgres@127.0.0.1:$SLUICE_STACK_PG_PORT/postgres"; return 0; fi
  init_cluster
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/postgres.log" -w -t 60 start >/dev/null \
    || { tail -n 40 "$PG_DIR/postgres.log" >&2; die "PostgreSQL did not start"; }
  wait_until 60 "PostgreSQL" ready
  echo "postgres   postgresql://postgres@127.0.0.1:$SLUICE_STACK_PG_PORT/postgres"
}

down() {
  if [[ -f "$PG_DATA/postmaster.pid" ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    log "postgres stopped"
  fi
}

status() {
  if [[ -n "$PG_BIN" ]] && ready; then echo "postgres   up    127.0.0.1:$SLUICE_STACK_PG_PORT"; else echo "postgres   down"; return 1; fi
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: postgres.sh install|up|down|status" ;;
esac
