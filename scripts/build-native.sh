#!/usr/bin/env bash
# Builds the native consumer addon (native/) into
# native/build/Release/sluice_native.node with node-gyp, offline (Node's own
# headers via --nodedir). Skips the build when the .node is newer than the
# sources and the librdkafka library it links against.
#   --asan   also build an AddressSanitizer variant into
#            native/build-asan/Release/sluice_native.node (load it with
#            LD_PRELOAD="$(gcc -print-file-name=libasan.so)").
#   --force  rebuild even when up to date.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '[build-native] %s\n' "$*" >&2; }

asan=0
force=0
for a in "$@"; do
  case $a in
    --asan) asan=1 ;;
    --force) force=1 ;;
    *) say "unknown option $a (use --asan, --force)"; exit 2 ;;
  esac
done

ckjs=node_modules/@confluentinc/kafka-javascript
rdlib=$ckjs/build/deps/librdkafka.so
rdhdr=$ckjs/deps/librdkafka/src/rdkafka.h
# Node's own headers: <prefix>/include/node next to the running node binary.
nodedir=${SLUICE_NODEDIR:-$(node -p "require('path').resolve(process.execPath, '..', '..')" 2>/dev/null || echo /usr)}

missing=0
if [[ ! -d $ckjs ]]; then
  say "@confluentinc/kafka-javascript is not installed: run CKJS_LINKING=dynamic npm install (or npm run setup)"; missing=1
elif [[ ! -e $rdlib ]]; then
  say "librdkafka not built as a shared library ($rdlib missing): run npm install with CKJS_LINKING=dynamic"; missing=1
fi
if [[ -d $ckjs && ! -f $rdhdr ]]; then
  say "librdkafka header missing ($rdhdr): reinstall @confluentinc/kafka-javascript with CKJS_LINKING=dynamic"; missing=1
fi
if [[ ! -f $nodedir/include/node/node_api.h ]]; then
  say "Node headers missing ($nodedir/include/node/node_api.h): install Node's development headers or set SLUICE_NODEDIR"; missing=1
fi
command -v make >/dev/null && command -v cc >/dev/null || { say "a C compiler and make are needed (build-essential)"; missing=1; }
command -v python3 >/dev/null || { say "python3 is needed by node-gyp"; missing=1; }
nodegyp=""
for c in "${NODE_GYP:-}" "$(dirname "$(command -v npm 2>/dev/null || echo /usr/bin/npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js" \
         /usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js /usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js; do
  if [[ -n $c && -f $c ]]; then nodegyp=$c; break; fi
done
[[ -n $nodegyp ]] || { say "node-gyp not found (npm's bundled copy); set NODE_GYP to its bin/node-gyp.js"; missing=1; }
(( missing == 0 )) || exit 1

# Newer than every input?
up_to_date() {
  local out=$1
  [[ -f $out ]] || return 1
  [[ -n $(find native/src native/binding.gyp "$rdlib" -newer "$out" -print -quit 2>/dev/null) ]] && return 1
  return 0
}

build() { # <dir with binding.gyp> <sluice_dir relative to it> [env...]
  local dir=$1 rel=$2
  shift 2
  local log
  log=$(mktemp)
  if ! (cd "$dir" && env "$@" node "$nodegyp" rebuild --nodedir="$nodedir" --loglevel=error -- -Dsluice_dir="$rel") >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    say "build failed in $dir (log above)"
    return 1
  fi
  rm -f "$log"
}

out=native/build/Release/sluice_native.node
if (( force == 0 )) && up_to_date "$out"; then
  say "up to date: $out"
else
  say "building $out"
  build native .
  say "built $out"
fi

if (( asan == 1 )); then
  aout=native/build-asan/Release/sluice_native.node
  if (( force == 0 )) && up_to_date "$aout"; then
    say "up to date: $aout"
  else
    # node-gyp always builds into ./build: build from a copy of binding.gyp in
    # native/build-asan/gyp/ (same depth below the repository root as
    # native/build/Release, so the $ORIGIN rpath holds) and copy the result.
    say "building $aout (AddressSanitizer)"
    mkdir -p native/build-asan/gyp native/build-asan/Release
    cp native/binding.gyp native/build-asan/gyp/binding.gyp
    build native/build-asan/gyp ../.. \
      CFLAGS="-fsanitize=address -fno-omit-frame-pointer -g -O1" LDFLAGS="-fsanitize=address"
    cp native/build-asan/gyp/build/Release/sluice_native.node "$aout"
    say "built $aout"
  fi
fi
