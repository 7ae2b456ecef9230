-- Shared wrk `done`: one RESULT line with rate, latency percentiles and non-2xx count.
return function(summary, latency, requests)
  local non2xx = summary.errors.status or 0
  local total = {}
  for _, t in ipairs(threads or {}) do
    local c = t:get("codes")
    if c then for k, v in pairs(c) do total[k] = (total[k] or 0) + v end end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, k .. "=" .. v) end
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d codes=%s\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    non2xx, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ",")))
end
