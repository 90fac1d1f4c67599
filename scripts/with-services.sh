#!/usr/bin/env bash
# Run a command with the services it needs: the PC/SC daemon with its virtual readers
# (vsmartcard-vpcd, TCP 35963/35964), Redis on 6379, RabbitMQ on 5672 and PostgreSQL on 5432.
# Starts only what is not running (installing redis-server and rabbitmq-server from Debian when
# missing, as root), and stops what it started when the command ends, even on failure or Ctrl-C.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p var

listening() { ss -ltn "sport = :$1" | grep -q LISTEN; }

started_pcscd=""
started_pg=""
started_redis=""
started_rabbitmq=""
cleanup() {
  if [[ -n $started_rabbitmq ]]; then PATH="$PATH:/usr/sbin" rabbitmqctl stop >/dev/null 2>&1 || kill "$started_rabbitmq" 2>/dev/null; wait "$started_rabbitmq" 2>/dev/null; fi
  if [[ -n $started_pcscd ]]; then kill "$started_pcscd" 2>/dev/null; wait "$started_pcscd" 2>/dev/null; fi
  if [[ -n $started_redis ]]; then kill "$started_redis" 2>/dev/null; wait "$started_redis" 2>/dev/null; fi
  if [[ -n $started_pg ]]; then pg_ctlcluster --skip-systemctl-redirect "$started_pg" main stop || true; fi
}
trap cleanup EXIT

if ! listening 35963; then
  if command -v pcscd >/dev/null; then
    mkdir -p var
    pcscd --foreground >var/pcscd.log 2>&1 &
    started_pcscd=$!
    for _ in $(seq 50); do listening 35963 && break; sleep 0.1; done
    listening 35963 || echo "services: pcscd did not open the virtual readers (see var/pcscd.log)" >&2
  else
    echo "services: pcscd is not installed; card-reader tests will be skipped" >&2
  fi
fi

# A Debian package a service needs, installed when missing and we may (root).
ensure_package() {
  local command=$1 package=$2
  command -v "$command" >/dev/null && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "services: installing $package" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null
  fi
  command -v "$command" >/dev/null
}

# Redis (the sign-in guard's shared counters, tested against a real server).
if ! listening 6379 && ensure_package redis-server redis-server; then
  redis-server --bind 127.0.0.1 --port 6379 --save "" --daemonize no >var/redis.log 2>&1 &
  started_redis=$!
  for _ in $(seq 50); do listening 6379 && break; sleep 0.1; done
fi

# RabbitMQ (the broker of the scaled-out back office's workers; tests/backoffice/test_scale_out).
if ! listening 5672 && PATH="$PATH:/usr/sbin" ensure_package rabbitmq-server rabbitmq-server; then
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_LOG_BASE="$PWD/var/rabbitmq" \
    PATH="$PATH:/usr/sbin" rabbitmq-server >var/rabbitmq.log 2>&1 &
  started_rabbitmq=$!
  for _ in $(seq 300); do listening 5672 && break; sleep 0.1; done
  listening 5672 || echo "services: RabbitMQ did not start (see var/rabbitmq.log)" >&2
fi

if ! listening 5432 && command -v pg_ctlcluster >/dev/null; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if pg_ctlcluster --skip-systemctl-redirect "$version" main start; then started_pg=$version; fi
fi

# Run the command in the background so that Ctrl-C or a TERM reaches it first: it stops its
# own children, then this script stops the services it started.
set -m  # the command gets its own process group, where SIGINT is not ignored
"$@" &
child=$!
trap 'kill -INT "$child" 2>/dev/null' INT
trap 'kill -TERM "$child" 2>/dev/null' TERM
status=0
wait "$child" || status=$?
# wait returns early when a trapped signal arrives; wait again for the child to finish.
while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
exit "$status"
