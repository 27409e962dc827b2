-- wrk script: PUT <prefix><n> with a fresh random value, walking n through [0, paths) so that a run
-- of at least <paths> requests writes every path once (read.lua then finds them all).
-- wrk ... -s write.lua <url> -- <token> <paths> <prefix> <threads> [start]
-- start (default 0): where the walk begins, so that a run carries on where the previous one stopped.
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua"
local report = require("report")

local token, paths, prefix, stride
local threads = 0
local counter = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  token, paths, prefix, stride = args[1], tonumber(args[2]), args[3], tonumber(args[4])
  counter = math.floor(tonumber(args[5] or "0") / stride)
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
  local n = ((id or 0) + stride * counter) % paths
  counter = counter + 1
  return wrk.format("PUT", prefix .. n,
    { ["X-Vault-Token"] = token, ["Content-Type"] = "application/json" },
    '{"data":{"value":"' .. value() .. '","n":' .. n .. '}}')
end

done = report.done
