-- GET the URL given to wrk, with the headers given by -H; only adds the report.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
