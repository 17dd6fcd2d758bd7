-- wrk script for bench/deploy_load.py.
--
-- Pacing: with BENCH_DELAY_MS > 0 each connection waits a random 0..2*D ms (mean D) after a
-- response before it sends the next request, so C connections offer about C / (D + latency)
-- requests per second. wrk's delay() takes whole milliseconds, so the wait is rounded up or
-- down at random in proportion (its mean stays D even when D is 1.3 ms). Without
-- BENCH_DELAY_MS (or 0) there is no delay() and wrk runs flat out.
--
-- Result: done() prints one line "DEPLOY_LOAD key=value ..." with the request count, the
-- run's duration and latencies (p50, p99, p99.9, max) in microseconds, and the error counts
-- (status = responses that were not 2xx or 3xx).
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

function init(args)
    math.randomseed(os.time())
end

if delay_ms > 0 then
    function delay()
        local wait = math.random() * 2 * delay_ms
        local whole = math.floor(wait)
        if math.random() < wait - whole then
            whole = whole + 1
        end
        return whole
    end
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "DEPLOY_LOAD requests=%d duration_us=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d "
            .. "connect=%d read=%d write=%d timeout=%d status=%d\n",
        summary.requests, summary.duration,
        math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
        math.floor(latency:percentile(99.9)), latency.max,
        e.connect, e.read, e.write, e.timeout, e.status
    ))
end
