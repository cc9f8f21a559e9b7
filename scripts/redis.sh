#!/usr/bin/env bash
# Start or stop a throwaway redis-server on a free loopback port (issue 6: the Redis rate-limit tests and
# scripts/ratelimit-acceptance.mjs). No persistence, bound to 127.0.0.1 only.
#
#   scripts/redis.sh start   # prints REDIS_URL=redis://127.0.0.1:<port>; state in ${REDIS_STATE_DIR:-/tmp/mparticle-events-redis}
#   scripts/redis.sh stop    # stops the server started above
#   scripts/redis.sh url     # prints the URL of the running server
#
# The test files start their own redis-server (they stop and restart it mid-test); this is for CI and for
# running the examples by hand. Needs redis-server on PATH (Debian: apt-get install -y redis-server).
set -euo pipefail

STATE_DIR="${REDIS_STATE_DIR:-/tmp/mparticle-events-redis}"
PID_FILE="$STATE_DIR/redis.pid"
PORT_FILE="$STATE_DIR/redis.port"

free_port() {
  node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

case "${1:-}" in
  start)
    command -v redis-server >/dev/null || { echo "redis-server is not installed" >&2; exit 1; }
    mkdir -p "$STATE_DIR"
    if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
      echo "REDIS_URL=redis://127.0.0.1:$(cat "$PORT_FILE")"
      exit 0
    fi
    port="$(free_port)"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$PID_FILE" --logfile "$STATE_DIR/redis.log" --dir "$STATE_DIR"
    echo "$port" > "$PORT_FILE"
    for _ in $(seq 1 50); do
      if redis-cli -p "$port" ping >/dev/null 2>&1; then
        echo "REDIS_URL=redis://127.0.0.1:$port"
        exit 0
      fi
      sleep 0.1
    done
    echo "redis-server did not answer on port $port" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$PID_FILE" ]]; then
      pid="$(cat "$PID_FILE")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$PID_FILE" "$PORT_FILE"
    fi
    ;;
  url)
    [[ -f "$PORT_FILE" ]] || { echo "not running" >&2; exit 1; }
    echo "redis://127.0.0.1:$(cat "$PORT_FILE")"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
