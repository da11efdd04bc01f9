-- wrk script: authenticated requests, one fixed request or a list rotated
-- through (one line per request).
--
-- One request, the same every time (bench/run):
--
--   NEXUS_BENCH_METHOD=POST NEXUS_BENCH_PATH=/api/agents/bench-1a2b/heartbeat \
--   NEXUS_BENCH_BODY='{"status":"ok"}' NEXUS_BENCH_TOKEN=nxa_... \
--     wrk -t2 -c64 -d20s --latency -s bench/request.lua http://127.0.0.1:4260
--
-- A list (bench/compare): NEXUS_BENCH_LIST names a file (mode 0600: it holds
-- tokens) with one line per request, "TOKEN PATH" ("-" as the token sends
-- no Authorization). Each thread walks the list from its own offset, so
-- consecutive requests use other tokens (a per-token cache is not hot on
-- one key). NEXUS_BENCH_METHOD and NEXUS_BENCH_BODY apply to every line.
--
-- Tokens come from the environment or that file, never the command line
-- (where ps would show them). At the end, responses that were not 2xx are
-- reported by status (wrk's own "Non-2xx or 3xx responses" line would count
-- 3xx as fine), then one "bench-result:" line that bench/compare reads.

local function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then
    -- wrk only prints a load error and then benchmarks GET / anyway: stop.
    io.stderr:write("request.lua: " .. name .. " is not set (see bench/README.md)\n")
    os.exit(2)
  end
  return v
end

local list_file = os.getenv("NEXUS_BENCH_LIST")
if list_file == "" then list_file = nil end
local body = os.getenv("NEXUS_BENCH_BODY")
if body == "" then body = nil end

wrk.method = env("NEXUS_BENCH_METHOD")
if body ~= nil then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

-- The list's lines as {token, path}; read in every Lua state (the main one
-- and each thread's), which is cheap for a few hundred lines.
local lines = {}
if list_file ~= nil then
  local f, err = io.open(list_file, "r")
  if f == nil then
    io.stderr:write("request.lua: cannot read NEXUS_BENCH_LIST: " .. tostring(err) .. "\n")
    os.exit(2)
  end
  for line in f:lines() do
    local token, path = line:match("^(%S+) (%S+)$")
    if token ~= nil then table.insert(lines, { token, path }) end
  end
  f:close()
  if #lines == 0 then
    io.stderr:write("request.lua: NEXUS_BENCH_LIST has no \"TOKEN PATH\" line\n")
    os.exit(2)
  end
  wrk.path = lines[1][2]
else
  wrk.path = env("NEXUS_BENCH_PATH")
  wrk.headers["Authorization"] = "Bearer " .. env("NEXUS_BENCH_TOKEN")
end

-- setup() and done() run in the main Lua state; init(), request() and
-- response() run in each thread's own state. Counters live in the thread
-- states as globals and are collected with thread:get() in done().
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local prepared = nil   -- this thread's formatted requests (list mode)
local next_index = 1

function init(args)
  responses = 0      -- all responses seen by this thread
  errors    = 0      -- responses whose status is not 2xx
  statuses  = {}     -- non-2xx status (as a string) -> count
  if #lines > 0 then
    prepared = {}
    for i, l in ipairs(lines) do
      local headers = { Host = wrk.headers["Host"] }
      if body ~= nil then headers["Content-Type"] = "application/json" end
      if l[1] ~= "-" then headers["Authorization"] = "Bearer " .. l[1] end
      prepared[i] = wrk.format(wrk.method, l[2], headers, body)
    end
    -- Threads start apart in the list (ids 1, 2... set by setup()), spread
    -- by the golden ratio so any thread count lands on distinct offsets.
    local tid = tonumber(id) or 1
    next_index = math.floor((tid - 1) * #prepared * 0.618034) % #prepared + 1
  end
end

if list_file ~= nil then
  function request()
    local r = prepared[next_index]
    next_index = next_index % #prepared + 1
    return r
  end
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
  -- For bench/compare: microseconds, whole numbers.
  io.write(string.format("bench-result: requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d"
                         .. " status503=%d\n",
                         summary.requests, summary.duration,
                         latency:percentile(50), latency:percentile(99), bad,
                         e.connect + e.read + e.write + e.timeout, by_status["503"] or 0))
end
