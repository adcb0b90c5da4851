#!/usr/bin/env bash
# `npm test`: install what is missing, start the local stack, run the unit and
# integration suites against it, then the native addon's tests under ASan.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# The linter and the type check (no unused code, no import cycles) on a full run.
if (( $# == 0 )); then
  npm run --silent lint
fi
bash scripts/stack.sh up
eval "$(bash scripts/stack.sh env | sed 's/^/export /')"
# The suite runs on the native source (source.native=on: a broken addon build
# fails every test instead of falling back quietly); the conformance suite then
# runs again on the binding source, the fallback.
export SLUICE_SOURCE_NATIVE="${SLUICE_SOURCE_NATIVE:-on}"
npx vitest run "$@"
if (( $# == 0 )); then
  SLUICE_SOURCE_NATIVE=off npx vitest run test/integration/conformance.test.ts
fi

# The native addon once more under AddressSanitizer (a full run only): its unit
# and integration tests with the ASan build preloaded. Node itself keeps memory
# until exit by design, so leak detection is off; any other report fails.
if (( $# == 0 )); then
  bash scripts/build-native.sh --asan
  LD_PRELOAD="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \
    SLUICE_NATIVE_ADDON=native/build-asan/Release/sluice_native.node \
    npx vitest run test/unit/native-batch.test.ts test/integration/native-consumer.test.ts
fi
