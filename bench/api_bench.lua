-- wrk script of bench/api_bench.py: signs every request, sends an optional
-- JSON body, counts responses outside 2xx and prints one JSON line at the
-- end. Arguments after "--": METHOD [TOKEN [BODY]] (an empty TOKEN sends no
-- Authorization header).

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   non_2xx = 0
   wrk.method = args[1] or "GET"
   if args[2] and args[2] ~= "" then
      wrk.headers["Authorization"] = "Bearer " .. args[2]
   end
   if args[3] and args[3] ~= "" then
      wrk.headers["Content-Type"] = "application/json"
      wrk.body = args[3]
   end
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non_2xx = non_2xx + 1
   end
end

function done(summary, latency, requests)
   local bad = 0
   for _, thread in ipairs(threads) do
      bad = bad + thread:get("non_2xx")
   end
   local errors = summary.errors
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
      '"non_2xx": %d, "socket_errors": %d}\n',
      summary.requests, summary.duration, latency:percentile(50),
      latency:percentile(99), bad,
      errors.connect + errors.read + errors.write + errors.timeout))
end
