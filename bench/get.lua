-- wrk: GET, counting status codes. usage: wrk ... -s get.lua URL
threads = {}
codes = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body) codes[status] = (codes[status] or 0) + 1 end
done = dofile(os.getenv("BENCH_DIR") .. "/report.lua")
