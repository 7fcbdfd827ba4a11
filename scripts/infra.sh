#!/usr/bin/env bash
# Installs (from Debian's packages, if missing) and starts PostgreSQL, Redis and RabbitMQ without
# systemd, creates the platform's credentials once, and writes the connection settings, under the
# names Aspire injects, to .local/env. Idempotent: safe to run again while everything is up.
# Used by ./run.sh and ./test.sh; `source .local/env` afterwards to talk to the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
mkdir -p .local
log() { echo "infra: $*" >&2; }
# With GOV_STARTED_FILE set, each server this run starts is noted there, so that
# `infra.sh --stop-started` stops exactly those and leaves alone what was already running.
started() { [ -z "${GOV_STARTED_FILE:-}" ] || echo "$1" >> "$GOV_STARTED_FILE"; }

PG_PORT=${GOV_PG_PORT:-5432}
REDIS_PORT=${GOV_REDIS_PORT:-6379}
AMQP_PORT=${GOV_AMQP_PORT:-5672}

install_missing() {
  local missing=()
  command -v pg_ctlcluster >/dev/null && [ -d /usr/lib/postgresql/15 ] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v rabbitmq-server >/dev/null || missing+=(rabbitmq-server)
  command -v curl >/dev/null || missing+=(curl)
  command -v openssl >/dev/null || missing+=(openssl)
  # The reporting build installs Apache ECharts with `npm ci`.
  command -v npm >/dev/null || missing+=(npm)
  # Test-only tools, with GOV_TEST_TOOLS=1 (test.sh sets it): headless Chromium renders the dashboard, a CJK font
  # lets its screenshot show Chinese.
  if [ "${GOV_TEST_TOOLS:-0}" = 1 ]; then
    command -v chromium >/dev/null || missing+=(chromium)
    dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
  fi
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]} from Debian's packages"
  # Their services are kept from starting while they install: they are started below, without systemd.
  apt_install "${missing[@]}"
}

# Passwords are made on this machine the first time and never committed.
secrets() {
  # The umask is set in a subshell only: left on for the rest of the script it made RabbitMQ's
  # enabled_plugins file unreadable to the broker on a fresh machine.
  if [ ! -f .local/secrets ]; then
    (umask 077
     printf 'PG_PASSWORD=%s\nAMQP_PASSWORD=%s\n' "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" \
       "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > .local/secrets)
  fi
  chmod 600 .local/secrets
  # The key that signs staff tokens locally (scripts/dev-token.sh); production uses the city's.
  grep -q '^AUTH_SIGNING_KEY=' .local/secrets || printf 'AUTH_SIGNING_KEY=%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >> .local/secrets
  # The key that signs the volunteer service's check-in QR codes.
  grep -q '^QR_SIGNING_KEY=' .local/secrets || printf 'QR_SIGNING_KEY=%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >> .local/secrets
  # The identity service's RSA key that signs tokens (one line, newlines written as \n), and its AES key for
  # codes and refresh tokens; docs/identity.md says how to rotate them.
  grep -q '^IDENTITY_SIGNING_KEY_PEM=' .local/secrets || printf "IDENTITY_SIGNING_KEY_PEM='%s'\\n" \
    "$(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | awk '{printf "%s\\n", $0}')" >> .local/secrets
  grep -q '^IDENTITY_ENCRYPTION_KEY=' .local/secrets || printf 'IDENTITY_ENCRYPTION_KEY=%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >> .local/secrets
  # shellcheck disable=SC1091
  source .local/secrets
}

start_postgres() {
  local cluster; cluster=$(pg_lsclusters -h | awk '$1=="15"{print $2; exit}')
  [ -n "$cluster" ] || { pg_createcluster 15 main >/dev/null; cluster=main; }
  if ! pg_lsclusters -h | awk -v c="$cluster" '$2==c' | grep -q online; then
    log "starting PostgreSQL 15 on port $PG_PORT"
    started "postgres $cluster"
    pg_ctlcluster 15 "$cluster" start -- -o "-p $PG_PORT" 2>/dev/null || pg_ctlcluster 15 "$cluster" start
  fi
  for _ in $(seq 60); do su postgres -c "pg_isready -q -p $PG_PORT" && break; sleep 0.5; done
  local psql=(su postgres -c)
  # Several services and parallel tests each keep a pool: the default 100 connections is too few.
  if [ "$("${psql[@]}" "psql -p $PG_PORT -tAc 'SHOW max_connections'")" -lt 400 ]; then
    "${psql[@]}" "psql -p $PG_PORT -qc 'ALTER SYSTEM SET max_connections = 400'"
    pg_ctlcluster 15 "$cluster" restart
    for _ in $(seq 60); do su postgres -c "pg_isready -q -p $PG_PORT" && break; sleep 0.5; done
  fi
  # Debian turns TLS on with a snake-oil certificate, but this cluster listens on loopback only, where TLS hides
  # nothing from anyone and costs both ends CPU on every statement (about a tenth of pgbench's rate here). A server
  # on another host keeps its own TLS; the services' connection strings say nothing about it either way.
  if [ "$("${psql[@]}" "psql -p $PG_PORT -tAc 'SHOW listen_addresses'")" = localhost ] \
     && [ "$("${psql[@]}" "psql -p $PG_PORT -tAc 'SHOW ssl'")" = on ]; then
    "${psql[@]}" "psql -p $PG_PORT -qtAc 'ALTER SYSTEM SET ssl = off' -c 'SELECT pg_reload_conf()'" >/dev/null
  fi
  # The platform's role may create databases: each service's migrator creates its own. It may also end other
  # sessions on a database it drops (DROP DATABASE ... WITH (FORCE) in the tests): an autovacuum worker that
  # happens to be on it has no role of its own, so without pg_signal_backend the drop is refused.
  "${psql[@]}" "psql -p $PG_PORT -qtAc \"DO \\\$\\\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'govplatform') THEN CREATE ROLE govplatform LOGIN CREATEDB; END IF;
      ALTER ROLE govplatform PASSWORD '$PG_PASSWORD'; GRANT pg_signal_backend TO govplatform; END \\\$\\\$;\"" >/dev/null
}

start_redis() {
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    log "starting Redis on port $REDIS_PORT"
    started redis
    # Redis holds only derived data (rebuilt from Postgres), so no persistence is configured.
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir /tmp --logfile "$PWD/.local/redis.log" >/dev/null
  fi
  for _ in $(seq 40); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.25; done
  log "Redis did not answer"; return 1
}

start_rabbitmq() {
  if ! rabbitmq-diagnostics -q check_running >/dev/null 2>&1; then
    log "starting RabbitMQ on port $AMQP_PORT (management on 15672)"
    started rabbitmq
    rabbitmq-plugins enable --offline rabbitmq_management >/dev/null
    # The broker runs as the rabbitmq user and must be able to read the file root just wrote.
    chmod 644 /etc/rabbitmq/enabled_plugins 2>/dev/null || true
    RABBITMQ_NODE_PORT=$AMQP_PORT rabbitmq-server -detached >/dev/null 2>&1
    # `ping` answers before boot has finished; check_running waits for the broker itself.
    for _ in $(seq 120); do rabbitmq-diagnostics -q check_running >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  if ! rabbitmq-diagnostics -q check_running >/dev/null 2>&1; then
    log "RabbitMQ did not start; the end of its log:"
    tail -n 30 "/var/log/rabbitmq/rabbit@$(hostname -s).log" >&2 2>/dev/null || true
    return 1
  fi
  # A broker started by someone else may lack the management plugin that tests use for vhosts.
  rabbitmq-plugins -q is_enabled rabbitmq_management >/dev/null 2>&1 || rabbitmq-plugins -q enable rabbitmq_management >/dev/null
  for _ in $(seq 60); do curl -fsS -o /dev/null http://127.0.0.1:15672/ 2>/dev/null && break; sleep 0.5; done
  # A user of our own (guest works only on loopback, and its password is public); tagged
  # administrator so tests can make a virtual host each through the management API.
  rabbitmqctl -q list_users | grep -q '^govplatform' || rabbitmqctl -q add_user govplatform "$AMQP_PASSWORD" >/dev/null
  rabbitmqctl -q change_password govplatform "$AMQP_PASSWORD" >/dev/null
  rabbitmqctl -q set_user_tags govplatform administrator >/dev/null
  rabbitmqctl -q set_permissions -p / govplatform '.*' '.*' '.*' >/dev/null
}

write_env() {
  local pg="Host=127.0.0.1;Port=$PG_PORT;Username=govplatform;Password=$PG_PASSWORD"
  cat > .local/env <<ENV
# Written by scripts/infra.sh; the names are the ones Aspire injects.
export ConnectionStrings__intakedb='$pg;Database=intakedb'
export ConnectionStrings__dispatchdb='$pg;Database=dispatchdb'
export ConnectionStrings__volunteerdb='$pg;Database=volunteerdb'
export ConnectionStrings__reportingdb='$pg;Database=reportingdb'
export ConnectionStrings__redis='127.0.0.1:$REDIS_PORT'
export ConnectionStrings__messaging='amqp://govplatform:$AMQP_PASSWORD@127.0.0.1:$AMQP_PORT'
export Auth__SigningKey='$AUTH_SIGNING_KEY'
export Volunteer__QrSigningKey='$QR_SIGNING_KEY'
export ConnectionStrings__identitydb='$pg;Database=identitydb'
export Identity__SigningKeyPem='$IDENTITY_SIGNING_KEY_PEM'
export Identity__EncryptionKey='$IDENTITY_ENCRYPTION_KEY'
export GOV_POSTGRES='$pg'
export GOV_RABBITMQ_MANAGEMENT='http://govplatform:$AMQP_PASSWORD@127.0.0.1:15672'
ENV
  chmod 600 .local/env
}

stop_started() {
  local file=${GOV_STARTED_FILE:-.local/started}
  [ -f "$file" ] || return 0
  while read -r what arg; do
    case $what in
      postgres) log "stopping PostgreSQL"; pg_ctlcluster 15 "$arg" stop || true ;;
      redis) log "stopping Redis"; redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true ;;
      rabbitmq) log "stopping RabbitMQ"; rabbitmqctl -q stop >/dev/null 2>&1 || true ;;
    esac
  done < "$file"
  rm -f "$file"
}

if [ "${1:-}" = --stop-started ]; then stop_started; exit 0; fi

install_missing
secrets
start_postgres
start_redis
start_rabbitmq
write_env
log "PostgreSQL :$PG_PORT, Redis :$REDIS_PORT, RabbitMQ :$AMQP_PORT are up; settings in .local/env"
