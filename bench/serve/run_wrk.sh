#!/usr/bin/env bash
# Load test of `adpilot serve` next to nginx answering a static 204, both on
# loopback, driven by wrk (docs/benchmarks.d/80-serve.md has the figures).
#   bench/serve/run_wrk.sh ADPILOT MODEL [SECONDS]
# MODEL: an adpilot model file (the figures use the demo's ffm model).
# Runs: peak rate (closed loop, CONNS connections), then about 50% of that
# peak (wrk delay() pacing) for p50/p99, for adpilot and for nginx. Bounded:
# each run lasts SECONDS (default 10) and everything stops at the end.
set -euo pipefail
ADPILOT="$(readlink -f "$1")"
MODEL="$(readlink -f "$2")"
SECS="${3:-10}"
CONNS="${CONNS:-32}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BODY="${BODY:-$ROOT/../shared/data/openrtb/mxmcherry_openrtb2/bid-request/2.5/simple-banner.json}"
WORK="$(mktemp -d /tmp/adpilot-wrk.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
APORT=$(free_port)
NPORT=$(free_port)

# The example config with the bench's model, a budget no run can spend, no pacing.
sed -e "s|^model = .*|model = \"$MODEL\"|" -e "s|^log_dir = .*|log_dir = \"\"|" \
    -e "s|^daily_budget = .*|daily_budget = 1000000000.0|" -e "s|^pacing = .*|pacing = \"none\"|" \
    "$ROOT/examples/serve.toml" > "$WORK/serve.toml"
"$ADPILOT" --quiet serve --config "$WORK/serve.toml" --port "$APORT" --threads 2 &
APID=$!
PIDS+=($APID)

mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<NGX
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$NPORT; location / { return 204; } }
}
NGX
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
NPID=$!
PIDS+=($NPID)

for i in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$APORT/healthz" && curl -s -o /dev/null "http://127.0.0.1:$NPORT/" && break
  sleep 0.1
done
code=$(curl -s -o "$WORK/resp.json" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$BODY" "http://127.0.0.1:$APORT/openrtb2/bid")
echo "adpilot answers the request with HTTP $code: $(head -c 300 "$WORK/resp.json")"
[ "$code" = 200 ] || { echo "expected a bid (200) on the bench request" >&2; exit 1; }

export BODY_FILE="$BODY"
# CPU seconds (user + system) used so far by a process and its children
# (nginx workers): on a shared machine, requests per server CPU-second is the
# per-core cost, independent of how much CPU the other tenants took.
cpu() {
  local t=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  /usr/bin/python3 -c "print($t / $(getconf CLK_TCK))"
}
run() {  # name url wait_ms seconds -> prints req/s and mean latency (ms) on stdout
  local out rps p50 p99 avg pid c0 c1 n
  case "$1" in adpilot*) pid=$APID ;; *) pid=$NPID ;; esac
  c0=$(cpu "$pid")
  out=$(WRK_WAIT_MS="$3" wrk -t1 -c"$CONNS" -d"$4s" --latency -s "$ROOT/bench/serve/post.lua" "$2" 2>&1)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  avg=$(echo "$out" | awk '$1=="Latency" && $2 ~ /^[0-9]/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v; exit}')
  c1=$(cpu "$pid")
  n=$(echo "$out" | grep -o 'requests=[0-9]*' | cut -d= -f2)
  echo "$1 wait=${3}ms req/s=$rps p50=$p50 p99=$p99 server_cpu_s=$(/usr/bin/python3 -c "print(round($c1-$c0,2))") req_per_server_cpu_s=$(/usr/bin/python3 -c "print(round($n/max(1e-9,$c1-$c0)))") $(echo "$out" | grep -o 'requests=.*')" >&2
  echo "$rps $avg"
}
# Wait per request that offers `target` req/s over CONNS connections:
# rate = CONNS / (wait + latency); the latency is measured in a 3 s probe.
half() {  # name url peak
  local target probe w1 w2
  target=$(/usr/bin/python3 -c "print(float('$3')/2)")
  w1=$(/usr/bin/python3 -c "print(round($CONNS*1000/$target, 3))")
  probe=$(run "$1-probe" "$2" "$w1" 3)
  w2=$(/usr/bin/python3 -c "r,l='$probe'.split(); lat=$CONNS*1000/float(r)-$w1; print(round(max(0.001,$CONNS*1000/$target-lat),3))")
  echo "$1: target $target req/s" >&2
  run "$1" "$2" "$w2" "$SECS" >/dev/null
}
echo "== $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t1 -c$CONNS -d${SECS}s; adpilot 2 threads, nginx 2 workers"
A_PEAK=$(run adpilot "http://127.0.0.1:$APORT/openrtb2/bid" 0 "$SECS" | cut -d' ' -f1)
N_PEAK=$(run nginx "http://127.0.0.1:$NPORT/" 0 "$SECS" | cut -d' ' -f1)
half adpilot-half "http://127.0.0.1:$APORT/openrtb2/bid" "$A_PEAK"
half nginx-half "http://127.0.0.1:$NPORT/" "$N_PEAK"
curl -s "http://127.0.0.1:$APORT/metrics" | grep -E '^adpilot_(bids_total|nobids_total\{reason="(bad_request|budget)"\}|bid_latency_seconds_(sum|count))' >&2
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
