#!/usr/bin/env bash
# The load generator against nginx (one worker, a static JSON answer) on this machine, with wrk
# in the same run as the reference. Installs Debian's nginx-light and wrk when they are missing
# (root or sudo). Writes the tables to stdout; progress to stderr. Results: docs/perf/load.md.
#   perf/load.sh [rates=5000,10000,20000,30000] [durationMs=3000] [rounds=3] [workers=1,auto]
#   (env ENGINES: the closed loop's engines, default bench,library,autocannon,undici; CLIENTS: the
#   open loop's clients, default lean,library; library = BENCH_HTTP_CLIENT=library, the previous path;
#   lean-spin / lean-batch: the lean client with that pacing whatever the rate. BUILDS=label=dir,…: compiled
#   dist/ trees whose open loops alternate in the same rounds, see perf/open-loop.mjs. CLOSED=0: no closed loop)
# Closed loop, per round (alternated): wrk -t1 -c32, then bench's closed loop (lean client, and
# the library path), autocannon alone and an own loop on undici (perf/closed-loop.mjs), each 3 s at 32 connections: req/s and req per
# CPU-second. Open loop: perf/open-loop.mjs at each rate and worker setting.
set -euo pipefail
cd "$(dirname "$0")/.."
# The scripts time the compiled code (dist/), as bench runs it: `npm run build` first.
[ -f dist/load/open-http.js ] || npm run -s build
RATES=${1:-5000,10000,20000,30000}
DURATION_MS=${2:-3000}
ROUNDS=${3:-3}
WORKERS=${4:-1,auto}
PORT=${PORT:-8089}
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] || ! command -v wrk >/dev/null; then
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
URL="http://127.0.0.1:$PORT/"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version), nginx 1 worker, $(date -u +%FT%TZ)"
TIMEFORMAT='%U %S'
for i in $(seq "$([ "${CLOSED:-1}" = 0 ] && echo 0 || echo "$ROUNDS")"); do
  out=$( { time wrk -t1 -c32 -d3s "$URL" >"$DIR/wrk.txt"; } 2>&1 )
  rps=$(awk '/Requests\/sec/ {print $2}' "$DIR/wrk.txt")
  cpu=$(echo "$out" | awk '{print $1 + $2}')
  echo "wrk closed c32 round $i: $(printf '%.0f' "$rps") req/s, CPU $(awk -v c="$cpu" 'BEGIN {printf "%.0f", c / 3 * 100}')%, $(awk -v r="$rps" -v c="$cpu" 'BEGIN {printf "%.0f", r * 3 / c}') req per CPU-s"
  node perf/closed-loop.mjs "$URL" 32 3000 1 "${ENGINES:-bench,library,autocannon,undici}" | sed "s/round 1/round $i/"
done
echo "load average now $(cut -d' ' -f1-3 /proc/loadavg)"
node perf/open-loop.mjs "$URL" "$RATES" "$DURATION_MS" "$ROUNDS" "$WORKERS" "${CLIENTS:-lean,library}"
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
