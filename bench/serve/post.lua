-- wrk script: POSTs one bid request body (BODY_FILE) on every request. With
-- WRK_WAIT_MS set, each connection waits that long after a response before
-- its next request (wrk's delay(); its latency clock starts at the send), so
-- the offered rate is connections / (wait + latency): run_wrk.sh calibrates
-- the wait for a target rate.
local f = assert(io.open(os.getenv("BODY_FILE"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local wait = tonumber(os.getenv("WRK_WAIT_MS") or "0")
if wait > 0 then
  function delay()
    return wait
  end
end
local codes = {}
function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end
function done(summary, latency, requests)
  io.stderr:write(string.format("requests=%d errors(connect,read,write,status,timeout)=%d,%d,%d,%d,%d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
