#!/usr/bin/env bash
# Sanity check of loadgen's coordinated-omission correction against a known
# stall: nginx (static 204) is frozen (SIGSTOP of its workers) for STALL_MS
# in the middle of a constant-rate run. Requests due during the stall wait
# for its end, so with RATE r over D seconds a share s = STALL*r/(D*r) of all
# requests is late by 0..STALL, and the p99 must be about STALL * (1 - 0.01/s).
# A client that times from the actual send instead of the due time would see
# the stall only on the requests already in flight.
#   bench/serve/check_loadgen.sh LOADGEN
set -euo pipefail
LOADGEN="$(readlink -f "$1")"
RATE="${RATE:-2000}"
SECS="${SECS:-4}"
STALL_MS="${STALL_MS:-300}"
WORK="$(mktemp -d /tmp/adpilot-lgcheck.XXXXXX)"
NPID=""
cleanup() { [ -n "$NPID" ] && { pkill -CONT -P "$NPID" 2>/dev/null || true; kill "$NPID" 2>/dev/null || true; wait "$NPID" 2>/dev/null || true; }; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/nginx.conf" <<NGX
worker_processes 2;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/body;
  proxy_temp_path $WORK/proxy;
  fastcgi_temp_path $WORK/fastcgi;
  uwsgi_temp_path $WORK/uwsgi;
  scgi_temp_path $WORK/scgi;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$PORT; location / { return 204; } }
}
NGX
nginx -c "$WORK/nginx.conf" -p "$WORK" &
NPID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
WORKERS=$(pgrep -P "$NPID" | tr '\n' ' ')
# The stall starts half-way through the timed part (after the 1 s warm-up).
# The stall's real length is timed here (on a loaded machine the sleep overruns).
( sleep "$(echo "1 + $SECS / 2" | bc -l)"; t0=$(date +%s%N); kill -STOP $WORKERS
  sleep "$(echo "$STALL_MS / 1000" | bc -l)"; kill -CONT $WORKERS
  echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$WORK/stall_ms" ) &
STALLER=$!
"$LOADGEN" --url "http://127.0.0.1:$PORT/" --rate "$RATE" -c 32 -d "$SECS" --warmup 1
wait "$STALLER"
STALL_MS=$(cat "$WORK/stall_ms")
echo "expected with the measured ${STALL_MS} ms stall: p99 about $(echo "$STALL_MS * (1 - 0.01 * $SECS / ($STALL_MS / 1000))" | bc -l | cut -c1-6) ms, max about $STALL_MS ms"
