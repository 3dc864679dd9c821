-- wrk: post comments through the real server function. BENCH_HOT_CASE set: every
-- request on that one case; unset: a random case of BENCH_CASES. Each body carries
-- BENCH_RUN so the run's comments can be counted afterwards (nothing lost, nothing
-- doubled).
dofile("bench/latency.lua")

local hot = tonumber(os.getenv("BENCH_HOT_CASE") or "")
local cases = tonumber(os.getenv("BENCH_CASES") or "1")
local run = os.getenv("BENCH_RUN") or "run"
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  math.randomseed(os.time() + (tid or 0))
end

function request()
  counter = counter + 1
  local number = hot or math.random(1, cases)
  local body = "number=" .. number .. "&body=" .. run .. "-" .. (tid or 0) .. "-" .. counter
  -- wrk.format's header table replaces the -H headers, so carry them over.
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  for name, value in pairs(wrk.headers) do headers[name] = value end
  return wrk.format("POST", "/api/case/comment", headers, body)
end
