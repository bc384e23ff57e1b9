-- wrk script for bench/run.py. Reads what to send from the environment:
--   BENCH_METHOD (GET or POST), BENCH_PATH, BENCH_COOKIE, BENCH_TOKEN (a bearer token),
--   BENCH_LESSON (for POST /api/v1/progress: "course/lesson").
-- A POST sends one progress event with an id of its own, as a phone would.
-- At the end it prints one line of JSON: requests per second, latency percentiles (ms), errors.

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local lesson = os.getenv("BENCH_LESSON") or ""
local counter = 0
local threads = {}

wrk.headers["Accept-Encoding"] = "gzip"
if os.getenv("BENCH_COOKIE") and os.getenv("BENCH_COOKIE") ~= "" then
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
end
if os.getenv("BENCH_TOKEN") and os.getenv("BENCH_TOKEN") ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + (id or 0))
  prefix = "w" .. tostring(id or 0) .. "-" .. tostring(math.random(1, 1000000000))
end

function request()
  if method == "POST" then
    counter = counter + 1
    local body = '{"events":[{"id":"' .. prefix .. "-" .. counter .. '","lesson":"' .. lesson .. '","type":"viewed"}]}'
    local headers = {["Content-Type"] = "application/json"}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    return wrk.format("POST", path, headers, body)
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1000000
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "errors": %d, "non_2xx": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors, summary.errors.status))
end
