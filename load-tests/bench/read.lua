-- wrk script: GET <prefix><n> for a random n in [0, paths), with a token header.
-- wrk ... -s read.lua <url> -- <token> <paths> <prefix>
-- (paced.lua is the same with a pause before each request.)
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua"
local report = require("report")

local token, paths, prefix
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  token, paths, prefix = args[1], tonumber(args[2]), args[3]
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  return wrk.format("GET", prefix .. math.random(0, paths - 1), { ["X-Vault-Token"] = token })
end

done = report.done
