-- The wrk script of every bench/run.py load run.
--
-- Tail latency: done() prints one line with p50/p99/p99.9/max in microseconds, since wrk's
-- --latency prints only 50/75/90/99 %. bench/run.py parses the "bench-latency-us" line.
--
-- Paced load (Debian has no wrk2), when BENCH_DELAY_MS is set: after each response a
-- connection waits a random 0..2*D ms (mean D) before sending the next request, so C
-- connections offer about C / (D + latency) requests per second; bench/run.py picks C for the
-- rate it wants. Random waits keep the connections from moving in lock-step.
local mean_delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

if mean_delay_ms > 0 then
    function init(args)
        math.randomseed(os.time())
    end

    function delay()
        return math.random(0, 2 * mean_delay_ms)
    end
end

function done(summary, latency, requests)
    io.write(string.format(
        "bench-latency-us p50=%d p99=%d p99.9=%d max=%d\n",
        latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max
    ))
end
