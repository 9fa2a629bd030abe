-- PUT /api/comments/<id>/vote from many voters on a few hot comments: every request is a
-- new voter (X-Voter-Token varies per request), up or down, round-robin over the comments.
-- wrk -s vote.lua URL -- <origin> <run nonce> <comment id> [<comment id> ...]
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local origin, nonce
local ids = {}
local counter = 0

function init(args)
   origin, nonce = args[1], args[2]
   for i = 3, #args do
      ids[#ids + 1] = args[i]
   end
end

function request()
   counter = counter + 1
   local id = ids[counter % #ids + 1]
   local value = (counter % 3 == 0) and -1 or 1
   return wrk.format("PUT", "/api/comments/" .. id .. "/vote", {
      ["Content-Type"] = "application/json",
      ["Origin"] = origin,
      ["X-Voter-Token"] = string.format("bench-%s-%d-%010d", nonce, thread_number, counter),
   }, string.format('{"value":%d}', value))
end
