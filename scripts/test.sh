#!/usr/bin/env bash
# `npm test`: install what is missing, start the local stack, run the unit and
# integration suites against it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/stack.sh up
eval "$(bash scripts/stack.sh env | sed 's/^/export /')"
npx vitest run "$@"
