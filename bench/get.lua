-- wrk: GET, counting status codes. usage: wrk ... -s get.lua URL [-- HEADER_NAME HEADER_VALUE]
threads = {}
codes = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  if args[1] and args[2] then wrk.headers[args[1]] = args[2] end
end
function response(status, headers, body) codes[status] = (codes[status] or 0) + 1 end
done = dofile(os.getenv("BENCH_DIR") .. "/report.lua")
