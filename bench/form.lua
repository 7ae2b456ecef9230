-- wrk: POST a fixed form body with HTTP Basic client authentication (OAuth 2.0 endpoints).
-- usage: wrk ... -s form.lua URL -- BODY_FILE CLIENT_ID CLIENT_SECRET
codes = {}
threads = {}

function setup(thread) table.insert(threads, thread) end

local b64 = dofile(os.getenv("BENCH_DIR") .. "/base64.lua")

function init(args)
  local f = assert(io.open(args[1], "r"))
  wrk.body = f:read("*a"):gsub("%s+$", "")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. b64(args[2] .. ":" .. args[3])
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

done = dofile(os.getenv("BENCH_DIR") .. "/report.lua")
