-- wrk: the soak's mixed load. Per request, by weight: 40% POST /v2/auth/verify of an access token, 40%
-- OAuth introspection of it (HTTP Basic client authentication), 15% a refresh from this thread's pool of
-- live refresh tokens (each response gives the successor back, as refresh.lua), 5% a Classic password login
-- of one of USERS accounts named USERNAME1…USERNAMEn (one account for all would trip the brute-force
-- guard's bound on concurrent attempts, by design). A thread whose refresh pool is momentarily empty
-- verifies instead.
-- usage: wrk ... -s mixed.lua BASE -- SETUP_FILE
-- SETUP_FILE lines: PROJECT_KEY, TENANT_ID, CLIENT_ID, CLIENT_SECRET, ACCESS_TOKEN, USERNAME, PASSWORD,
-- USERS, then one refresh token per line (soak.sh makes CONNS + THREADS of them).
threads = {}
codes = {}
pool = {}
local counter = 0
local b64 = dofile(os.getenv("BENCH_DIR") .. "/base64.lua")

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local verify, introspect, logins, refreshHeaders

function init(args)
  local lines = {}
  for line in io.lines(args[1]) do table.insert(lines, line) end
  local pk, tid, cid, secret, access, user, password, users = (table.unpack or unpack)(lines, 1, 8)
  local n = tonumber(os.getenv("BENCH_THREADS") or "2")
  for i = 8 + id, #lines, n do table.insert(pool, lines[i]) end
  local json = { ["Content-Type"] = "application/json", ["x-project-key"] = pk }
  verify = wrk.format("POST", "/v2/auth/verify", json, '{"authToken":"' .. access .. '"}')
  introspect = wrk.format("POST", "/t/" .. tid .. "/oauth2/introspect",
    { ["Content-Type"] = "application/x-www-form-urlencoded", ["Authorization"] = "Basic " .. b64(cid .. ":" .. secret) },
    "token=" .. access)
  logins = {}
  for i = 1, tonumber(users) do
    table.insert(logins, wrk.format("POST", "/api/v1/auth/login", json,
      '{"username":"' .. user .. i .. '","password":"' .. password .. '"}'))
  end
  refreshHeaders = json
  math.randomseed(os.time() + id)
end

function request()
  local roll = math.random(100)
  if roll <= 40 then return verify end
  if roll <= 80 then return introspect end
  if roll <= 95 then
    local token = table.remove(pool)
    if token == nil then return verify end
    return wrk.format("POST", "/v2/auth/refresh", refreshHeaders, '{"refreshToken":"' .. token .. '"}')
  end
  return logins[math.random(#logins)]
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  -- A refresh's answer carries accessToken; a Classic login's (token, refreshToken) is not this pool's.
  if body:find('"accessToken"', 1, true) then
    local token = body:match('"refreshToken":"([^"]+)"')
    if token then table.insert(pool, token) end
  end
end

done = dofile(os.getenv("BENCH_DIR") .. "/report.lua")
