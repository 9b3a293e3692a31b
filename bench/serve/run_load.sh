#!/usr/bin/env bash
# HTTP load on `adpilot serve` and, in the same run, on nginx answering a
# static 204 (the cost of HTTP itself), both on loopback:
#   1. peak rate, closed loop, with wrk (-t1 -cCONNS), and the same with
#      loadgen --rate 0 as a cross-check of the two clients;
#   2. latency at HALF (default 0.5) of wrk's peak with loadgen, a constant
#      rate (open loop) generator that times each request from when it was
#      due, so a stall is not hidden by the client waiting for it (wrk2's
#      coordinated-omission correction; wrk2 is not in Debian 12).
#   bench/serve/run_load.sh ADPILOT MODEL [SECONDS]
# ADPILOT: the adpilot binary; loadgen is taken from the same build folder
# (bench/loadgen) unless LOADGEN names it. MODEL: an adpilot model file (the
# figures use the demo's ffm model). Environment:
#   CONNS=32              keep-alive connections of both clients
#   SERVER_CPUS, CLIENT_CPUS   taskset CPU lists (empty = no pinning)
#   PRIO=nice             priority of servers and clients (needs root):
#                         nice = nice -20, rt = SCHED_RR 10 (chrt -r 10),
#                         none. On a shared box it keeps other tenants'
#                         builds from delaying the measured processes; rt
#                         also removes the fair scheduler's wake-up delays
#                         (it preempts every normal task; bounded by the
#                         kernel's real-time throttle, 95% of each second).
#                         With autogroup scheduling (sched_autogroup_enabled)
#                         nice only ranks processes within their session's
#                         group and the groups share the CPUs equally, so the
#                         script re-runs itself in a new session whose group
#                         gets nice -20 too.
#   HALF=0.5              fraction of the peak for the latency runs
#   SWEEP="5000 10000"    extra constant-rate runs on adpilot at these rates
#                         (where p99 crosses a bound), after the half-load runs
# Bounded: every run lasts SECONDS (default 10; +2 s warm-up for loadgen) and
# everything started here is stopped on exit.
set -euo pipefail
PRIO="${PRIO:-nice}"
if [ "$PRIO" != none ] && [ -z "${ADPILOT_LOAD_SESSION:-}" ] && [ -w /proc/self/autogroup ]; then
  ADPILOT_LOAD_SESSION=1 exec setsid --wait "$0" "$@"
fi
if [ -n "${ADPILOT_LOAD_SESSION:-}" ]; then echo -20 > /proc/self/autogroup; fi
ADPILOT="$(readlink -f "$1")"
MODEL="$(readlink -f "$2")"
SECS="${3:-10}"
CONNS="${CONNS:-32}"
HALF="${HALF:-0.5}"
SERVER_CPUS="${SERVER_CPUS:-}"
CLIENT_CPUS="${CLIENT_CPUS:-}"
LOADGEN="$(readlink -f "${LOADGEN:-$(dirname "$ADPILOT")/bench/loadgen}")"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BODY="${BODY:-$ROOT/../shared/data/openrtb/mxmcherry_openrtb2/bid-request/2.5/simple-banner.json}"
[ -x "$LOADGEN" ] || { echo "no loadgen at $LOADGEN (ninja -C BUILD loadgen)" >&2; exit 1; }
WORK="$(mktemp -d /tmp/adpilot-load.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

# Prefix of a command: optional nice and CPU pinning.
prefix() {  # cpus
  local p=()
  case "$PRIO" in
    nice) p+=(nice -n -20) ;;
    rt) p+=(chrt -r 10) ;;
  esac
  if [ -n "$1" ]; then p+=(taskset -c "$1"); fi
  echo "${p[@]}"
}
SRV=$(prefix "$SERVER_CPUS")
CLI=$(prefix "$CLIENT_CPUS")

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
APORT=$(free_port)
NPORT=$(free_port)

# The example config with the bench's model, a budget no run can spend, no
# pacing and no event log: every request gets a bid.
sed -e "s|^model = .*|model = \"$MODEL\"|" -e "s|^log_dir = .*|log_dir = \"\"|" \
    -e "s|^daily_budget = .*|daily_budget = 1000000000.0|" -e "s|^pacing = .*|pacing = \"none\"|" \
    "$ROOT/examples/serve.toml" > "$WORK/serve.toml"
$SRV "$ADPILOT" --quiet serve --config "$WORK/serve.toml" --port "$APORT" --threads 2 &
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
$SRV nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
NPID=$!
PIDS+=($NPID)

for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$APORT/healthz" && curl -s -o /dev/null "http://127.0.0.1:$NPORT/" && break
  sleep 0.1
done
code=$(curl -s -o "$WORK/resp.json" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$BODY" "http://127.0.0.1:$APORT/openrtb2/bid")
echo "adpilot answers the request with HTTP $code: $(head -c 200 "$WORK/resp.json")..."
[ "$code" = 200 ] || { echo "expected a bid (200) on the bench request" >&2; exit 1; }

# CPU seconds (user + system) used so far by a process and its children
# (nginx workers): requests per server CPU-second is the per-core cost,
# whatever the other tenants took.
cpu() {
  local t=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t $(getconf CLK_TCK)" | awk '{print $1 / $2}'
}
URL_A="http://127.0.0.1:$APORT/openrtb2/bid"
URL_N="http://127.0.0.1:$NPORT/"
RESULTS="$WORK/results.tsv"

# wrk at peak: prints req/s.
peak_wrk() {  # name url pid
  local out rps p50 p99 c0 c1 n
  c0=$(cpu "$3")
  out=$(BODY_FILE="$BODY" $CLI wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/serve/post.lua" "$2" 2>&1)
  c1=$(cpu "$3")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  n=$(echo "$out" | grep -o 'requests=[0-9]*' | cut -d= -f2)
  echo "$(date -u +%T) $1 wrk peak: $rps req/s p50 $p50 p99 $p99; $(echo "$out" | grep -o 'errors.*')" >&2
  printf '%s\twrk peak (closed loop)\t-\t%s\t%s\t%s\t-\t-\t%s\n' "$1" "$rps" "$p50" "$p99" \
    "$(awk -v n="$n" -v c="$(awk -v a="$c0" -v b="$c1" 'BEGIN{print b-a}')" 'BEGIN{printf "%.0f", n/(c>0?c:1e-9)}')" >> "$RESULTS"
  echo "$rps"
}
# loadgen: rate 0 = closed loop; prints nothing, appends a row.
# Open-loop runs also write loadgen's timeline of slow requests; a summary
# says whether they were the server's (the client sent on time) or the
# client's own (it woke late: timer lag), e.g. the real-time throttle with PRIO=rt.
load() {  # name label url pid rate [body]
  local json c0 c1 body=() tl=()
  [ -n "${6:-}" ] && body=(--body "$6")
  [ "$5" != 0 ] && tl=(--timeline "$WORK/timeline.tsv" --timeline-ms 2)
  c0=$(cpu "$4")
  json=$($CLI "$LOADGEN" --url "$3" "${body[@]}" --rate "$5" -c "$CONNS" -d "$SECS" --warmup 2 --json "${tl[@]}")
  c1=$(cpu "$4")
  echo "$(date -u +%T) $1 loadgen $2: $json" >&2
  if [ "$5" != 0 ]; then
    awk -F'\t' 'NR > 1 { n++; if ($5 > 1) c++; if ($4 > m) { m = $4; t = $1; l = $5 } }
      END { printf "  10-ms windows with a request over 2 ms: %d (%d where the client itself woke over 1 ms late); worst %.1f ms at %.2f s (client lag there %.1f ms)\n", n, c, m, t / 1000, l }' \
      "$WORK/timeline.tsv" >&2
  fi
  echo "$json" | C0="$c0" C1="$c1" NAME="$1" LABEL="$2" /usr/bin/python3 -c '
import json, os, sys
j = json.load(sys.stdin); l = j["latency_ms"]
cpu = float(os.environ["C1"]) - float(os.environ["C0"])
# the server CPU also covers the 2 s warm-up: rate per CPU-second uses all requests sent
n = j["responses"] * (1 + 2.0 / j["duration_s"])
print("\t".join([os.environ["NAME"], os.environ["LABEL"], "%.0f" % j["target_rate"] if j["target_rate"] else "-",
  "%.0f" % j["rate"], "%.3fms" % l["p50"], "%.3fms" % l["p99"], "%.3fms" % l["p999"],
  "%d err, %d non-2xx, %d backlog" % (j["errors"], j["non2xx"], j["backlog"]), "%.0f" % (n / max(cpu, 1e-9))]))' >> "$RESULTS"
}

echo "== $(date -u '+%F %T') UTC, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); autogroup: $(cat /proc/self/autogroup 2>/dev/null || echo none)"
echo "== adpilot 2 threads, nginx 2 workers; server prefix '${SRV:-none}', client prefix '${CLI:-none}'; $CONNS connections, ${SECS}s runs"
A_PEAK=$(peak_wrk adpilot "$URL_A" "$APID")
N_PEAK=$(peak_wrk nginx "$URL_N" "$NPID")
load adpilot "loadgen peak (closed loop)" "$URL_A" "$APID" 0 "$BODY"
load nginx "loadgen peak (closed loop)" "$URL_N" "$NPID" 0
A_HALF=$(awk -v p="$A_PEAK" -v h="$HALF" 'BEGIN{printf "%.0f", p*h}')
N_HALF=$(awk -v p="$N_PEAK" -v h="$HALF" 'BEGIN{printf "%.0f", p*h}')
curl -s "http://127.0.0.1:$APORT/metrics" | grep '^adpilot_bid_latency_seconds_bucket' > "$WORK/buckets0"
load adpilot "loadgen at ${HALF} x wrk peak" "$URL_A" "$APID" "$A_HALF" "$BODY"
curl -s "http://127.0.0.1:$APORT/metrics" | grep '^adpilot_bid_latency_seconds_bucket' > "$WORK/buckets1"
# The server's own histogram over that run (parse to response, no queueing in
# the kernel or the client): where the time goes when the client's p99 is high.
/usr/bin/python3 - "$WORK/buckets0" "$WORK/buckets1" <<'PY' >&2
import re, sys
def read(p):
    return {m.group(1): float(m.group(2)) for m in (re.search(r'le="([^"]+)"} (\S+)', l) for l in open(p)) if m}
a, b = read(sys.argv[1]), read(sys.argv[2])
n = b["+Inf"] - a["+Inf"]
print("in-server bid latency during the half-load run (%d bids): " % n +
      ", ".join("%.2f%% <= %g ms" % (100 * (b[k] - a[k]) / max(n, 1), float(k) * 1e3) for k in ["0.00025", "0.0005", "0.001", "0.002"]))
PY
load nginx "loadgen at ${HALF} x wrk peak" "$URL_N" "$NPID" "$N_HALF"
for r in ${SWEEP:-}; do
  load adpilot "loadgen at $r req/s" "$URL_A" "$APID" "$r" "$BODY"
done
curl -s "http://127.0.0.1:$APORT/metrics" | grep -E '^adpilot_(bids_total|nobids_total\{reason="(bad_request|budget)"\}|bid_latency_seconds_(sum|count))' >&2 || true
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| server | run | target req/s | req/s | p50 | p99 | p99.9 | errors | req per server CPU-s |\n'
printf '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n'
awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9}' "$RESULTS"
