-- wrk: the public inquiry form, sent from many addresses. Each request names a new
-- client address in X-Forwarded-For (the server trusts 127.0.0.1 to give it), so no
-- address passes the form's own limit (5 a minute): what is measured is the form
-- itself, before the limits. The body comes as the script's argument.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "latency.lua")

local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  body = args[1]
  sent = 0
end

request = function()
  sent = sent + 1
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", id % 256,
    math.floor(sent / 256) % 256, sent % 256)
  return wrk.format("POST", nil, nil, body)
end
