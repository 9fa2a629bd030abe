-- Shared by every case: numbers wrk's threads (thread_number, for distinct request
-- bodies) and prints one JSON line of results after the run, which run.py parses.
threads_started = 0  -- main state only: numbers the threads

function setup(thread)
   threads_started = threads_started + 1
   thread:set("thread_number", threads_started)
end

-- Latencies are in microseconds; "errors" counts socket errors and HTTP statuses >= 400.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
      '"max_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      latency.max, e.connect, e.read, e.write, e.timeout, e.status))
end
