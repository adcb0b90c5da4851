#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, combined broker+controller,
# static quorum of one voter) on 127.0.0.1:$SLUICE_STACK_KAFKA_PORT, run straight
# from Apache Kafka's jars on Maven Central (cached in $SLUICE_CACHE_DIR).
# A second listener on 127.0.0.1:$SLUICE_STACK_KAFKA_SASL_PORT is SASL_SSL:
# SCRAM-SHA-512 (user $SLUICE_STACK_KAFKA_SASL_USER) over TLS with a
# certificate signed by the stack's CA (common.sh: ensure_tls).
# Config, data and log live under $SLUICE_STACK_DIR/kafka.
#
#   kafka.sh install   fetch the jars (first run only)
#   kafka.sh up        start (formats storage on first start), wait until ready
#   kafka.sh down      stop
#   kafka.sh status    "up"/"down" line; exit 0 when up
#   kafka.sh smoke     create a topic, produce and consume one record, delete it
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KAFKA_VERSION="${SLUICE_STACK_KAFKA_VERSION:-4.1.2}"
LOG4J_VERSION="${SLUICE_STACK_KAFKA_LOG4J_VERSION:-2.24.3}"   # the version kafka-server itself depends on
KAFKA_HOME="$SLUICE_CACHE_DIR/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_HOME/libs"
KAFKA_DIR="$SLUICE_STACK_DIR/kafka"
KAFKA_DATA="$KAFKA_DIR/data"
PIDFILE="$KAFKA_DIR/kafka.pid"
LOGFILE="$KAFKA_DIR/kafka.log"
PROPS="$KAFKA_DIR/server.properties"
LOG4J_CONF="$KAFKA_DIR/log4j2.properties"
ADDR="127.0.0.1:$SLUICE_STACK_KAFKA_PORT"
SASL_ADDR="127.0.0.1:$SLUICE_STACK_KAFKA_SASL_PORT"
# The SCRAM credential the broker was given (user and a checksum of the password), so it is set once.
SCRAM_MARK="$KAFKA_DIR/scram-user"
START_TIMEOUT="${SLUICE_STACK_KAFKA_START_TIMEOUT:-120}"

# The broker: normal JIT (throughput matters for the benchmarks), G1 with
# Kafka's own defaults, heap capped at 1 GiB.
HEAP_OPTS="${SLUICE_STACK_KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
JVM_OPTS="${SLUICE_STACK_KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
# Short-lived command-line tools: start fast, stay small.
TOOL_OPTS="-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true"

POM="<project xmlns=\"http://maven.apache.org/POM/4.0.0\">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.stack</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- broker + controller (kafka.Kafka, kafka.tools.StorageTool); brings clients, server, raft, metadata, storage, coordinators -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- TopicCommand, ConsoleProducer, ConsoleConsumer...; Connect's runtime (Jetty, Jersey) is not needed for them -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version>
      <exclusions>
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
        <exclusion><groupId>com.fasterxml.jackson.jakarta.rs</groupId><artifactId>jackson-jakarta-rs-json-provider</artifactId></exclusion>
      </exclusions>
    </dependency>
    <!-- logging: the Kafka distribution's binding (slf4j 1.7 -> log4j2) -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>"

JAVA_VERSION_TEXT=""
check_java() {
  command -v java >/dev/null || die "java not found: Kafka $KAFKA_VERSION needs Java 17 or newer on PATH"
  JAVA_VERSION_TEXT=$(java -version 2>&1) || die "java -version failed: $JAVA_VERSION_TEXT"
  local v
  v=$(sed -n 's/.*version "\([0-9]*\).*/\1/p' <<<"$JAVA_VERSION_TEXT" | head -1)
  [[ -n "$v" && "$v" -ge 17 ]] || die "Kafka $KAFKA_VERSION needs Java 17 or newer (found: ${v:-unknown})"
}

install() {
  [[ "$KAFKA_VERSION" == 4.* ]] || die "kafka.sh supports Kafka 4.x only (SLUICE_STACK_KAFKA_VERSION=$KAFKA_VERSION)"
  if [[ ! -f "$KAFKA_HOME/.complete" ]]; then
    command -v mvn >/dev/null || die "mvn not found: Maven fetches Kafka's jars from Maven Central"
    log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central (first run only)"
    maven_fetch "$KAFKA_HOME" "$POM" >&2   # mvn -q still prints colour codes on stdout
  fi
  compgen -G "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null \
    || die "$LIBS has no kafka_2.13-$KAFKA_VERSION.jar; delete $KAFKA_HOME and run install again"
}

# kjava <main class> <args...>: run one of Kafka's command-line tools; their
# own log output (warnings and up) goes to stderr.
kjava() {
  local conf="$KAFKA_DIR/tools-log4j2.properties"
  if [[ ! -f "$conf" ]]; then
    mkdir -p "$KAFKA_DIR"
    printf '%s\n' 'status = warn' 'appender.err.type = Console' 'appender.err.name = STDERR' \
      'appender.err.target = SYSTEM_ERR' 'appender.err.layout.type = PatternLayout' \
      'appender.err.layout.pattern = [%d] %p %m (%c)%n' 'rootLogger.level = WARN' \
      'rootLogger.appenderRef.err.ref = STDERR' >"$conf"
  fi
  # shellcheck disable=SC2086
  java $TOOL_OPTS -Dlog4j2.configurationFile="$conf" -cp "$LIBS/*" "$@"
}

# ready: a Kafka Metadata request (v8, all topics) on the client listener is
# answered and lists at least one broker. The port accepts connections well
# before the broker serves them (they wait in the backlog), so an open port
# proves nothing; and a broker that answers but is still fenced lists no
# brokers (creating a topic would fail with INVALID_REPLICATION_FACTOR), so a
# non-empty broker list is the real "ready". Plain bash, no JVM, so that
# status/up on a running broker are instant.
#   request: size=23 | api_key=3 api_version=8 correlation_id=1 client_id="sluice"
#            | topics=null(-1) allow_auto_topic_creation=0 include_*_authorized_operations=0,0
#   response: size | correlation_id | throttle_time_ms | brokers count (int32) | ...
ready() {
  local bytes
  # shellcheck disable=SC2016  # $1 is expanded by the inner bash
  bytes=$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x00\x00\x00\x17\x00\x03\x00\x08\x00\x00\x00\x01\x00\x06sluice\xff\xff\xff\xff\x00\x00\x00" >&3
    head -c 16 <&3 | od -An -v -tu1' _ "$SLUICE_STACK_KAFKA_PORT" 2>/dev/null) || return 1
  local b; read -r -a b <<<"$bytes"
  (( ${#b[@]} == 16 )) || return 1
  (( b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 1 )) || return 1   # our correlation id
  (( (b[12] << 24 | b[13] << 16 | b[14] << 8 | b[15]) >= 1 ))          # brokers
}

write_config() {
  mkdir -p "$KAFKA_DATA"
  cat >"$PROPS" <<PROPS
# Generated by scripts/stack/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$SLUICE_STACK_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$SLUICE_STACK_KAFKA_PORT,CONTROLLER://127.0.0.1:$SLUICE_STACK_KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$SLUICE_STACK_KAFKA_SASL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$SLUICE_STACK_KAFKA_PORT,SASL_SSL://127.0.0.1:$SLUICE_STACK_KAFKA_SASL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=$KAFKA_DATA

# SASL_SSL: SCRAM-SHA-512 over TLS (no client certificate asked for)
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$SLUICE_TLS_DIR/server.p12
listener.name.sasl_ssl.ssl.keystore.password=$SLUICE_STACK_TLS_PASSWORD
listener.name.sasl_ssl.ssl.key.password=$SLUICE_STACK_TLS_PASSWORD

# one node: every internal topic has one replica, and few partitions
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
num.partitions=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
# Tests produce records stamped in the past (time-based S3 paths, fixed instants): time retention
# would delete them at its next check, under a reader (a committed offset then out of range).
log.retention.ms=-1

# two cores: small thread pools
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1
PROPS
  cat >"$LOG4J_CONF" <<'LOG4J'
# Generated by scripts/stack/kafka.sh. Everything goes to stdout, which the
# script sends to kafka.log.
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser
logger.appinfo.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.storage.name = org.apache.kafka.storage.internals.log
logger.storage.level = WARN
logger.log.name = kafka.log
logger.log.level = WARN
logger.configdump.name = org.apache.kafka.common.config.AbstractConfig
logger.configdump.level = WARN
LOG4J
}

format_storage() {
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  # A cluster id is 16 random bytes in URL-safe base64 without padding; one
  # starting with '-' would read as an option on the command line.
  local id
  id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)
  while [[ $id == -* ]]; do id="A${id:1}"; done
  log "formatting Kafka storage in $KAFKA_DATA (cluster id $id)"
  # The SCRAM user goes into the bootstrap metadata: there at the first start, no admin call needed.
  kjava kafka.tools.StorageTool format --ignore-formatted --cluster-id "$id" --config "$PROPS" \
    --add-scram "SCRAM-SHA-512=[name=$SLUICE_STACK_KAFKA_SASL_USER,password=$SLUICE_STACK_KAFKA_SASL_PASSWORD]" \
    >"$KAFKA_DIR/format.log" 2>&1 || { cat "$KAFKA_DIR/format.log" >&2; die "kafka storage format failed"; }
  scram_mark >"$SCRAM_MARK"
}

scram_mark() { printf '%s %s\n' "$SLUICE_STACK_KAFKA_SASL_USER" "$(cksum <<<"$SLUICE_STACK_KAFKA_SASL_PASSWORD" | cut -d' ' -f1)"; }

# ensure_scram_user: a stack dir formatted before the SASL_SSL listener existed
# (or with another password) gets the user through the Admin API on the
# plaintext listener, once (no authorizer: the plaintext listener may alter it).
ensure_scram_user() {
  [[ -f "$SCRAM_MARK" && "$(cat "$SCRAM_MARK")" == "$(scram_mark)" ]] && return 0
  log "adding SCRAM-SHA-512 user $SLUICE_STACK_KAFKA_SASL_USER"
  kjava kafka.admin.ConfigCommand --bootstrap-server "$ADDR" --alter --entity-type users \
    --entity-name "$SLUICE_STACK_KAFKA_SASL_USER" \
    --add-config "SCRAM-SHA-512=[iterations=4096,password=$SLUICE_STACK_KAFKA_SASL_PASSWORD]" >/dev/null \
    || die "could not add the SCRAM user $SLUICE_STACK_KAFKA_SASL_USER"
  scram_mark >"$SCRAM_MARK"
}

print_addr() {
  if sasl_configured; then printf '%-10s %s (SASL_SSL %s)\n' kafka "$ADDR" "$SASL_ADDR"
  else printf '%-10s %s (no SASL_SSL listener: started by an older kafka.sh; restart it to add one)\n' kafka "$ADDR"; fi
}

# Class-data sharing: the broker's first clean stop writes an archive of the
# classes it loaded (AppCDS, -XX:ArchiveClassesAtExit); later starts map it,
# which takes start-up to ready from about 5 s to about 2 s on two cores. The
# archive is tied to this JDK build and these jars, so its name carries a hash
# of `java -version`, and it is checked with -Xshare:on (a JVM given a damaged
# archive can crash, even with the default -Xshare:auto) before each use.
# SLUICE_STACK_KAFKA_CDS=0 turns this off.
CDS_ARCHIVE=""
CDS_OPTS=()
cds_setup() {
  [[ "${SLUICE_STACK_KAFKA_CDS:-1}" == 1 ]] || return 0
  CDS_ARCHIVE="$KAFKA_HOME/cds-$(cksum <<<"$JAVA_VERSION_TEXT" | cut -d' ' -f1).jsa"
  if [[ -f "$CDS_ARCHIVE" ]] \
    && (java -XX:SharedArchiveFile="$CDS_ARCHIVE" -Xshare:on -XX:ErrorFile=/dev/null -cp "$LIBS/*" -version >/dev/null 2>&1
        exit $?) 2>/dev/null; then   # (a subshell of two commands, so that bash's "Aborted" goes to /dev/null too)
    CDS_OPTS=("-XX:SharedArchiveFile=$CDS_ARCHIVE")
  else
    rm -f "$CDS_ARCHIVE"
    CDS_OPTS=("-XX:ArchiveClassesAtExit=$CDS_ARCHIVE")
  fi
  CDS_OPTS+=("-Xlog:cds=off,cds+dynamic=off")
}

# kafka_alive: the pid file names a running process, and (where /proc exists)
# that process is our broker, not an unrelated one that reused the pid.
kafka_alive() {
  pid_alive "$PIDFILE" || return 1
  [[ ! -d /proc/self ]] || grep -qa 'kafka\.Kafka' "/proc/$(cat "$PIDFILE")/cmdline" 2>/dev/null
}

# wait_ready: 0 when the broker answers, 1 when it exited, 2 on time-out.
wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT))
  until ready; do
    kafka_alive || return 1
    (( SECONDS < deadline )) || return 2
    sleep 0.25
  done
}

up() {
  mkdir -p "$KAFKA_DIR"
  # one up/down at a time (the broker itself must not inherit the lock: 9>&-)
  exec 9>"$KAFKA_DIR/.lock"
  flock -w 300 9 || die "another kafka.sh up/down holds $KAFKA_DIR/.lock"
  if ! kafka_alive; then
    rm -f "$PIDFILE"
    if port_open "$SLUICE_STACK_KAFKA_PORT"; then
      die "127.0.0.1:$SLUICE_STACK_KAFKA_PORT is taken by a process this script did not start (set SLUICE_STACK_KAFKA_PORT)"
    fi
    if port_open "$SLUICE_STACK_KAFKA_CONTROLLER_PORT"; then
      die "127.0.0.1:$SLUICE_STACK_KAFKA_CONTROLLER_PORT is taken by a process this script did not start (set SLUICE_STACK_KAFKA_CONTROLLER_PORT)"
    fi
    if port_open "$SLUICE_STACK_KAFKA_SASL_PORT"; then
      die "127.0.0.1:$SLUICE_STACK_KAFKA_SASL_PORT is taken by a process this script did not start (set SLUICE_STACK_KAFKA_SASL_PORT)"
    fi
    check_java
    install
    ensure_tls
    write_config
    format_storage
    cds_setup
    [[ -f "$LOGFILE" ]] && mv -f "$LOGFILE" "$LOGFILE.prev"
    log "starting Kafka $KAFKA_VERSION on $ADDR (log: $LOGFILE)"
    # shellcheck disable=SC2086
    nohup java $HEAP_OPTS $JVM_OPTS "${CDS_OPTS[@]}" -XX:ErrorFile="$KAFKA_DIR/hs_err_pid%p.log" \
      -Dlog4j2.configurationFile="$LOG4J_CONF" -cp "$LIBS/*" kafka.Kafka "$PROPS" \
      </dev/null >"$LOGFILE" 2>&1 9>&- &
    echo $! >"$PIDFILE"
  fi
  # ours and running: answering already, just started, or started by a call before
  local rc=0
  wait_ready || rc=$?
  case $rc in
    0) if sasl_configured; then ensure_scram_user; fi
       print_addr ;;
    1) tail -n 40 "$LOGFILE" >&2 || true
       rm -f "$PIDFILE"
       # in case the class-data archive is to blame, the next start goes without it
       [[ -n "$CDS_ARCHIVE" ]] && rm -f "$CDS_ARCHIVE"
       die "Kafka exited during start-up (log: $LOGFILE)" ;;
    *) tail -n 40 "$LOGFILE" >&2 || true
       die "Kafka did not answer on $ADDR within ${START_TIMEOUT}s (still running, pid $(cat "$PIDFILE"); log: $LOGFILE)" ;;
  esac
}

# sasl_configured: the running broker was started with the SASL_SSL listener
# (a broker started by an older kafka.sh has none until it is restarted).
sasl_configured() { grep -q "^listeners=.*SASL_SSL://127.0.0.1:$SLUICE_STACK_KAFKA_SASL_PORT" "$PROPS" 2>/dev/null; }

down() {
  mkdir -p "$KAFKA_DIR"
  exec 9>"$KAFKA_DIR/.lock"
  flock -w 300 9 || die "another kafka.sh up/down holds $KAFKA_DIR/.lock"
  kafka_alive || rm -f "$PIDFILE"   # a stale pid file must not get some other process killed
  stop_pidfile "$PIDFILE" kafka
}

status() {
  if kafka_alive && ready; then
    echo "kafka      up    $ADDR"
  else
    echo "kafka      down"; return 1
  fi
}

# smoke: proves the broker serves real clients: create a topic, produce one
# record, consume it back, delete the topic.
smoke() {
  ready || die "Kafka is not up on $ADDR (run: kafka.sh up)"
  local topic="sluice-smoke-$$" want="hello-$RANDOM" got
  kjava org.apache.kafka.tools.TopicCommand --bootstrap-server "$ADDR" --create --topic "$topic" \
    --partitions 1 --replication-factor 1 >/dev/null || die "topic create failed"
  printf '%s\n' "$want" | kjava org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$ADDR" \
    --topic "$topic" >/dev/null || die "produce failed"
  got=$(kjava org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$ADDR" --topic "$topic" \
    --from-beginning --max-messages 1 --timeout-ms 20000 2>/dev/null) || true
  kjava org.apache.kafka.tools.TopicCommand --bootstrap-server "$ADDR" --delete --topic "$topic" >/dev/null || true
  [[ "$got" == "$want" ]] || die "consumed '$got', expected '$want'"
  log "kafka smoke test passed: produced and consumed one record on $topic"
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  status) status ;;
  smoke) smoke ;;
  sasl-ready) kafka_alive && sasl_configured && port_open "$SLUICE_STACK_KAFKA_SASL_PORT" ;;
  *) die "usage: kafka.sh install|up|down|status|smoke|sasl-ready" ;;
esac
