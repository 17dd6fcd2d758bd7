-- Paced load for wrk (Debian has no wrk2). After each response a connection waits a random
-- 0..2*D ms (mean D, D from the BENCH_DELAY_MS environment variable) before sending the next
-- request, so C connections offer about C / (D + latency) requests per second; bench/run.py
-- picks C for the rate it wants. Random waits keep the connections from moving in lock-step.
local mean_delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "5")

function init(args)
    math.randomseed(os.time())
end

function delay()
    return math.random(0, 2 * mean_delay_ms)
end
