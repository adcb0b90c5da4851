#!/usr/bin/env bash
# A single-node OpenSearch on 127.0.0.1:$SLUICE_STACK_OPENSEARCH_PORT, or
# (SEARCH_FLAVOR=elasticsearch, which elasticsearch.sh sets) a single-node
# Elasticsearch on 127.0.0.1:$SLUICE_STACK_ELASTICSEARCH_PORT: HTTP, no
# security plugin, run straight from the server's jars and its
# transport-netty4 module on Maven Central, laid out as the tar distribution
# lays them out (lib/, modules/transport-netty4/, plugins/, config/):
#   $SLUICE_CACHE_DIR/<flavor>-<version>/{server,netty4}/libs   fetched once with mvn
#   $SLUICE_STACK_DIR/<flavor>/home                              lib/ and modules/ (links to the cache)
#   $SLUICE_STACK_DIR/<flavor>/{config,data,tmp}                 the node's own files
#   $SLUICE_STACK_DIR/<flavor>/<flavor>.log                      its log
# Both refuse to run as root; as root the node runs as the system user
# sluice-opensearch (made on first start), as PostgreSQL runs as postgres.
# OpenSearch 2.19.x is the newest line that runs on Java 17 (3.x needs Java 21
# and more modules). Elasticsearch 7.17.x is the newest whose server and
# netty module are both on Maven Central in this form (8.x starts through a
# separate launcher); without x-pack it is the OSS flavour: no data streams.
# SLUICE_STACK_<FLAVOR>_JAVA picks another java binary.
#
#   opensearch.sh install | up | down | status | kill
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FLAVOR="${SEARCH_FLAVOR:-opensearch}"
# What differs between the two servers; everything else is the same.
if [[ $FLAVOR == opensearch ]]; then
  LABEL=OpenSearch
  DEFAULT_VERSION=2.19.6
  GROUP=org.opensearch
  MAIN=org.opensearch.bootstrap.OpenSearch
  PROP=opensearch
  NETTY_PLUGIN=org.opensearch.transport.Netty4Plugin
  # The log4j version the server itself depends on (it ships log4j-api only;
  # the distribution adds log4j-core of the same version).
  EXTRA_DEPS="<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>${SLUICE_STACK_OPENSEARCH_LOG4J_VERSION:-2.25.4}</version></dependency>"
elif [[ $FLAVOR == elasticsearch ]]; then
  LABEL=Elasticsearch
  DEFAULT_VERSION=7.17.29
  GROUP=org.elasticsearch
  MAIN=org.elasticsearch.bootstrap.Elasticsearch
  PROP=es
  NETTY_PLUGIN=org.elasticsearch.transport.Netty4Plugin
  EXTRA_DEPS=""   # its pom brings log4j-core
else
  die "SEARCH_FLAVOR must be opensearch or elasticsearch, not $FLAVOR"
fi
PLUGIN_GROUP=$GROUP.plugin
YML=$FLAVOR.yml
# setting <NAME> [default]: $SLUICE_STACK_<FLAVOR>_<NAME>, or the default.
setting() { local n="SLUICE_STACK_${FLAVOR^^}_$1"; printf "%s" "${!n:-${2:-}}"; }
OS_VERSION=$(setting VERSION "$DEFAULT_VERSION")
PORT=$(setting PORT)
TRANSPORT_PORT=$(setting TRANSPORT_PORT)
OS_JAVA=$(setting JAVA java)
HEAP_OPTS=$(setting HEAP_OPTS "-Xms512m -Xmx512m")
START_TIMEOUT=$(setting START_TIMEOUT 120)
EXTRA_JAVA_OPTS=$(setting JAVA_OPTS)
[[ -n $PORT && -n $TRANSPORT_PORT ]] || die "SLUICE_STACK_${FLAVOR^^}_PORT and _TRANSPORT_PORT are not set (common.sh sets them)"
OS_CACHE="$SLUICE_CACHE_DIR/$FLAVOR-$OS_VERSION"
OS_DIR="$SLUICE_STACK_DIR/$FLAVOR"
OS_HOME="$OS_DIR/home"
OS_CONF="$OS_DIR/config"
OS_PID="$OS_DIR/$FLAVOR.pid"
OS_LOG="$OS_DIR/$FLAVOR.log"
OS_USER="sluice-opensearch"
BASE="http://127.0.0.1:$PORT"

pom() { # pom <artifactId> <dependencies...>
  local a=$1; shift
  printf '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.stack</groupId><artifactId>%s</artifactId><version>%s</version><packaging>pom</packaging>
  <dependencies>%s</dependencies></project>' "$a" "$OS_VERSION" "$*"
}
dep() { printf '<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>' "$1" "$2" "$3"; }

install() {
  if [[ ! -f "$OS_CACHE/.complete" ]]; then
    command -v mvn >/dev/null || die "mvn not found: Maven fetches $LABEL's jars from Maven Central"
    log "fetching $LABEL $OS_VERSION jars from Maven Central (first run only)"
    rm -rf "$OS_CACHE"
    # The server's lib/: the server and what it needs at run time, the plugin
    # class loader (a separate library in the distribution) and log4j-core.
    maven_fetch "$OS_CACHE/server" "$(pom "$FLAVOR-server" \
      "$(dep "$GROUP" "$FLAVOR" "$OS_VERSION")" \
      "$(dep "$GROUP" "$FLAVOR-plugin-classloader" "$OS_VERSION")" \
      "$EXTRA_DEPS")" >&2
    # The HTTP and transport layer is a module: its jar and Netty.
    maven_fetch "$OS_CACHE/netty4" "$(pom "$FLAVOR-transport-netty4" \
      "$(dep "$PLUGIN_GROUP" transport-netty4-client "$OS_VERSION")")" >&2
    touch "$OS_CACHE/.complete"
  fi
  [[ -f "$OS_CACHE/server/libs/$FLAVOR-$OS_VERSION.jar" ]] \
    || die "$OS_CACHE has no $FLAVOR-$OS_VERSION.jar; delete $OS_CACHE and run install again"
}

# As root the node runs as its own user. setpriv execs in place, so the
# recorded pid is the JVM's own (kill -9 in tests hits the node).
as_user=()
if [[ $(id -u) -eq 0 ]]; then as_user=(setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups --); fi

ensure_user() {
  [[ $(id -u) -eq 0 ]] || return 0
  id -u "$OS_USER" >/dev/null 2>&1 && return 0
  # OpenSearch and Elasticsearch start side by side: the other may be making it
  # (useradd then fails to lock /etc/passwd, or finds the user there).
  local i
  for i in $(seq 1 20); do
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$OS_USER" 2>/dev/null && return 0
    id -u "$OS_USER" >/dev/null 2>&1 && return 0
    sleep 0.3
  done
  die "could not create the system user $OS_USER that runs $LABEL"
}

# lay_out_home: lib/ and modules/transport-netty4/ as the tar distribution has
# them, hard links into the cache where possible (the cache may be under a
# home directory the node's user cannot enter). Redone when the version changes.
lay_out_home() {
  [[ "$(cat "$OS_HOME/.version" 2>/dev/null)" == "$OS_VERSION" ]] && return 0
  rm -rf "$OS_HOME"
  mkdir -p "$OS_HOME/lib" "$OS_HOME/modules/transport-netty4" "$OS_HOME/plugins" "$OS_HOME/bin"
  cp -l "$OS_CACHE/server/libs/"*.jar "$OS_HOME/lib/" 2>/dev/null || cp "$OS_CACHE/server/libs/"*.jar "$OS_HOME/lib/"
  local j
  for j in "$OS_CACHE/netty4/libs/"*.jar; do
    # a jar already on the server's class path would fail the jar-hell check
    [[ -e "$OS_HOME/lib/$(basename "$j")" ]] && continue
    cp -l "$j" "$OS_HOME/modules/transport-netty4/" 2>/dev/null || cp "$j" "$OS_HOME/modules/transport-netty4/"
  done
  cat >"$OS_HOME/modules/transport-netty4/plugin-descriptor.properties" <<PROPS
description=Netty 4 based transport implementation
version=$OS_VERSION
name=transport-netty4
classname=$NETTY_PLUGIN
java.version=11
$FLAVOR.version=$OS_VERSION
extended.plugins=
has.native.controller=false
PROPS
  # The module's security policy, as each distribution ships it (Elasticsearch
  # grants by codebase and refuses OpenSearch's global RuntimePermission "*").
  if [[ $FLAVOR == opensearch ]]; then
    cat >"$OS_HOME/modules/transport-netty4/plugin-security.policy" <<'POLICY'
grant {
  permission java.io.FilePermission "/proc/sys/net/core/somaxconn", "read";
  permission java.net.SocketPermission "*", "accept,connect";
  permission java.lang.RuntimePermission "*", "setContextClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
  permission java.util.PropertyPermission "sun.nio.ch.bugLevel", "write";
};
POLICY
  else
    cat >"$OS_HOME/modules/transport-netty4/plugin-security.policy" <<'POLICY'
grant codeBase "${codebase.netty-common}" {
  permission java.io.FilePermission "/proc/sys/net/core/somaxconn", "read";
  permission java.net.SocketPermission "*", "accept,connect";
  permission java.lang.RuntimePermission "setContextClassLoader";
};
grant codeBase "${codebase.netty-transport}" {
  permission java.util.PropertyPermission "sun.nio.ch.bugLevel", "write";
};
POLICY
  fi
  echo "$OS_VERSION" >"$OS_HOME/.version"
}

write_config() {
  mkdir -p "$OS_CONF" "$OS_DIR/data" "$OS_DIR/tmp" "$OS_DIR/logs"
  # Disk watermarks off: a nearly full CI disk must not turn test indices read-only.
  # Many small test indices over many runs: no shard cap to run into.
  cat >"$OS_CONF/$YML" <<YML
# Generated by scripts/stack/opensearch.sh on every start; edits are overwritten.
cluster.name: sluice-stack
node.name: sluice-stack
discovery.type: single-node
network.host: 127.0.0.1
http.port: $PORT
transport.port: $TRANSPORT_PORT
path.data: $OS_DIR/data
path.logs: $OS_DIR/logs
cluster.routing.allocation.disk.threshold_enabled: false
cluster.max_shards_per_node: 100000
YML
  cat >"$OS_CONF/log4j2.properties" <<'LOG'
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.deprecation.name = deprecation
logger.deprecation.level = error
LOG
  if [[ $(id -u) -eq 0 ]]; then chown -R "$OS_USER:" "$OS_CONF" "$OS_DIR/data" "$OS_DIR/tmp" "$OS_DIR/logs"; fi
}

# Class data sharing: the first start records the classes it loads
# (-XX:ArchiveClassesAtExit, written when the node stops cleanly); later
# starts map them (about half the start time on the 2-core machine: 19 s → 9 s
# under load). An archive that no longer matches the JVM or the jars is
# tested before each use (a stale one can crash the JVM) and made again.
# SLUICE_STACK_SEARCH_CDS=0 turns this off.
CDS_OPTS=()
cds_setup() {
  [[ "${SLUICE_STACK_SEARCH_CDS:-1}" == 1 ]] || return 0
  local archive
  archive="$OS_DIR/cds/$OS_VERSION-$("$OS_JAVA" -version 2>&1 | cksum | cut -d' ' -f1).jsa"
  mkdir -p "$OS_DIR/cds"
  if [[ $(id -u) -eq 0 ]]; then chown "$OS_USER:" "$OS_DIR/cds"; fi
  if [[ -f "$archive" ]] \
    && ("$OS_JAVA" -XX:SharedArchiveFile="$archive" -Xshare:on -XX:ErrorFile=/dev/null -cp "$OS_HOME/lib/*" -version >/dev/null 2>&1
        exit $?) 2>/dev/null; then   # (a subshell of two commands, so that bash's "Aborted" goes to /dev/null too)
    CDS_OPTS=("-XX:SharedArchiveFile=$archive")
  else
    rm -f "$archive"
    CDS_OPTS=("-XX:ArchiveClassesAtExit=$archive")
  fi
  CDS_OPTS+=("-Xlog:cds=off,cds+dynamic=off")
}

ready() { curl -sf -o /dev/null --max-time 5 "$BASE/_cluster/health?wait_for_status=yellow&timeout=2s"; }

up() {
  install
  if ! ready; then
    exec 9>"$OS_DIR.lock"
    flock -w "$START_TIMEOUT" 9 || die "another $FLAVOR start holds $OS_DIR.lock"
    if ! pid_alive "$OS_PID"; then
      port_open "$PORT" && die "127.0.0.1:$PORT is taken by something that is not this stack's $LABEL"
      command -v "$OS_JAVA" >/dev/null || die "java not found: $LABEL $OS_VERSION needs Java 17 or newer"
      ensure_user
      mkdir -p "$OS_DIR"
      lay_out_home
      write_config
      cds_setup
      local started=$SECONDS
      # The system properties bin/opensearch (bin/elasticsearch) and its JVM
      # options set; Elasticsearch's JNA wants LIBFFI_TMPDIR as its launcher sets it.
      # shellcheck disable=SC2086
      (cd "$OS_DIR" && export LIBFFI_TMPDIR="$OS_DIR/tmp" ES_TMPDIR="$OS_DIR/tmp" && exec nohup "${as_user[@]}" "$OS_JAVA" "${CDS_OPTS[@]}" $HEAP_OPTS -XX:+UseG1GC -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30 \
        -Xss1m -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djna.nosys=true \
        -XX:-OmitStackTraceInFastThrow -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true \
        -Dio.netty.recycler.maxCapacityPerThread=0 -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true \
        -Djava.locale.providers=SPI,COMPAT -Djava.io.tmpdir="$OS_DIR/tmp" \
        -D$PROP.path.home="$OS_HOME" -D$PROP.path.conf="$OS_CONF" -D$PROP.distribution.type=tar \
        -Des.distribution.flavor=oss -Des.bundled_jdk=false \
        $EXTRA_JAVA_OPTS \
        -cp "$OS_HOME/lib/*" "$MAIN" </dev/null >"$OS_LOG" 2>&1) &
      echo $! >"$OS_PID"
      local deadline=$((SECONDS + START_TIMEOUT))
      until ready; do
        pid_alive "$OS_PID" || { tail -n 40 "$OS_LOG" >&2; die "$LABEL exited during start-up (log: $OS_LOG)"; }
        (( SECONDS < deadline )) || { tail -n 40 "$OS_LOG" >&2; die "$LABEL did not answer within ${START_TIMEOUT}s (log: $OS_LOG)"; }
        sleep 0.25
      done
      log "$FLAVOR started in $((SECONDS - started))s"
    else
      log "a $LABEL process is already starting (pid $(cat "$OS_PID")); waiting for it"
      wait_until "$START_TIMEOUT" "$LABEL" ready
    fi
  fi
  printf '%-10s %s\n' "$FLAVOR" "$BASE"
}

down() { stop_pidfile "$OS_PID" "$FLAVOR"; }

# kill: SIGKILL, no shutdown (tests of a crashed cluster).
kill9() {
  if pid_alive "$OS_PID"; then kill -9 "$(cat "$OS_PID")"; fi
  local i
  for i in $(seq 1 40); do pid_alive "$OS_PID" || break; sleep 0.25; done
  rm -f "$OS_PID"
}

status() {
  if ready; then printf '%-10s up    %s\n' "$FLAVOR" "$BASE"; else printf '%-10s down\n' "$FLAVOR"; return 1; fi
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  status) status ;;
  kill) kill9 ;;
  *) die "usage: $FLAVOR.sh install|up|down|status|kill" ;;
esac
