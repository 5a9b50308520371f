-- wrk script for load-tests/lookups.sh: GET /api/v1/verify/{code} for codes chosen at random among SOLD codes of
-- the run RUN (sold by lookups.sh before), or among codes never sold when UNKNOWN=1.
local sold = tonumber(os.getenv("SOLD") or "20000")
local run = tonumber(os.getenv("RUN") or "1")
local unknown = os.getenv("UNKNOWN") == "1"

function init(args)
  math.randomseed(os.time() + math.random(1000))
end

request = function()
  local n = math.random(1, sold)
  local code
  if unknown then
    code = string.format("8600001%03d99%08d", run % 1000, n)
  else
    code = string.format("8600001%03d01%08d", run % 1000, n)
  end
  return wrk.format("GET", "/api/v1/verify/" .. code)
end

done = function(summary, latency, requests)
  io.write(string.format("answered %d seconds %.2f non2xx %d p50_ms %.2f p99_ms %.2f\n",
    summary.requests - summary.errors.status, summary.duration / 1e6, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
