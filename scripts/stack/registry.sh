#!/usr/bin/env bash
# A Confluent-compatible Schema Registry: Apicurio Registry, the prebuilt
# Quarkus distribution that Apicurio publishes on Maven Central
# (io.apicurio:apicurio-registry-app:<version>:tar.gz:all: a runner jar plus
# lib/), fetched with mvn and unpacked once into $SLUICE_CACHE_DIR. Storage is
# the app's default, an in-memory H2 database: every start is empty.
# Confluent API at http://127.0.0.1:$SLUICE_STACK_REGISTRY_PORT/apis/ccompat/v7.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# 3.0.x runs on Java 17; the 3.3.x releases on Maven Central are built for Java 21.
APICURIO_VERSION="${SLUICE_STACK_APICURIO_VERSION:-3.0.9}"
APICURIO_HOME="$SLUICE_CACHE_DIR/apicurio-$APICURIO_VERSION"
RUNNER_JAR="$APICURIO_HOME/apicurio-registry-app-$APICURIO_VERSION-runner.jar"
REG_DIR="$SLUICE_STACK_DIR/registry"
REG_PID="$REG_DIR/registry.pid"
REG_LOG="$REG_DIR/registry.log"
BASE="http://127.0.0.1:$SLUICE_STACK_REGISTRY_PORT"
CCOMPAT="$BASE/apis/ccompat/v7"
# Confluent's default global compatibility is BACKWARD; Apicurio's is none.
COMPATIBILITY="${SLUICE_STACK_REGISTRY_COMPATIBILITY:-BACKWARD}"

check_java() {
  command -v java >/dev/null || die "Java 17+ is needed for the schema registry (apt-get install openjdk-17-jre-headless)"
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [[ "${v%%.*}" =~ ^[0-9]+$ ]] && (( ${v%%.*} >= 17 )) \
    || die "the schema registry needs Java 17+, found java.specification.version=${v:-unknown}"
}

install() {
  [[ -f "$APICURIO_HOME/.complete" && -f "$RUNNER_JAR" ]] && return 0
  check_java
  command -v mvn >/dev/null || die "Maven is needed to fetch Apicurio Registry from Maven Central"
  log "fetching Apicurio Registry $APICURIO_VERSION from Maven Central (first run only)"
  local tmp="$APICURIO_HOME.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/dl"
  # Run from an empty directory so that no project pom is picked up.
  (cd "$tmp/dl" && mvn -q -B dependency:copy \
      "-Dartifact=io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
      -DoutputDirectory="$tmp/dl" -Dmdep.overWriteReleases=true >&2) \
    || { rm -rf "$tmp"; die "maven could not fetch io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all"; }
  tar -xzf "$tmp/dl/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$tmp" \
    || { rm -rf "$tmp"; die "could not unpack the Apicurio Registry distribution"; }
  rm -rf "$tmp/dl"
  [[ -f "$tmp/$(basename "$RUNNER_JAR")" ]] || { rm -rf "$tmp"; die "the Apicurio distribution has no $(basename "$RUNNER_JAR")"; }
  touch "$tmp/.complete"
  rm -rf "$APICURIO_HOME"
  mv "$tmp" "$APICURIO_HOME"
}

ready() { curl -sf -o /dev/null --max-time 5 "$CCOMPAT/subjects"; }

up() {
  install
  if ! ready; then
    if pid_alive "$REG_PID"; then
      log "a registry process is already starting (pid $(cat "$REG_PID")); waiting for it"
    else
      port_open "$SLUICE_STACK_REGISTRY_PORT" && die "127.0.0.1:$SLUICE_STACK_REGISTRY_PORT is taken by something that is not a schema registry"
      check_java
      mkdir -p "$REG_DIR"
      # The working directory is the state directory, so Quarkus reads no
      # stray config/application.properties or .env from elsewhere.
      # ccompat ids are content ids (legacy-id-mode off), so every id a POST
      # returns resolves through GET /schemas/ids/{id}; canonical hashing
      # makes re-registering a reformatted schema return the existing id.
      # shellcheck disable=SC2086
      (cd "$REG_DIR" && exec nohup java -Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Djava.io.tmpdir="$REG_DIR" \
        -Dquarkus.http.host=127.0.0.1 \
        -Dquarkus.http.port="$SLUICE_STACK_REGISTRY_PORT" \
        -Dquarkus.log.console.color=false \
        -Dquarkus.http.access-log.enabled=false \
        -Dapicurio.storage.snapshot.location="$REG_DIR" \
        -Dapicurio.ccompat.legacy-id-mode.enabled=false \
        -Dapicurio.ccompat.use-canonical-hash=true \
        -Dapicurio.rules.global.compatibility="$COMPATIBILITY" \
        ${SLUICE_STACK_REGISTRY_JAVA_OPTS:-} \
        -jar "$RUNNER_JAR" </dev/null >"$REG_LOG" 2>&1) &
      echo $! >"$REG_PID"
    fi
    local deadline=$((SECONDS + 120))
    until ready; do
      pid_alive "$REG_PID" || { tail -n 40 "$REG_LOG" >&2; die "the schema registry exited during start-up (log: $REG_LOG)"; }
      (( SECONDS < deadline )) || { tail -n 40 "$REG_LOG" >&2; die "the schema registry did not answer within 120s (log: $REG_LOG)"; }
      sleep 0.5
    done
    # The default rule above is enforced from the first request, but the
    # ccompat GET /config only reports a stored global rule; store it too.
    curl -sf -o /dev/null --max-time 10 -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
      -d "{\"compatibility\":\"$COMPATIBILITY\"}" "$CCOMPAT/config" \
      || log "warning: could not set the registry's global compatibility to $COMPATIBILITY"
  fi
  echo "registry   $CCOMPAT"
}

down() { stop_pidfile "$REG_PID" registry; }

status() {
  if ready; then echo "registry   up    $CCOMPAT"; else echo "registry   down"; return 1; fi
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: registry.sh install|up|down|status" ;;
esac
