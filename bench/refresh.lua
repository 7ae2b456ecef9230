-- wrk: refresh-token rotation. Each thread holds a pool of live refresh tokens (one per connection);
-- a request takes one, its response gives back the successor, so no token is ever sent twice.
-- wrk calls request() once per thread before the run (and sends nothing), so each thread needs one
-- token more than it has connections: run.sh makes CONNS + THREADS chains.
-- usage: wrk ... -s refresh.lua URL -- TOKENS_FILE PROJECT_KEY
threads = {}
local counter = 0
codes = {}
pool = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local all = {}
  for line in io.lines(args[1]) do table.insert(all, line) end
  -- Thread i takes every n-th token so threads never share one.
  local n = tonumber(os.getenv("BENCH_THREADS") or "2")
  for i = id, #all, n do table.insert(pool, all[i]) end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["x-project-key"] = args[2]
end

function request()
  local token = table.remove(pool)
  if token == nil then token = "exhausted" end
  return wrk.format(nil, nil, nil, '{"refreshToken":"' .. token .. '"}')
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  local token = body:match('"refreshToken":"([^"]+)"')
  if token then table.insert(pool, token) end
end

done = dofile(os.getenv("BENCH_DIR") .. "/report.lua")
