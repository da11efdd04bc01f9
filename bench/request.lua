-- wrk script: one authenticated request, the same every time.
--
--   NEXUS_BENCH_METHOD=POST NEXUS_BENCH_PATH=/api/agents/bench-1a2b/heartbeat \
--   NEXUS_BENCH_BODY='{"status":"ok"}' NEXUS_BENCH_TOKEN=nxa_... \
--     wrk -t2 -c64 -d20s --latency -s bench/request.lua http://127.0.0.1:4260
--
-- bench/run sets these variables for each scenario (heartbeat, secret-read).
-- The token comes from the environment (never the command line, where ps
-- would show it). At the end, responses that were not 2xx are reported by
-- status; wrk's own "Non-2xx or 3xx responses" line would count 3xx as fine.

local function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then
    -- wrk only prints a load error and then benchmarks GET / anyway: stop.
    io.stderr:write("request.lua: " .. name .. " is not set (see bench/README.md)\n")
    os.exit(2)
  end
  return v
end

local token = env("NEXUS_BENCH_TOKEN")
local body  = os.getenv("NEXUS_BENCH_BODY")

wrk.method = env("NEXUS_BENCH_METHOD")
wrk.path   = env("NEXUS_BENCH_PATH")
if body ~= nil and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
wrk.headers["Authorization"] = "Bearer " .. token

-- setup() and done() run in the main Lua state; init() and response() run in
-- each thread's own state. Counters live in the thread states as globals and
-- are collected with thread:get() in done().
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  responses = 0      -- all responses seen by this thread
  errors    = 0      -- responses whose status is not 2xx
  statuses  = {}     -- non-2xx status (as a string) -> count
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    errors = errors + 1
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total, bad, by_status = 0, 0, {}
  for _, thread in ipairs(threads) do
    total = total + (thread:get("responses") or 0)
    bad   = bad   + (thread:get("errors") or 0)
    for code, n in pairs(thread:get("statuses") or {}) do
      by_status[code] = (by_status[code] or 0) + n
    end
  end

  local codes = {}
  for code in pairs(by_status) do table.insert(codes, code) end
  table.sort(codes)

  io.write("------------------------------------------------------------\n")
  io.write(string.format("responses: %d, non-2xx: %d", total, bad))
  if total > 0 then
    io.write(string.format(" (%.3f%%)", 100 * bad / total))
  end
  io.write("\n")
  for _, code in ipairs(codes) do
    io.write(string.format("  status %s: %d\n", code, by_status[code]))
  end
  local e = summary.errors
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
                         e.connect, e.read, e.write, e.timeout))
end
