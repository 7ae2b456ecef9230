-- wrk: POST a fixed JSON body. usage: wrk ... -s post.lua URL -- BODY_FILE PROJECT_KEY
codes = {}
threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  local f = assert(io.open(args[1], "r"))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] then wrk.headers["x-project-key"] = args[2] end
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

done = dofile(os.getenv("BENCH_DIR") .. "/report.lua")
