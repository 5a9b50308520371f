-- wrk script: POST /api/v1/scans with batches of BATCH unique CN20 sales spread over SITES sites.
-- Every request carries new codes (thread number + counter) of the run's own product (CN20 prefix 89 + the run
-- number, which run.sh registers), so every scan is a real first sale of a catalogued box that the ledger judges
-- and PostgreSQL stores; REPEAT_PCT percent of the scans re-sell an earlier code at another site instead.
-- Usage: see run.sh (it sets KEY, BATCH, SITES, REPEAT_PCT, RUN through the environment).

local counter = 0
local threads = {}
local batch = tonumber(os.getenv("BATCH") or "100")
local sites = tonumber(os.getenv("SITES") or "20")
local repeatPct = tonumber(os.getenv("REPEAT_PCT") or "0")
local key = os.getenv("KEY") or "load-test-admin-key"
-- Codes and documents differ per run, so a second run sells new boxes instead of re-sending the first run's scans
-- (set RUN to a previous run's value to measure a retry storm: every scan is then a re-send).
local run = tonumber(os.getenv("RUN") or tostring(os.time() % 100000)) % 100000

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(tid * 7919)
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. key
end

local function code(n)
  -- 20 digits: the product "89" + 5-digit run, then the serial: 2-digit thread + 11-digit counter
  return string.format("89%05d%02d%011d", run, tid % 100, n)
end

request = function()
  local parts = {}
  for i = 1, batch do
    counter = counter + 1
    local n = counter
    local site = (n % sites) + 1
    if repeatPct > 0 and counter > batch and math.random(100) <= repeatPct then
      n = counter - batch - math.random(0, batch - 1)
      site = ((n + 7) % sites) + 1
    end
    parts[i] = string.format(
      '{"code":"%s","siteId":"LOAD%03d","documentNo":"W%d-%d-%d","lineNo":%d,"settlementId":"S%d"}',
      code(n), site, run, tid, counter, i, counter)
  end
  return wrk.format("POST", "/api/v1/scans", nil, '{"scans":[' .. table.concat(parts, ",") .. ']}')
end

done = function(summary, latency, requests)
  local scans = summary.requests * batch
  io.write(string.format("scans/s: %.0f (%d requests of %d scans in %.1f s, %d errors, %d non-2xx)\n",
    scans / (summary.duration / 1e6), summary.requests, batch, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
  io.write(string.format("latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
