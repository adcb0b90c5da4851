#!/usr/bin/env bash
# An S3-compatible server: MinIO built with `go install` at a pinned version
# (cached in $SLUICE_CACHE_DIR), data under $SLUICE_STACK_DIR/minio, bucket
# $SLUICE_STACK_S3_BUCKET created on start.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MINIO_VERSION="${SLUICE_STACK_MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
MINIO_BIN="$SLUICE_CACHE_DIR/bin/minio-${MINIO_VERSION##*-}/minio"
MINIO_DIR="$SLUICE_STACK_DIR/minio"
ENDPOINT="http://127.0.0.1:$SLUICE_STACK_S3_PORT"

install() {
  [[ -x "$MINIO_BIN" ]] && return 0
  command -v go >/dev/null || die "Go is needed to build MinIO (go install github.com/minio/minio@$MINIO_VERSION)"
  log "building MinIO $MINIO_VERSION with go install (first run only, several minutes)"
  mkdir -p "$(dirname "$MINIO_BIN")"
  GOBIN="$(dirname "$MINIO_BIN")" CGO_ENABLED=0 GOFLAGS=-trimpath go install "github.com/minio/minio@$MINIO_VERSION" \
    || die "go install of MinIO failed"
}

ready() { curl -sf "$ENDPOINT/minio/health/ready" >/dev/null; }

up() {
  install
  if ! ready; then
    mkdir -p "$MINIO_DIR/data"
    MINIO_ROOT_USER="$SLUICE_STACK_S3_ACCESS_KEY" MINIO_ROOT_PASSWORD="$SLUICE_STACK_S3_SECRET_KEY" \
    MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CI_CD=1 \
      nohup "$MINIO_BIN" server "$MINIO_DIR/data" --quiet \
        --address "127.0.0.1:$SLUICE_STACK_S3_PORT" --console-address "127.0.0.1:$SLUICE_STACK_S3_CONSOLE_PORT" \
        >"$MINIO_DIR/minio.log" 2>&1 &
    echo $! >"$MINIO_DIR/minio.pid"
    local deadline=$((SECONDS + 60))
    until ready; do
      pid_alive "$MINIO_DIR/minio.pid" || { tail -n 40 "$MINIO_DIR/minio.log" >&2; die "MinIO exited during start-up"; }
      (( SECONDS < deadline )) || die "MinIO did not answer within 60s"
      sleep 0.3
    done
  fi
  # Create the bucket through the S3 API (curl signs SigV4 itself); an
  # existing bucket answers 409, which is fine.
  # A fresh data directory can still answer 503 for a moment after "ready".
  local code deadline=$((SECONDS + 60))
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" \
      --user "$SLUICE_STACK_S3_ACCESS_KEY:$SLUICE_STACK_S3_SECRET_KEY" "$ENDPOINT/$SLUICE_STACK_S3_BUCKET")
    [[ $code == 200 || $code == 409 ]] && break
    (( SECONDS < deadline )) && [[ $code == 503 || $code == 000 ]] || die "could not create bucket $SLUICE_STACK_S3_BUCKET (HTTP $code)"
    sleep 0.5
  done
  echo "s3         $ENDPOINT bucket=$SLUICE_STACK_S3_BUCKET (path-style)"
}

down() { stop_pidfile "$MINIO_DIR/minio.pid" minio; }

status() {
  if ready; then echo "s3         up    $ENDPOINT"; else echo "s3         down"; return 1; fi
}

case "${1:-}" in
  install) install ;;
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: minio.sh install|up|down|status" ;;
esac
