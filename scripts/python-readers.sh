#!/usr/bin/env bash
# Independent Parquet readers for the S3 sink tests: a Python virtual
# environment at .venv with pyarrow and DuckDB from PyPI. They share no code
# with Sluice's writer (apache-arrow + parquet-wasm), so a row that reads back
# equal was really written right. Idempotent: a no-op when already installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '[python-readers] %s\n' "$*" >&2; }

VENV=.venv
PYARROW_VERSION="${SLUICE_STACK_PYARROW_VERSION:-21.0.0}"
DUCKDB_VERSION="${SLUICE_STACK_DUCKDB_VERSION:-1.4.1}"
stamp="$VENV/.sluice-readers-$PYARROW_VERSION-$DUCKDB_VERSION"

FASTAVRO_VERSION="${SLUICE_STACK_FASTAVRO_VERSION:-1.13.1}"
# fastavro reads snappy-compressed Avro files only with cramjam.
CRAMJAM_VERSION="${SLUICE_STACK_CRAMJAM_VERSION:-2.14.0}"
# An independent Kafka Connect REST client, to check `sluice worker`'s REST API against.
KAFKA_CONNECT_PY_VERSION="${SLUICE_STACK_KAFKA_CONNECT_PY_VERSION:-1.0.0}"
if [[ -f $stamp ]] && "$VENV/bin/python" -c 'import pyarrow, duckdb, fastavro, cramjam, kafka_connect' 2>/dev/null; then
  exit 0
fi
command -v python3 >/dev/null || { say "python3 is needed (Debian: python3 python3-venv)"; exit 1; }
if [[ ! -x $VENV/bin/python ]]; then
  say "creating $VENV"
  python3 -m venv "$VENV" || { say "python3 -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
fi
say "installing pyarrow $PYARROW_VERSION and duckdb $DUCKDB_VERSION"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
  "pyarrow==$PYARROW_VERSION" "duckdb==$DUCKDB_VERSION" "fastavro==$FASTAVRO_VERSION" "cramjam==$CRAMJAM_VERSION" "kafka-connect-py==$KAFKA_CONNECT_PY_VERSION"
"$VENV/bin/python" -c 'import pyarrow, duckdb, fastavro, cramjam, kafka_connect' 
touch "$stamp"
