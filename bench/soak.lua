-- Mixed traffic for the soak: 70 % thread reads (all sorts), 15 % posts, 15 % votes by a new
-- voter each. Acknowledged writes are counted from the responses (201 = stored comment,
-- a body with "my_vote" = stored vote) so soak.py can compare them with the database.
-- wrk -s soak.lua URL -- <list path> <post path> <origin> <nonce> <comment id> [...]
local list_path, post_path, origin, nonce
local ids = {}
local counter = 0
-- Globals, not locals: done() reads them from each thread with thread:get().
posted, voted, server_errors, other_errors = 0, 0, 0, 0
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_number", #threads)
end

function init(args)
   list_path, post_path, origin, nonce = args[1], args[2], args[3], args[4]
   for i = 5, #args do
      ids[#ids + 1] = args[i]
   end
end

local sorts = {"oldest", "newest", "votes"}

function request()
   counter = counter + 1
   local pick = counter % 20
   if pick < 3 then
      return wrk.format("POST", post_path, {
         ["Content-Type"] = "application/json", ["Origin"] = origin,
      }, string.format('{"text":"Soak comment %d.%d"}', thread_number, counter))
   elseif pick < 6 then
      return wrk.format("PUT", "/api/comments/" .. ids[counter % #ids + 1] .. "/vote", {
         ["Content-Type"] = "application/json", ["Origin"] = origin,
         ["X-Voter-Token"] = string.format("soak-%s-%d-%010d", nonce, thread_number, counter),
      }, '{"value":1}')
   end
   return wrk.format("GET", list_path .. "&sort=" .. sorts[counter % 3 + 1],
                     {["Origin"] = origin})
end

function response(status, headers, body)
   if status == 201 then
      posted = posted + 1
   elseif status == 200 and body:find('"my_vote"', 1, true) then
      voted = voted + 1
   elseif status >= 500 then
      server_errors = server_errors + 1
   elseif status >= 400 then
      other_errors = other_errors + 1
   end
end

function done(summary, latency, requests)
   local p, v, s, o = 0, 0, 0, 0
   for _, thread in ipairs(threads) do
      p = p + thread:get("posted")
      v = v + thread:get("voted")
      s = s + thread:get("server_errors")
      o = o + thread:get("other_errors")
   end
   local e = summary.errors
   io.write(string.format(
      'SOAK_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"posted":%d,' ..
      '"voted":%d,"status_5xx":%d,"status_4xx":%d,"socket_errors":%d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      p, v, s, o, e.connect + e.read + e.write + e.timeout))
end
