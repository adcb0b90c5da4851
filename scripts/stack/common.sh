# Shared settings and helpers for the local stack scripts. Sourced, not run.
# Every service binds to 127.0.0.1 only. Data and logs live under
# $SLUICE_STACK_DIR (ignored by git); downloads and builds are cached under
# $SLUICE_CACHE_DIR so that only the first run on a machine is slow.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${SLUICE_STACK_DIR:=$REPO_ROOT/.stack}"
: "${SLUICE_CACHE_DIR:=$HOME/.cache/sluice}"
: "${SLUICE_STACK_KAFKA_PORT:=19092}"
: "${SLUICE_STACK_KAFKA_CONTROLLER_PORT:=19093}"
: "${SLUICE_STACK_PG_PORT:=15432}"
: "${SLUICE_STACK_S3_PORT:=19000}"
: "${SLUICE_STACK_S3_CONSOLE_PORT:=19001}"
: "${SLUICE_STACK_REGISTRY_PORT:=18081}"
: "${SLUICE_STACK_S3_ACCESS_KEY:=sluice}"
: "${SLUICE_STACK_S3_SECRET_KEY:=sluice-secret-key}"
: "${SLUICE_STACK_S3_BUCKET:=sluice}"
export SLUICE_STACK_DIR SLUICE_CACHE_DIR
mkdir -p "$SLUICE_STACK_DIR" "$SLUICE_CACHE_DIR"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# pid_alive <pidfile>: true when the pid recorded in the file is running.
pid_alive() {
  [[ -f "$1" ]] || return 1
  local pid; pid=$(cat "$1" 2>/dev/null) || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# port_open <port>: true when something accepts TCP connections on 127.0.0.1:<port>.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until <seconds> <description> <command...>: poll until the command succeeds.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= deadline )); then die "$what did not answer within ${limit}s"; fi
    sleep 0.5
  done
}

# stop_pidfile <pidfile> <name>: TERM, wait up to 20s, then KILL.
stop_pidfile() {
  local pidfile=$1 name=$2
  if pid_alive "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    log "$name stopped"
  fi
  rm -f "$pidfile"
}

# maven_fetch <workdir> <pom-content>: copy a pom's runtime dependencies into <workdir>/libs once.
maven_fetch() {
  local dir=$1 pom=$2
  if [[ -f "$dir/.complete" ]]; then return 0; fi
  mkdir -p "$dir"
  printf '%s\n' "$pom" > "$dir/pom.xml"
  rm -rf "$dir/libs"
  (cd "$dir" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=libs) \
    || die "maven could not fetch the dependencies in $dir/pom.xml"
  touch "$dir/.complete"
}
