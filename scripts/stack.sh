#!/usr/bin/env bash
# The local stack Sluice is tested against: a real Kafka broker (KRaft),
# PostgreSQL, an S3-compatible server (MinIO) and a Confluent-compatible
# Schema Registry (Apicurio), a single-node OpenSearch and a single-node
# Elasticsearch (7.17, OSS), all on 127.0.0.1.
#   scripts/stack.sh install | up | down | status [service...] | env
# With service names (postgres kafka minio registry opensearch elasticsearch), up, down and
# status act on those only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/stack/common.sh"
services=(postgres kafka minio registry opensearch elasticsearch)
cmd="${1:-status}"
if (( $# > 1 )); then
  for s in "${@:2}"; do [[ " ${services[*]} " == *" $s "* ]] || die "unknown service $s (${services[*]})"; done
  services=("${@:2}")
fi

case "$cmd" in
  install)
    for s in "${services[@]}"; do bash "$here/stack/$s.sh" install; done ;;
  up)
    # Installs run one after another (they compete for the same two cores);
    # the services then start side by side and each waits until it answers.
    for s in "${services[@]}"; do bash "$here/stack/$s.sh" install; done
    pids=(); outs=()
    for s in "${services[@]}"; do
      out="$SLUICE_STACK_DIR/.up-$s"; outs+=("$out")
      bash "$here/stack/$s.sh" up >"$out" & pids+=($!)
    done
    failed=0
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed=1; done
    cat "${outs[@]}"
    rm -f "${outs[@]}"
    (( failed == 0 )) || die "some services failed to start (logs under $SLUICE_STACK_DIR)" ;;
  down)
    for s in "${services[@]}"; do bash "$here/stack/$s.sh" down; done ;;
  status)
    rc=0
    for s in "${services[@]}"; do bash "$here/stack/$s.sh" status || rc=1; done
    exit $rc ;;
  env)
    # The addresses tests and the demo use, as shell assignments.
    cat <<ENV
SLUICE_TEST_KAFKA=127.0.0.1:$SLUICE_STACK_KAFKA_PORT
SLUICE_TEST_PG=postgresql://postgres@127.0.0.1:$SLUICE_STACK_PG_PORT/postgres
SLUICE_TEST_S3=http://127.0.0.1:$SLUICE_STACK_S3_PORT
SLUICE_TEST_S3_BUCKET=$SLUICE_STACK_S3_BUCKET
SLUICE_TEST_S3_ACCESS_KEY=$SLUICE_STACK_S3_ACCESS_KEY
SLUICE_TEST_S3_SECRET_KEY=$SLUICE_STACK_S3_SECRET_KEY
SLUICE_TEST_REGISTRY=http://127.0.0.1:$SLUICE_STACK_REGISTRY_PORT/apis/ccompat/v7
SLUICE_TEST_OPENSEARCH_URL=http://127.0.0.1:$SLUICE_STACK_OPENSEARCH_PORT
SLUICE_TEST_ELASTICSEARCH_URL=http://127.0.0.1:$SLUICE_STACK_ELASTICSEARCH_PORT
ENV
    # The secured endpoints, only where the running services have them (a
    # stack started by older scripts gains them on its next restart).
    if [[ -f "$SLUICE_TLS_DIR/.complete" ]]; then
      echo "SLUICE_TEST_TLS_DIR=$SLUICE_TLS_DIR"
      echo "SLUICE_TEST_TLS_PASSWORD=$SLUICE_STACK_TLS_PASSWORD"
      if bash "$here/stack/kafka.sh" sasl-ready 2>/dev/null; then
        echo "SLUICE_TEST_KAFKA_SASL=127.0.0.1:$SLUICE_STACK_KAFKA_SASL_PORT"
        echo "SLUICE_TEST_KAFKA_SASL_USER=$SLUICE_STACK_KAFKA_SASL_USER"
        echo "SLUICE_TEST_KAFKA_SASL_PASSWORD=$SLUICE_STACK_KAFKA_SASL_PASSWORD"
      fi
      if bash "$here/stack/postgres.sh" tls-ready 2>/dev/null; then
        echo "SLUICE_TEST_PG_TLS=postgresql://sluice@127.0.0.1:$SLUICE_STACK_PG_PORT/postgres"
      fi
    fi
    ;;
  *) die "usage: stack.sh install|up|down|status [service...] | env" ;;
esac
