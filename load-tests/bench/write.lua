-- wrk script: PUT <prefix><n> with a fresh random value. Each wrk thread walks its own block of
-- paths in order (thread i: [i*size, (i+1)*size) with size = ceil(paths / threads)), so that once
-- every thread has made `size` requests, every path has a version (read.lua then finds them all).
-- wrk ... -s write.lua <url> -- <token> <paths> <prefix> <threads> [start]
-- start (default 0): where each thread's walk begins in its block, so that a run carries on where the
-- previous one stopped. At the end it also prints `wrk-walk min_count=<n>`: the fewest requests any
-- thread made in this run.
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua"
local report = require("report")

local token, paths, prefix, size, start
local threads = {}
counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  token, paths, prefix = args[1], tonumber(args[2]), args[3]
  local nthreads = tonumber(args[4])
  size = math.ceil(paths / nthreads)
  start = tonumber(args[5] or "0")
  math.randomseed(os.time() * 1000 + (id or 0))
end

local hex = "0123456789abcdef"
local function value()
  local t = {}
  for i = 1, 32 do
    local k = math.random(1, 16)
    t[i] = hex:sub(k, k)
  end
  return table.concat(t)
end

function request()
  local n = (id or 0) * size + (start + counter) % size
  if n >= paths then
    n = (start + counter) % paths -- the last block is short: wrap into the paths that exist
  end
  counter = counter + 1
  return wrk.format("PUT", prefix .. n,
    { ["X-Vault-Token"] = token, ["Content-Type"] = "application/json" },
    '{"data":{"value":"' .. value() .. '","n":' .. n .. '}}')
end

function done(summary, latency, requests)
  report.done(summary, latency, requests)
  local least
  for _, t in ipairs(threads) do
    local c = t:get("counter") or 0
    if least == nil or c < least then least = c end
  end
  io.write(string.format("wrk-walk min_count=%d\n", least or 0))
end
