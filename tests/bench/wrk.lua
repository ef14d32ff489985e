-- The one wrk script every bench script uses. With BODY set it POSTs that file (Content-Type
-- from CTYPE, application/json by default); without it, it GETs the URL as given.
-- It prints one line: RESULT <req/s> <p50 µs> <p99 µs> <errors> <requests>.
local body = os.getenv("BODY")
if body and body ~= "" then
  wrk.method = "POST"
  wrk.headers["Content-Type"] = os.getenv("CTYPE") or "application/json"
  local f = assert(io.open(body, "rb")); wrk.body = f:read("*a"); f:close()
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.0f %.1f %.1f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), e.status + e.connect + e.read + e.write + e.timeout,
    summary.requests))
end
