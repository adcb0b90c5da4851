#!/usr/bin/env bash
# `npm run demo`: install what is missing, start the local stack, produce
# sample data, run the sink, print what landed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/stack.sh up
eval "$(bash scripts/stack.sh env | sed 's/^/export /')"
node scripts/demo.mjs
