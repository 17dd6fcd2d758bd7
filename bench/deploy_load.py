"""Does managing a large API stall traffic to an unrelated one? (issue 13, "Done when")

    python bench/deploy_load.py [--workers 1] [--state sqlite|postgres] [--duration 10]
                                [--connections 8] [--rate R] [--resources 10000] [--route mock]

Starts a real ``frontgate serve`` (fresh data directory; ``--state postgres``: a fresh database
on the local PostgreSQL, dropped afterwards), imports and deploys a small unrelated API (``GET
/mock``, a MOCK integration, and ``GET /proxy``, HTTP_PROXY to a loopback nginx, when ``--route
proxy`` asks for it) and lifts the account throttle. Then wrk drives the unrelated route twice:

1. **idle**, ``--duration`` seconds: nothing else happens;
2. **loaded**: meanwhile a thread of this process, through boto3, imports an OpenAPI document
   with ``--resources`` resources (ImportRestApi), deploys it to stage ``big``, then loops in
   rounds: every resource paged with GetResources (``--limit`` 500), one GetExport (oas30) of
   the stage, ``--redeploys`` CreateDeployment calls. wrk runs until ``--duration`` is over
   and the first round is done, plus 1 s for the workers to load the last deployment (SIGINT;
   wrk then reports as usual), so that every kind of call is measured however slow it is; the
   admin load stops after the call in flight.

Each admin call is timed. wrk's Lua script (bench/templates/deploy_load.lua) reports p50, p99,
p99.9 and the maximum in microseconds. Pass/fail (issue 13):

* loaded p99 within 5 ms of idle p99, and no loaded request over 50 ms;
* paging all resources takes under 2 s (every walk during the run);
* no error and no non-2xx response in either phase;
* every kind of admin call started while wrk measured (fails only when ``--max-duration`` cut
  the loaded phase short).

Load shape (what a saturating wrk would measure is queueing, not stalls): ``--connections`` 8
(wrk ``-t1``), paced by a Lua ``delay()`` so that the route gets ``--rate`` requests/s, by
default half of the capacity measured by an unpaced warm-up. The wait per connection is set
from the rate and corrected once on a paced warm-up; the achieved rate is printed. wrk is
closed-loop: a stalled connection sends nothing, so a stall of S seconds costs at most
``--connections`` slow requests and p99 under-reports it (no coordinated-omission correction,
wrk2 is not packaged); the maximum does not. wrk's ``--timeout`` is 60 s so that a stall is a
latency, not an uncounted timeout. Nothing is pinned to a core: with ``--workers 2`` the
workers need both cores, and the admin work and wrk share them (say so with the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import run as bench  # bench/run.py: nginx upstream, others' CPU
from served import apigateway, openapi, start, state_store, stop

LUA = Path(__file__).resolve().parent / "templates" / "deploy_load.lua"
STAGE = "dev"  # the unrelated API's stage
BIG_STAGE = "big"  # the 10,000-resource API's stage
P99_DELTA_LIMIT_MS = 5.0
MAX_LIMIT_MS = 50.0
PAGING_LIMIT_S = 2.0


# --------------------------------------------------------------------------------------------
# wrk


@dataclass
class Load:
    """One wrk run's figures (latencies in ms)."""

    requests: int
    seconds: float
    p50: float
    p99: float
    p999: float
    max: float
    errors: int  # connect, read, write and timeout errors
    non_2xx: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Target:
    url: str
    host: str
    connections: int
    threads: int
    delay_ms: float = 0.0  # mean wait between requests per connection (0: flat out)


def wrk_command(target: Target, seconds: float) -> tuple[list[str], dict[str, str]]:
    cmd = ["wrk", f"-t{target.threads}", f"-c{target.connections}", f"-d{max(1, round(seconds))}s",
           "--latency", "--timeout", "60s", "-s", str(LUA), "-H", f"Host: {target.host}",
           target.url]  # fmt: skip
    return cmd, {**os.environ, "BENCH_DELAY_MS": f"{target.delay_ms:.3f}"}


def parse(text: str) -> Load:
    line = next((ln for ln in text.splitlines() if ln.startswith("DEPLOY_LOAD ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no DEPLOY_LOAD line:\n{text}")
    v = {k: int(val) for k, val in (kv.split("=") for kv in line.split()[1:])}
    return Load(
        requests=v["requests"],
        seconds=v["duration_us"] / 1e6,
        p50=v["p50_us"] / 1e3,
        p99=v["p99_us"] / 1e3,
        p999=v["p999_us"] / 1e3,
        max=v["max_us"] / 1e3,
        errors=v["connect"] + v["read"] + v["write"] + v["timeout"],
        non_2xx=v["status"],
    )


def start_wrk(target: Target, seconds: float) -> subprocess.Popen[str]:
    cmd, env = wrk_command(target, seconds)
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    bench.OUR_GROUPS.add(proc.pid)
    _WRK.append(proc)
    return proc


_WRK: list[subprocess.Popen[str]] = []  # stopped on the way out (Ctrl-C, errors)


def stop_wrk() -> None:
    for proc in _WRK:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def finish_wrk(proc: subprocess.Popen[str]) -> Load:
    stdout, stderr = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {stderr}{stdout}")
    return parse(stdout)


def run_wrk(target: Target, seconds: float) -> Load:
    return finish_wrk(start_wrk(target, seconds))


def pace(target: Target, rate: float, capacity: float, warmup: float) -> Target:
    """``target`` with the per-connection wait that offers about ``rate`` requests/s, given the
    route's unpaced ``capacity``: first estimated, then corrected once on a paced warm-up."""
    cycle_ms = 1000 * target.connections / rate  # per connection: wait + response time
    # Flat out, a connection's cycle is its response time (queueing included); paced, the
    # response time is shorter, so the wait is at least the difference.
    paced = replace(target, delay_ms=max(0.0, cycle_ms - 1000 * target.connections / capacity))
    if paced.delay_ms == 0:
        return paced  # asked for the capacity or more: flat out
    achieved = run_wrk(paced, warmup).rps
    overhead_ms = 1000 * target.connections / max(achieved, 1.0) - paced.delay_ms
    # A disturbed warm-up must not turn the pacing off (wrk flat out measures queueing).
    paced.delay_ms = max(paced.delay_ms / 2, cycle_ms - overhead_ms)
    return paced


# --------------------------------------------------------------------------------------------
# The admin load


@dataclass
class Call:
    name: str
    started: float  # time.monotonic()
    seconds: float
    detail: str = ""


@dataclass
class AdminLoad:
    """ImportRestApi and a first CreateDeployment, then rounds of a full GetResources walk, a
    GetExport and ``redeploys`` CreateDeployment calls, until told to stop (after at least one
    full round)."""

    client: Any
    resources: int
    limit: int
    redeploys: int
    stop: threading.Event = field(default_factory=threading.Event)
    calls: list[Call] = field(default_factory=list)
    walks: list[Call] = field(default_factory=list)
    rounds: int = 0
    first_round_done: float = 0.0  # time.monotonic() at the end of the first round
    error: BaseException | None = None

    def _timed(self, name: str, fn: Any, **kwargs: Any) -> Any:
        t0, m0 = time.perf_counter(), time.monotonic()
        out = fn(**kwargs)
        if "body" in out and hasattr(out["body"], "read"):
            out["body"] = out["body"].read()  # the export's transfer is part of the call
        self.calls.append(Call(name, m0, time.perf_counter() - t0))
        return out

    def _done(self) -> bool:
        return self.stop.is_set() and self.rounds > 0

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # reported by the main thread
            self.error = exc

    def _run(self) -> None:
        body = json.dumps(openapi(self.resources)).encode()
        api = self._timed("ImportRestApi", self.client.import_rest_api, body=body)
        api_id = api["id"]
        self._timed(
            "CreateDeployment (first)",
            self.client.create_deployment,
            restApiId=api_id,
            stageName=BIG_STAGE,
        )
        while True:  # the walk and the export first: the slow redeploys come last
            self._walk(api_id)
            if self._done():
                return
            out = self._timed(
                "GetExport (oas30)",
                self.client.get_export,
                restApiId=api_id,
                stageName=BIG_STAGE,
                exportType="oas30",
                accepts="application/json",
            )
            self.calls[-1].detail = f"{len(out['body']) / 1e6:.1f} MB"
            for _ in range(self.redeploys):
                if self._done():
                    return
                self._timed(
                    "CreateDeployment",
                    self.client.create_deployment,
                    restApiId=api_id,
                    stageName=BIG_STAGE,
                )
            self.rounds += 1
            self.first_round_done = self.first_round_done or time.monotonic()
            if self._done():
                return

    def _walk(self, api_id: str) -> None:
        seen: set[str] = set()
        position: str | None = None
        pages = 0
        t0, m0 = time.perf_counter(), time.monotonic()
        while True:
            kw = {"position": position} if position else {}
            out = self._timed(
                "GetResources (one page)",
                self.client.get_resources,
                restApiId=api_id,
                limit=self.limit,
                **kw,
            )
            pages += 1
            seen.update(r["id"] for r in out["items"])
            position = out.get("position")
            if not position:
                break
        if len(seen) != self.resources:
            raise RuntimeError(f"paged {len(seen)} resources, expected {self.resources}")
        walk = Call("GetResources (all pages)", m0, time.perf_counter() - t0, f"{pages} pages")
        self.walks.append(walk)


# --------------------------------------------------------------------------------------------
# The unrelated API


def unrelated_api(upstream_port: int | None) -> dict[str, Any]:
    doc = bench.openapi_document(upstream_port or 9, mock=True)
    if upstream_port is None:
        del doc["paths"]["/proxy"]
    doc["info"]["title"] = "unrelated"
    return doc


def wait_serving(url: str, host: str, timeout: float = 30.0) -> None:
    """Until ``url`` answers 200 twenty times in a row (every worker has the deployment)."""
    deadline = time.monotonic() + timeout
    good = 0
    while good < 20:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} (Host {host}) is not served after {timeout:.0f} s")
        req = urllib.request.Request(url, headers={"Host": host})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                good = good + 1 if resp.status == 200 else 0
        except OSError:
            good = 0
            time.sleep(0.1)


def lift_account_throttle(client: Any) -> None:
    """AWS's default account throttle (10,000 rps) would be measured, not the gateway."""
    rate = "10000000"
    client.update_account(
        patchOperations=[
            {"op": "replace", "path": "/throttleSettings/rateLimit", "value": rate},
            {"op": "replace", "path": "/throttleSettings/burstLimit", "value": rate},
        ]
    )


# --------------------------------------------------------------------------------------------
# Report


def describe(name: str, load: Load) -> str:
    return (
        f"  {name:<7} {load.rps:>8,.0f} req/s  p50 {load.p50:7.2f}  p99 {load.p99:7.2f}  "
        f"p99.9 {load.p999:7.2f}  max {load.max:8.2f} ms  ({load.requests} requests in "
        f"{load.seconds:.1f} s, "
        f"{load.errors} errors, {load.non_2xx} non-2xx)"
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(idle: Load, loaded: Load, admin: AdminLoad, window: tuple[float, float]) -> bool:
    print(describe("idle", idle))
    print(describe("loaded", loaded))
    delta = loaded.p99 - idle.p99
    print("admin calls (seconds; * = ended after wrk's window):")
    by_name: dict[str, list[Call]] = {}
    for call in [*admin.calls, *admin.walks]:
        by_name.setdefault(call.name, []).append(call)
    for name, calls in by_name.items():
        times = [c.seconds for c in calls]
        late = sum(1 for c in calls if c.started + c.seconds > window[1])
        detail = f"  {calls[-1].detail}" if calls[-1].detail else ""
        print(
            f"  {name:<26} n={len(calls):<3} min {min(times):6.2f}  median "
            f"{statistics.median(times):6.2f}  max {max(times):6.2f}"
            + (f"  ({late}*)" if late else "")
            + detail
        )
    walks = [w.seconds for w in admin.walks]
    unseen = [n for n, calls in by_name.items() if not any(c.started < window[1] for c in calls)]
    checks = [
        (
            "every kind of admin call ran while wrk measured"
            + (f" (not: {', '.join(unseen)}; use a longer --duration)" if unseen else ""),
            not unseen,
        ),
        (
            f"loaded p99 within {P99_DELTA_LIMIT_MS:.0f} ms of idle "
            f"({loaded.p99:.2f} - {idle.p99:.2f} = {delta:+.2f} ms)",
            delta <= P99_DELTA_LIMIT_MS,
        ),
        (
            f"no loaded request over {MAX_LIMIT_MS:.0f} ms (max {loaded.max:.2f} ms)",
            loaded.max <= MAX_LIMIT_MS,
        ),
        (
            f"paging all {admin.resources} resources under {PAGING_LIMIT_S:.0f} s "
            f"(slowest of {len(walks)} walks {max(walks):.2f} s)",
            max(walks) < PAGING_LIMIT_S,
        ),
        (
            f"no errors or non-2xx ({idle.errors + loaded.errors} errors, "
            f"{idle.non_2xx + loaded.non_2xx} non-2xx)",
            idle.errors + loaded.errors + idle.non_2xx + loaded.non_2xx == 0,
        ),
    ]
    for text, ok in checks:
        print(f"  {verdict(ok)}  {text}")
    passed = all(ok for _, ok in checks)
    print(f"deploy_load: {verdict(passed)}")
    return passed


# --------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--state", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="seconds of the idle phase; the loaded one lasts at least as long, and until one "
        "full admin round is done",
    )
    ap.add_argument(
        "--max-duration", type=float, default=300.0, help="cap on the loaded phase (seconds)"
    )
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1, help="wrk threads")
    ap.add_argument(
        "--rate",
        type=float,
        default=None,
        help="requests/s offered to the route (default: half of its measured capacity; "
        "0: unpaced, wrk flat out)",
    )
    ap.add_argument("--warmup", type=float, default=2.0, help="seconds per warm-up run")
    ap.add_argument("--resources", type=int, default=10_000)
    ap.add_argument("--limit", type=int, default=500, help="GetResources page size")
    ap.add_argument("--redeploys", type=int, default=3, help="CreateDeployment calls per round")
    ap.add_argument("--route", choices=["mock", "proxy"], default="mock")
    return ap.parse_args()


def main() -> int:
    args = parse_args()
    procs = bench.Processes()
    with (
        state_store(args.state) as state,
        tempfile.TemporaryDirectory(prefix="fg-deploy-load-") as tmp,
    ):
        workdir = Path(tmp)
        upstream_port = None
        served = None
        try:
            if args.route == "proxy":
                upstream_port = bench.free_port()
                cores = f"0-{(os.cpu_count() or 1) - 1}"
                bench.start_nginx(procs, workdir, "upstream.conf.tmpl", cores, port=upstream_port)
            served = start(workdir / "data", state, workers=args.workers)
            bench.OUR_GROUPS.add(served.proc.pid)
            client = apigateway(served.admin_port)
            lift_account_throttle(client)
            api = client.import_rest_api(body=json.dumps(unrelated_api(upstream_port)).encode())
            client.create_deployment(restApiId=api["id"], stageName=STAGE)
            host = f"{api['id']}.execute-api.localhost"
            url = f"http://127.0.0.1:{served.data_port}/{STAGE}/{args.route}"
            wait_serving(url, host)
            print(
                f"frontgate --workers {args.workers} --state {args.state} (request path "
                f"{served.mode}); wrk on GET /{STAGE}/{args.route}; {os.cpu_count()} cores, "
                f"nothing pinned"
            )
            target = Target(url, host, args.connections, args.threads)
            capacity = run_wrk(target, args.warmup).rps
            rate = capacity / 2 if args.rate is None else args.rate
            if rate > 0:
                target = pace(target, rate, capacity, args.warmup)
            print(
                f"route capacity (unpaced, c={args.connections}) {capacity:,.0f} req/s; offered "
                + (
                    f"{rate:,.0f} req/s (mean wait {target.delay_ms:.2f} ms per connection)"
                    if rate > 0
                    else "flat out"
                ),
                flush=True,
            )

            before, t0 = bench._cpu_by_pid(), time.monotonic()
            idle = run_wrk(target, args.duration)
            idle_others = bench.foreign_cpu(before, time.monotonic() - t0)

            admin = AdminLoad(client, args.resources, args.limit, args.redeploys)
            thread = threading.Thread(target=admin.run, name="admin-load", daemon=True)
            before, t0 = bench._cpu_by_pid(), time.monotonic()
            load = start_wrk(target, args.max_duration)
            thread.start()
            # wrk runs until --duration is over and a full admin round is done, plus a second
            # for the workers to load the last deployment (or until the admin load fails, or
            # --max-duration); SIGINT makes wrk stop and report as usual.
            while load.poll() is None and thread.is_alive():
                now = time.monotonic()
                if now - t0 >= args.duration and 0 < admin.first_round_done < now - 1:
                    break
                time.sleep(0.05)
            load.send_signal(signal.SIGINT)
            loaded = finish_wrk(load)
            window = (t0, time.monotonic())
            loaded_others = bench.foreign_cpu(before, window[1] - t0)
            admin.stop.set()
            thread.join()
            if admin.error is not None:
                raise admin.error
            print(f"others' CPU (% of one core): idle {idle_others}, loaded {loaded_others}")
            return 0 if report(idle, loaded, admin, window) else 1
        finally:
            stop_wrk()
            if served is not None:
                stop(served.proc)
            procs.stop_all()


if __name__ == "__main__":
    sys.exit(main())
