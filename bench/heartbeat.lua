-- wrk script: POST /api/agents/<slug>/heartbeat as the agent itself.
--
--   NEXUS_BENCH_SLUG=bench-1a2b NEXUS_BENCH_TOKEN=nxa_... \
--     wrk -t2 -c64 -d20s --latency -s bench/heartbeat.lua http://127.0.0.1:4260
--
-- bench/run registers the agent, issues the token and sets both variables.
-- The token comes from the environment (never the command line, where ps
-- would show it). At the end, responses that were not 2xx are reported by
-- status; wrk's own "Non-2xx or 3xx responses" line would count 3xx as fine.

local function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then
    -- wrk only prints a load error and then benchmarks GET / anyway: stop.
    io.stderr:write("heartbeat.lua: " .. name .. " is not set (see bench/README.md)\n")
    os.exit(2)
  end
  return v
end

local slug  = env("NEXUS_BENCH_SLUG")
local token = env("NEXUS_BENCH_TOKEN")

wrk.method = "POST"
wrk.path   = "/api/agents/" .. slug .. "/heartbeat"
wrk.body   = '{"status":"ok","version":"bench"}'
wrk.headers["Content-Type"]  = "application/json"
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
  io.write(string.format("heartbeat responses: %d, non-2xx: %d", total, bad))
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
