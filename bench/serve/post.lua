-- wrk script: POSTs one bid request body (BODY_FILE) on every request. With
-- WRK_RATE set, each connection waits WRK_CONNS*1000/WRK_RATE ms before each
-- request, so the whole run offers about WRK_RATE requests/s (wrk's latency
-- clock starts when the request is sent, after the wait).
local f = assert(io.open(os.getenv("BODY_FILE"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local rate = tonumber(os.getenv("WRK_RATE") or "0")
local conns = tonumber(os.getenv("WRK_CONNS") or "1")
if rate > 0 then
  local wait = conns * 1000 / rate
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
