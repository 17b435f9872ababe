-- wrk script: each request picks a user path and a token at random from the files that
-- bench/load.sh writes, and the run ends by printing one JSON line of results.

local paths = {}
local tokens = {}

local function read_lines(path, into)
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    if #line > 0 then into[#into + 1] = line end
  end
  file:close()
end

function init(args)
  read_lines(args[1], paths)
  read_lines(args[2], tokens)
  math.randomseed(os.time() + math.random(1000000))
end

function request()
  local path = paths[math.random(#paths)]
  local token = tokens[math.random(#tokens)]
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests":%d,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
