#!/usr/bin/env bash
# Creates (or updates) the sample connectors on a Sluice worker cluster through
# Kafka Connect's REST API, as a Connect operator's script would:
#   examples/cluster/post-connectors.sh [http://127.0.0.1:8084]
# Any worker of the group will do: the config topic carries it to the others.
set -euo pipefail
url="${1:-http://127.0.0.1:8084}"
dir="$(cd "$(dirname "$0")" && pwd)"
for f in "$dir"/*.json; do
  name="$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).name)' "$f")"
  # PUT …/config creates or replaces, so the script can run again.
  node -e 'process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).config))' "$f" |
    curl -sS -f -X PUT -H 'Content-Type: application/json' --data-binary @- "$url/connectors/$name/config" >/dev/null
  echo "$name: $(curl -sS "$url/connectors/$name/status")"
done
