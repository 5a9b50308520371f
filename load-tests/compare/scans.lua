-- wrk script for load-tests/compare.sh: POST /api/v1/scans with BATCH new codes of the registered product 8600001,
-- one site, every scan a first sale. Counts only 2xx answers as stored. Env: KEY, BATCH, RUN.
local counter = 0
local threads = {}
local batch = tonumber(os.getenv("BATCH") or "100")
local key = os.getenv("KEY") or "load-test-admin"
local run = tonumber(os.getenv("RUN") or "1")

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

request = function()
  local parts = {}
  for i = 1, batch do
    counter = counter + 1
    -- 20 digits: product 8600001, then run (3), thread (2), counter (8)
    local code = string.format("8600001%03d%02d%08d", run % 1000, tid, counter)
    parts[i] = string.format('{"code":"%s","siteId":"LOAD001","documentNo":"C%d-%d-%d","lineNo":%d}',
      code, run, tid, counter, i)
  end
  return wrk.format("POST", "/api/v1/scans", nil, '{"scans":[' .. table.concat(parts, ",") .. ']}')
end

done = function(summary, latency, requests)
  local ok = summary.requests - summary.errors.status
  io.write(string.format("stored_scans %d seconds %.2f non2xx %d p50_ms %.1f p99_ms %.1f\n", ok * batch,
    summary.duration / 1e6, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
