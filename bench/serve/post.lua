-- wrk script: POSTs one bid request body (BODY_FILE) on every request and
-- reports the request and error counts on stderr (run_load.sh reads them).
local f = assert(io.open(os.getenv("BODY_FILE"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
function done(summary, latency, requests)
  io.stderr:write(string.format("requests=%d errors(connect,read,write,status,timeout)=%d,%d,%d,%d,%d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
