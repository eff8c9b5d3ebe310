#!/usr/bin/env bash
# The open loop's ceiling against nginx (one worker, a static JSON answer) on this machine, with
# wrk's closed-loop maximum in the same run as the reference. Installs Debian's nginx-light and
# wrk when they are missing (root or sudo). Writes the table to stdout; progress to stderr.
#   perf/load.sh [rates=5000,10000,20000,30000] [durationMs=3000] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
RATES=${1:-5000,10000,20000,30000}
DURATION_MS=${2:-3000}
ROUNDS=${3:-3}
PORT=${PORT:-8089}
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo "sudo -n")
  $SUDO apt-get install -y -q nginx-light wrk >&2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
DIR=$(mktemp -d)
cat >"$DIR/nginx.conf" <<CONF
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$PORT;
    location / { default_type application/json; return 200 '{"ok":true}'; }
  }
}
CONF
"$NGINX" -c "$DIR/nginx.conf" -p "$DIR"
trap '"$NGINX" -c "$DIR/nginx.conf" -p "$DIR" -s stop; rm -rf "$DIR"' EXIT
sleep 0.5
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version), nginx 1 worker" >&2
# Closed loop, alternated with wrk (1 thread, 32 connections, 3 s): req/s and req per CPU-second.
TIMEFORMAT='%U %S'
for i in $(seq "$ROUNDS"); do
  out=$( { time wrk -t1 -c32 -d3s "http://127.0.0.1:$PORT/" >"$DIR/wrk.txt"; } 2>&1 )
  rps=$(awk '/Requests\/sec/ {print $2}' "$DIR/wrk.txt")
  cpu=$(echo "$out" | awk '{print $1 + $2}')
  echo "wrk c32 round $i: $rps req/s, $(awk -v r="$rps" -v c="$cpu" 'BEGIN {printf "%.0f", r * 3 / c}') req per CPU-s"
  npx tsx perf/closed-loop.ts "http://127.0.0.1:$PORT/" 32 3000 1 | sed "s/round 1/round $i/"
done
npx tsx perf/open-loop.ts "http://127.0.0.1:$PORT/" "$RATES" "$DURATION_MS" "$ROUNDS"
