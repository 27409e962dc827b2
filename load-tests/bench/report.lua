-- Shared by the wrk scripts of bench.sh: prints one machine-readable line at the end of a run.
--   wrk-result rps=<requests/s> mean_ms= p50_ms= p99_ms= p999_ms= requests= non2xx= socket_errors=
-- Latencies are wrk's: from writing a request to reading its whole response (microseconds inside).
local M = {}

function M.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "wrk-result rps=%.1f mean_ms=%.3f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f requests=%d non2xx=%d socket_errors=%d\n",
    summary.requests / seconds, latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout))
end

return M
