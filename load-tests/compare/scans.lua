-- wrk script for load-tests/compare.sh: POST /api/v1/scans with BATCH new codes of the registered product 8600001,
-- one site (SITE, LOAD001 unless set), every scan a first sale (or of TYPE, as load-tests/returns/run.sh's RETURNs).
-- Counts only 2xx answers as stored. Env: KEY, BATCH, RUN, SERIALS, SITE, TYPE, CODE.
-- CODE: every scan of that one code instead (load-tests/returns/run.sh's RETURNs of a box the site never sold).
-- SERIALS=random (default) scatters each code's last 8 digits over their range (a bijection of the counter, so codes
-- never repeat), as randomised pack serials do; SERIALS=sequential counts up (the order of earlier rounds).
local counter = 0
local threads = {}
local batch = tonumber(os.getenv("BATCH") or "100")
local key = os.getenv("KEY") or "load-test-admin-key"
local run = tonumber(os.getenv("RUN") or "1")
local random = (os.getenv("SERIALS") or "random") == "random"
local site = os.getenv("SITE") or "LOAD001"
-- left out unless set: the bodies of earlier measurements stay byte for byte
local typeField = os.getenv("TYPE") and string.format('"type":"%s",', os.getenv("TYPE")) or ""
local fixedCode = os.getenv("CODE")

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
    -- 20 digits: product 8600001, then run (3), thread (2), serial (8). 48271 is prime to 10^8, so n -> n * 48271
    -- mod 10^8 is a bijection; the product stays below 2^53 (LuaJIT's exact integers) for every counter under 10^8.
    local serial = counter
    if random then
      serial = (counter * 48271) % 100000000
    end
    local code = fixedCode or string.format("8600001%03d%02d%08d", run % 1000, tid, serial)
    parts[i] = string.format('{"code":"%s",%s"siteId":"%s","documentNo":"C%d-%d-%d","lineNo":%d}',
      code, typeField, site, run, tid, counter, i)
  end
  return wrk.format("POST", "/api/v1/scans", nil, '{"scans":[' .. table.concat(parts, ",") .. ']}')
end

done = function(summary, latency, requests)
  local ok = summary.requests - summary.errors.status
  io.write(string.format("stored_scans %d seconds %.2f non2xx %d p50_ms %.1f p99_ms %.1f\n", ok * batch,
    summary.duration / 1e6, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end

-- THINK_MS (0): a pause before each request on a connection, for a load below the saturation rate
local think = tonumber(os.getenv("THINK_MS") or "0")
if think > 0 then
  function delay()
    return think
  end
end
