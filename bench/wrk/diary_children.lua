-- POST a drink to the diaries of BENCH_PATHS (comma-separated), each connection's
-- requests walking the children from its own offset, each with its own
-- Idempotency-Key; counts the answers by status; done() prints JSON lines.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  sequence = 0
  paths = {}
  for p in string.gmatch(os.getenv("BENCH_PATHS"), "[^,]+") do
    table.insert(paths, p)
  end
  body = os.getenv("BENCH_BODY")
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
    ["X-Device-Token"] = os.getenv("BENCH_DEVICE"),
  }
end

function request()
  sequence = sequence + 1
  local path = paths[((id * 7 + sequence) % #paths) + 1]
  headers["Idempotency-Key"] = string.format("bench-%d-%d-%d", os.time(), id, sequence)
  return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, resp_body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  io.write(string.format('STATUSES {%s}\n', table.concat(parts, ", ")))
end
