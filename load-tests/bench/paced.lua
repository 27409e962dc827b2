-- wrk script: read.lua with a pause before each request, to hold the load below the peak.
-- wrk ... -s paced.lua <url> -- <token> <paths> <prefix> <meanDelayMs>
-- meanDelayMs may be fractional: wrk's delay() takes whole milliseconds, so the fraction becomes the
-- chance of one more millisecond. With c connections and a mean latency L (ms), the rate is about
-- c / (L + meanDelayMs) per millisecond.
local dir = debug.getinfo(1, "S").source:match("@(.*/)")
dofile(dir .. "read.lua")

local readInit = init
local wholeMs, extraChance = 0, 0

function init(args)
  readInit(args)
  local d = tonumber(args[4] or "0")
  wholeMs = math.floor(d)
  extraChance = d - wholeMs
end

function delay()
  return wholeMs + ((math.random() < extraChance) and 1 or 0)
end
