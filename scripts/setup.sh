#!/usr/bin/env bash
# Installs what Sluice needs on a fresh machine, and nothing twice:
#  - Debian packages that librdkafka links against (and PostgreSQL, Java,
#    Maven, Go when missing);
#  - node_modules with @confluentinc/kafka-javascript built against Debian's
#    libraries (CKJS_LINKING=dynamic: nothing is downloaded outside the
#    package registries);
#  - the native consumer addon (native/build, scripts/build-native.sh);
#  - the compiled TypeScript (dist/);
#  - the local stack's binaries (scripts/stack.sh install), cached.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '[setup] %s\n' "$*" >&2; }
started=$SECONDS

debian_packages=(zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev curl python3-venv)
command -v mvn >/dev/null || debian_packages+=(maven)
command -v java >/dev/null || debian_packages+=(openjdk-17-jre-headless)
command -v go >/dev/null || debian_packages+=(golang-go)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || debian_packages+=(postgresql)
missing=()
for p in "${debian_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if (( ${#missing[@]} > 0 )); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]} (run as root, or install them)"; exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Reinstall node_modules only when the lock file changed since the last install.
stamp=node_modules/.sluice-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  say "npm install from the lock file (builds librdkafka against the system libraries; ~2-4 min the first time)"
  # `npm install` with a lock file installs exactly the locked versions; this
  # machine's npm writes lock files without other platforms' optional packages,
  # which `npm ci` then refuses.
  CKJS_LINKING=dynamic npm install --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

# The native consumer addon (native/), against the librdkafka just built; quick when up to date.
bash scripts/build-native.sh

say "compiling TypeScript"
npx tsc -p tsconfig.json

bash scripts/stack.sh install
# pyarrow + DuckDB in .venv: independent Parquet readers for the S3 sink tests.
bash scripts/python-readers.sh
say "ready in $((SECONDS - started))s"
