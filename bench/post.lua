-- POST /api/comments from a browser page: JSON body, Origin, a distinct text per request.
-- wrk -s post.lua URL -- <path with ?site=&url=> <origin>
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local path, origin
local counter = 0

function init(args)
   path, origin = args[1], args[2]
end

function request()
   counter = counter + 1
   local body = string.format(
      '{"text":"Benchmark comment %d.%d: the *keyset* page held up under load.",' ..
      '"author_name":"Load %d"}', thread_number, counter, thread_number)
   return wrk.format("POST", path, {
      ["Content-Type"] = "application/json",
      ["Origin"] = origin,
   }, body)
end
