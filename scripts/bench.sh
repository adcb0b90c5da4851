#!/usr/bin/env bash
# `npm run bench [-- options]`: compile, make sure the local stack is up, run
# the benchmark harness (bench/run.ts). `npm run bench -- --help` lists the
# options; `npm run bench -- --quick` is a tiny run that checks the harness.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for a in "$@"; do
  if [[ $a == --help || $a == -h ]]; then exec node dist/bench/run.js --help; fi
done
[[ -d node_modules ]] || bash scripts/setup.sh
npx tsc -p tsconfig.json
bash scripts/stack.sh up >/dev/null
eval "$(bash scripts/stack.sh env | sed 's/^/export /')"
exec node dist/bench/run.js "$@"
