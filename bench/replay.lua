-- Replays the requests listed in a spec file, in turn, and counts every response
-- whose status is not 200.
--
-- Usage: wrk ... -s replay.lua URL -- SPEC_FILE
-- Each line of SPEC_FILE is a path with its query string, then the headers, all
-- separated by tabs, such as "/v1/p/dev-servers/images<TAB>X-Auth-Token: abc".
-- done() prints one line "BENCH {json}" with the counts, the latency percentiles
-- and the latency histogram: [microseconds, samples] pairs, one per distinct value.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function parse_line(line)
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do
    table.insert(fields, field)
  end
  local path = table.remove(fields, 1)
  local headers = {}
  for _, field in ipairs(fields) do
    local name, value = string.match(field, "^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  return wrk.format("GET", path, headers)
end

function init(args)
  prepared = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      table.insert(prepared, parse_line(line))
    end
  end
  position = 0
  non200 = 0
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

-- Returns the latency histogram as a JSON array of [microseconds, samples] pairs,
-- the same samples that latency:percentile() reads.
-- latency(i) returns the i-th distinct value and its count, and wrk finds it by a
-- scan from the minimum, so the whole list takes the sum of each distinct value's
-- distance from the minimum in steps. On a 3 s run with 7,047 distinct values up
-- to 50 ms that was 4.9e7 steps and 34 ms of CPU. Stalls of a second or more would
-- make it take seconds, an estimate from the same rate.
local function histogram(latency)
  local entries = {}
  for i = 1, #latency do
    local value, count = latency(i)
    entries[i] = string.format("[%d,%d]", value, count)
  end
  return "[" .. table.concat(entries, ",") .. "]"
end

function done(summary, latency, totals)
  local rejected = 0
  for _, thread in ipairs(threads) do
    rejected = rejected + thread:get("non200")
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"non200":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"latency_us":%s}\n',
    summary.requests, summary.duration, summary.bytes, rejected, errors.connect,
    errors.read, errors.write, errors.timeout, latency:percentile(50),
    latency:percentile(99), latency.max, histogram(latency)))
end
