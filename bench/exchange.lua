-- wrk: the authorization_code grant (RFC 6749 §4.1.3 with PKCE), each request spending the next unused code
-- of CODES_FILE (codes are single-use: thread i takes every n-th one from i). Basic client authentication.
-- usage: wrk ... -s exchange.lua URL -- CLIENT_ID CLIENT_SECRET CODE_VERIFIER REDIRECT_URI
threads = {}
codes = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local b64 = dofile(os.getenv("BENCH_DIR") .. "/base64.lua")

local function escape(s) return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end)) end

function init(args)
  local step = tonumber(os.getenv("BENCH_THREADS"))
  mine = {}
  local i = 0
  for line in io.lines(os.getenv("CODES_FILE")) do
    if i % step == index then mine[#mine + 1] = line end
    i = i + 1
  end
  next_code = 1
  headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic " .. b64(args[1] .. ":" .. args[2]),
  }
  tail = "&code_verifier=" .. escape(args[3]) .. "&redirect_uri=" .. escape(args[4])
end

function request()
  -- Past the last code the last one is sent again: refused, and counted as non-2xx in the report.
  local code = mine[math.min(next_code, #mine)] or ""
  next_code = next_code + 1
  return wrk.format("POST", nil, headers, "grant_type=authorization_code&code=" .. code .. tail)
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

done = dofile(os.getenv("BENCH_DIR") .. "/report.lua")
