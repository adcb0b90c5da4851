#!/usr/bin/env bash
# A single-node Elasticsearch 7.17 (OSS flavour) on
# 127.0.0.1:$SLUICE_STACK_ELASTICSEARCH_PORT, from its jars on Maven Central:
# opensearch.sh does both (see there).
#   elasticsearch.sh install | up | down | status | kill
SEARCH_FLAVOR=elasticsearch exec bash "$(dirname "${BASH_SOURCE[0]}")/opensearch.sh" "$@"
