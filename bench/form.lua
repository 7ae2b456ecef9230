-- wrk: POST a fixed form body with HTTP Basic client authentication (OAuth 2.0 endpoints).
-- usage: wrk ... -s form.lua URL -- BODY_FILE CLIENT_ID CLIENT_SECRET
codes = {}
threads = {}

function setup(thread) table.insert(threads, thread) end

local function b64(data)
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  local out = {}
  for i = 1, #data, 3 do
    local a, b, c = data:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = 4 - (b and 0 or 1) - (c and 0 or 1)
    for j = 1, 4 do
      if j <= chars then
        local k = math.floor(n / 64 ^ (4 - j)) % 64
        out[#out + 1] = alphabet:sub(k + 1, k + 1)
      else
        out[#out + 1] = "="
      end
    end
  end
  return table.concat(out)
end

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
