-- wrk: GET /oauth2/authorize with a signed-in browser's SSO cookie; every 302 carries a fresh code, which
-- `done` writes, one per line, to CODES_FILE for exchange.lua.
-- usage: wrk ... -s authorize.lua URL -- COOKIE CODES_FILE
threads = {}
codes = {}
issued = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  wrk.headers["Cookie"] = args[1]
  out = args[2]
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  local location = headers["location"] or headers["Location"]
  local code = location and location:match("[?&]code=([^&]+)")
  if code then issued[#issued + 1] = code end
end

local report = dofile(os.getenv("BENCH_DIR") .. "/report.lua")

function done(summary, latency, requests)
  local f = assert(io.open(os.getenv("CODES_FILE"), "w"))
  for _, t in ipairs(threads) do
    for _, code in ipairs(t:get("issued")) do f:write(code, "\n") end
  end
  f:close()
  report(summary, latency, requests)
end
