#!/usr/bin/env bash
# A real Kafka Connect worker to race Sluice against: Apache Kafka's Connect
# runtime (the broker's version) with Debezium's JDBC sink connector as a
# plugin, both from Maven Central and cached in $SLUICE_CACHE_DIR. Nothing runs
# as a service: tests start `connect-standalone` themselves, on their own
# topics, and stop it (test/helpers/kafka-connect.ts).
#
#   connect.sh install   fetch the jars (first run only)
#   connect.sh paths     print CONNECT_LIBS=... and CONNECT_PLUGINS=... (after install)
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KAFKA_VERSION="${SLUICE_STACK_KAFKA_VERSION:-4.1.2}"
LOG4J_VERSION="${SLUICE_STACK_KAFKA_LOG4J_VERSION:-2.24.3}"
# The newest Debezium JDBC sink whose dependencies all resolve from Maven Central here.
DEBEZIUM_VERSION="${SLUICE_STACK_DEBEZIUM_VERSION:-3.5.0.Final}"
CONNECT_HOME="$SLUICE_CACHE_DIR/kafka-connect-$KAFKA_VERSION"
# plugin.path points at this folder; its libs/ is one isolated plugin.
PLUGINS="$SLUICE_CACHE_DIR/connect-plugins-debezium-jdbc-$DEBEZIUM_VERSION"

RUNTIME_POM="<project xmlns=\"http://maven.apache.org/POM/4.0.0\">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.stack</groupId>
  <artifactId>kafka-connect</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- ConnectStandalone, the JSON converter and Apache Kafka's own transforms -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-json</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-transforms</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>connect-file</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>"

# Kafka's own artifacts and Jackson come from the worker's classpath, as in
# Debezium's plugin archive (a second Jackson in the plugin breaks Hibernate's
# module lookup: "JakartaXmlBindAnnotationModule not a subtype").
DEBEZIUM_POM="<project xmlns=\"http://maven.apache.org/POM/4.0.0\">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.stack</groupId>
  <artifactId>debezium-jdbc-sink</artifactId>
  <version>$DEBEZIUM_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.debezium</groupId><artifactId>debezium-connector-jdbc</artifactId><version>$DEBEZIUM_VERSION</version>
      <exclusions>
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>*</artifactId></exclusion>
        <exclusion><groupId>com.fasterxml.jackson.core</groupId><artifactId>*</artifactId></exclusion>
      </exclusions>
    </dependency>
  </dependencies>
</project>"

install() {
  command -v mvn >/dev/null || die "mvn not found: Maven fetches Kafka Connect's jars from Maven Central"
  if [[ ! -f "$CONNECT_HOME/.complete" ]]; then
    log "fetching Kafka Connect $KAFKA_VERSION jars (first run only)"
    maven_fetch "$CONNECT_HOME" "$RUNTIME_POM" >&2
  fi
  if [[ ! -f "$PLUGINS/.complete" ]]; then
    log "fetching Debezium's JDBC sink $DEBEZIUM_VERSION jars (first run only)"
    maven_fetch "$PLUGINS" "$DEBEZIUM_POM" >&2
  fi
  compgen -G "$CONNECT_HOME/libs/connect-runtime-$KAFKA_VERSION.jar" >/dev/null \
    || die "$CONNECT_HOME/libs has no connect-runtime-$KAFKA_VERSION.jar; delete $CONNECT_HOME and run install again"
  compgen -G "$PLUGINS/libs/debezium-connector-jdbc-$DEBEZIUM_VERSION.jar" >/dev/null \
    || die "$PLUGINS/libs has no debezium-connector-jdbc-$DEBEZIUM_VERSION.jar; delete $PLUGINS and run install again"
}

case "${1:-}" in
  install) install ;;
  paths)
    install
    echo "CONNECT_LIBS=$CONNECT_HOME/libs"
    echo "CONNECT_PLUGINS=$PLUGINS" ;;
  *) die "usage: connect.sh install|paths" ;;
esac
