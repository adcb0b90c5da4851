# Shared settings and helpers for the local stack scripts. Sourced, not run.
# Every service binds to 127.0.0.1 only. Data and logs live under
# $SLUICE_STACK_DIR (ignored by git); downloads and builds are cached under
# $SLUICE_CACHE_DIR so that only the first run on a machine is slow.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${SLUICE_STACK_DIR:=$REPO_ROOT/.stack}"
: "${SLUICE_CACHE_DIR:=$HOME/.cache/sluice}"
: "${SLUICE_STACK_KAFKA_PORT:=19092}"
: "${SLUICE_STACK_KAFKA_CONTROLLER_PORT:=19093}"
: "${SLUICE_STACK_KAFKA_SASL_PORT:=19094}"            # SASL_SSL (SCRAM-SHA-512 over TLS)
: "${SLUICE_STACK_KAFKA_SASL_USER:=sluice}"
: "${SLUICE_STACK_KAFKA_SASL_PASSWORD:=sluice-scram-secret}"
: "${SLUICE_STACK_PG_PORT:=15432}"
: "${SLUICE_STACK_S3_PORT:=19000}"
: "${SLUICE_STACK_S3_CONSOLE_PORT:=19001}"
: "${SLUICE_STACK_REGISTRY_PORT:=18081}"
: "${SLUICE_STACK_OPENSEARCH_PORT:=19200}"             # HTTP
: "${SLUICE_STACK_OPENSEARCH_TRANSPORT_PORT:=19300}"   # node-to-node (bound, unused by Sluice)
: "${SLUICE_STACK_ELASTICSEARCH_PORT:=19201}"
: "${SLUICE_STACK_ELASTICSEARCH_TRANSPORT_PORT:=19301}"
: "${SLUICE_STACK_S3_ACCESS_KEY:=sluice}"
: "${SLUICE_STACK_S3_SECRET_KEY:=sluice-secret-key}"
: "${SLUICE_STACK_S3_BUCKET:=sluice}"
export SLUICE_STACK_DIR SLUICE_CACHE_DIR
mkdir -p "$SLUICE_STACK_DIR" "$SLUICE_CACHE_DIR"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# pid_alive <pidfile>: true when the pid recorded in the file is running.
pid_alive() {
  [[ -f "$1" ]] || return 1
  local pid; pid=$(cat "$1" 2>/dev/null) || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# port_open <port>: true when something accepts TCP connections on 127.0.0.1:<port>.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until <seconds> <description> <command...>: poll until the command succeeds.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= deadline )); then die "$what did not answer within ${limit}s"; fi
    sleep 0.5
  done
}

# stop_pidfile <pidfile> <name>: TERM, wait up to 20s, then KILL.
stop_pidfile() {
  local pidfile=$1 name=$2
  if pid_alive "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    log "$name stopped"
  fi
  rm -f "$pidfile"
}

# maven_fetch <workdir> <pom-content>: copy a pom's runtime dependencies into <workdir>/libs once.
maven_fetch() {
  local dir=$1 pom=$2
  if [[ -f "$dir/.complete" ]]; then return 0; fi
  mkdir -p "$dir"
  printf '%s\n' "$pom" > "$dir/pom.xml"
  rm -rf "$dir/libs"
  (cd "$dir" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=libs) \
    || die "maven could not fetch the dependencies in $dir/pom.xml"
  touch "$dir/.complete"
}

# TLS material for the secured endpoints (Kafka's SASL_SSL listener,
# PostgreSQL with ssl=on), made once per stack dir with openssl (and keytool
# for the Java-style truststore) under $SLUICE_TLS_DIR:
#   ca.pem / ca.key            the stack's CA
#   server.pem / server.key    127.0.0.1 and localhost, signed by the CA (broker and PostgreSQL)
#   server.p12                 the same as PKCS#12 (the broker's keystore)
#   client.pem / client.key    CN=sluice, signed by the CA (PostgreSQL clientcert, Kafka keystore tests)
#   client.p12                 the same as PKCS#12 (password $SLUICE_STACK_TLS_PASSWORD)
#   truststore.p12             the CA as a Java PKCS12 truststore (password $SLUICE_STACK_TLS_PASSWORD)
#   truststore.jks             the same as JKS, which librdkafka cannot read (tests of the error)
#   other-ca.pem               a CA that signed nothing here (tests of an untrusted certificate)
# kafka.sh and postgres.sh may call it side by side: a lock serialises them.
: "${SLUICE_STACK_TLS_PASSWORD:=sluice-store-pass}"
SLUICE_TLS_DIR="$SLUICE_STACK_DIR/tls"
ensure_tls() {
  mkdir -p "$SLUICE_TLS_DIR"
  (
    flock -w 120 8 || die "another stack script holds $SLUICE_TLS_DIR/.lock"
    [[ -f "$SLUICE_TLS_DIR/.complete" ]] && exit 0
    command -v openssl >/dev/null || die "openssl not found: it makes the stack's TLS certificates"
    local d=$SLUICE_TLS_DIR tmp
    tmp=$(mktemp -d "$d/.make.XXXXXX")
    (
      set -e
      cd "$tmp"
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Sluice stack CA" \
        -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Untrusted CA" \
        -keyout other-ca.key -out other-ca.pem -addext "basicConstraints=critical,CA:TRUE"
      rm -f other-ca.key
      # sign <name> <subject> <extensions>
      sign() {
        openssl req -new -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr"
        printf '%s\n' "$3" >"$1.ext"
        openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 -extfile "$1.ext" -out "$1.pem"
        rm -f "$1.csr" "$1.ext"
      }
      sign server "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth,clientAuth"
      sign client "/CN=sluice" "extendedKeyUsage=clientAuth"
      openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -name broker \
        -passout "pass:$SLUICE_STACK_TLS_PASSWORD" -out server.p12
      openssl pkcs12 -export -in client.pem -inkey client.key -certfile ca.pem -name sluice \
        -passout "pass:$SLUICE_STACK_TLS_PASSWORD" -out client.p12
      # keytool comes with the Java that Kafka needs
      for t in PKCS12:p12 JKS:jks; do
        keytool -importcert -noprompt -alias stack-ca -file ca.pem -keystore "truststore.${t#*:}" \
          -storetype "${t%%:*}" -storepass "$SLUICE_STACK_TLS_PASSWORD"
      done
      chmod 600 ./*.key
    ) >"$d/make.log" 2>&1 || true   # the file check below says what is missing
    for f in ca.pem server.pem server.key server.p12 client.pem client.key client.p12 truststore.p12 truststore.jks other-ca.pem; do
      [[ -s "$tmp/$f" ]] || { cat "$d/make.log" >&2; rm -rf "$tmp"; die "making the stack's TLS certificates failed ($f missing)"; }
    done
    mv -f "$tmp"/* "$d"/ && rm -rf "$tmp"
    touch "$d/.complete"
    log "made TLS certificates in $d"
  ) 8>"$SLUICE_TLS_DIR/.lock"
}
