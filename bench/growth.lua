-- wrk script for bench/growth: requests that rotate among many tokens and
-- paths, so that a run touches as many rows (and misses the workers' token
-- cache as often) as a studio of that size would.
--
--   NEXUS_BENCH_METHOD   GET or POST (default GET)
--   NEXUS_BENCH_BODY     request body (JSON), optional
--   NEXUS_GROWTH_TOKENS  file of "slug token" lines: each request picks one at
--                        random and "{slug}" in the path becomes its slug
--   NEXUS_BENCH_TOKEN    one token for every request (when no token file)
--   NEXUS_GROWTH_PATHS   file of paths, one a line, picked at random
--   NEXUS_BENCH_PATH     one path (when no path file)
--   NEXUS_BENCH_ACCEPT   Accept header, optional
--
-- Tokens come from a file or the environment, never the command line. done()
-- prints one line "growth: rps=... p50_ms=... p99_ms=... requests=...
-- non2xx=... socket_errors=..." for bench/growth to parse.

local function lines(name)
  local out = {}
  local f = io.open(name, "r")
  if not f then
    io.stderr:write("growth.lua: cannot read " .. name .. "\n")
    os.exit(2)
  end
  for line in f:lines() do
    if line ~= "" then table.insert(out, line) end
  end
  f:close()
  return out
end

local method = os.getenv("NEXUS_BENCH_METHOD") or "GET"
local body = os.getenv("NEXUS_BENCH_BODY")
local accept = os.getenv("NEXUS_BENCH_ACCEPT")
local tokenFile = os.getenv("NEXUS_GROWTH_TOKENS")
local pathFile = os.getenv("NEXUS_GROWTH_PATHS")
local oneToken = os.getenv("NEXUS_BENCH_TOKEN")
local onePath = os.getenv("NEXUS_BENCH_PATH")

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local slugs, tokens, paths

function init(args)
  responses, errors = 0, 0
  math.randomseed(os.time() * 1000 + (id or 0))
  slugs, tokens = {}, {}
  if tokenFile and tokenFile ~= "" then
    for _, line in ipairs(lines(tokenFile)) do
      local slug, token = line:match("^(%S+)%s+(%S+)$")
      if slug then
        table.insert(slugs, slug)
        table.insert(tokens, token)
      end
    end
  elseif oneToken and oneToken ~= "" then
    slugs, tokens = {""}, {oneToken}
  else
    io.stderr:write("growth.lua: set NEXUS_GROWTH_TOKENS or NEXUS_BENCH_TOKEN\n")
    os.exit(2)
  end
  if pathFile and pathFile ~= "" then
    paths = lines(pathFile)
  elseif onePath and onePath ~= "" then
    paths = {onePath}
  else
    io.stderr:write("growth.lua: set NEXUS_GROWTH_PATHS or NEXUS_BENCH_PATH\n")
    os.exit(2)
  end
end

function request()
  local i = math.random(#tokens)
  local path = paths[math.random(#paths)]:gsub("{slug}", slugs[i])
  local headers = {["Authorization"] = "Bearer " .. tokens[i]}
  if accept and accept ~= "" then headers["Accept"] = accept end
  if body and body ~= "" then headers["Content-Type"] = "application/json" end
  return wrk.format(method, path, headers, (body ~= "" and body) or nil)
end

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local total, bad = 0, 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("responses") or 0)
    bad = bad + (thread:get("errors") or 0)
  end
  local e = summary.errors
  io.write(string.format("growth: rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d non2xx=%d socket_errors=%d\n",
                         summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000, total, bad,
                         e.connect + e.read + e.write + e.timeout))
end
