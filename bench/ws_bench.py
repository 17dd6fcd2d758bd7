"""Issue 16's WebSocket benchmark, side by side in one run. Run by hand (not in CI)::

    python bench/ws_bench.py [--duration 5] [--repeat 5] [--connections 16] [--depth 8]
                             [--idle 10000] [--skip rtt,memory,post]

Method (figures in docs/BENCHMARKS.md, "Issue 16 — WebSocket APIs"):

* The **gateway** (``frontgate serve --workers 1``, the tree's ``src``: compiled modules when
  built in place) and the **baseline**, bench/ws_echo.py (a wsproto echo server on uvloop), run
  pinned to core 0; the **load generator** (bench/ws_load.py: raw uvloop protocols, frames
  masked once and parsed by hand) runs in its own processes pinned to core 1.
* **Round trips**: ``connections`` clients each keep ``depth`` messages in flight through a
  MOCK ``$default`` route with a route response (the gateway) or the echo server, one after
  the other, ``repeat`` times interleaved; the ratio gateway/echo is taken per pair, by
  messages per second and by the servers' CPU time per message (/proc: robust to preemption
  by other work on a shared machine; the busiest gateway process is the worker).
* **Idle memory**: a freshly started gateway (same data dir), 200 connections opened and
  closed as a warm-up, then ``idle`` connections opened by four client processes (source
  addresses 127.0.0.2-5) and held idle; (RSS of the worker after - before) / ``idle``.
  Plain, with permessage-deflate negotiated, with a browser's handshake headers (Chrome's,
  which offer permessage-deflate too), and the same after one compressed message each way
  (the zlib state a chat client leaves behind).
* **@connections POST**: 4 connections receive (and count) what 32 HTTP/1.1 keep-alive
  clients POST to them with requests presigned once (SigV4, service execute-api, by an IAM
  user allowed ``execute-api:ManageConnections``) and replayed.

Prints a summary and one JSON line with every run's figures."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
SRC = BENCH.parent / "src"
GATEWAY_CORE, LOAD_CORE = "0", "1"
MESSAGE = '{"action":"bench","n":12345}'
ANSWER = '{"action":"bench","n":54321}'  # the route response: as long as the message
PROCS: list[subprocess.Popen[str]] = []


def _raise_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def start(cmd: list[str], core: str, **kwargs: Any) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        ["taskset", "-c", core, *cmd],
        text=True,
        start_new_session=True,
        preexec_fn=_raise_nofile,
        **kwargs,
    )
    PROCS.append(proc)
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if proc in PROCS:
        PROCS.remove(proc)


_PENDING: dict[int, str] = {}  # per process: output read but not yet split into lines


def read_until(proc: subprocess.Popen[str], pattern: str, timeout: float = 60) -> re.Match[str]:
    """Read ``proc``'s output (unbuffered, by lines) until a line matches ``pattern``."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        buf = _PENDING.get(fd, "")
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            _PENDING[fd] = buf
            seen.append(line)
            if m := re.search(pattern, line):
                return m
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        chunk = os.read(fd, 65536).decode(errors="replace")
        if not chunk:
            break
        _PENDING[fd] = buf + chunk
    raise RuntimeError(f"no {pattern!r} from {proc.args}: {chr(10).join(seen[-10:])}")


class Gateway:
    def __init__(self, data_dir: Path) -> None:
        cmd = [sys.executable, "-m", "frontgate", "serve", "--port", "0", "--admin-port", "0",
               "--data-dir", str(data_dir), "--workers", "1", "--log-level", "warning",
               "--max-connections", "30000", "--max-connections-per-client", "0"]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        self.proc = start(cmd, GATEWAY_CORE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env=env)  # fmt: skip
        self.port = self.admin_port = 0
        while not (self.port and self.admin_port):
            m = read_until(self.proc, r"(data plane|admin API) http://[\d.]+:(\d+)")
            if m[1] == "data plane":
                self.port = int(m[2])
            else:
                self.admin_port = int(m[2])
        self.mode = ""

    def client(self, service: str, key: str = "bench", secret: str = "bench") -> Any:
        import boto3

        return boto3.client(service, endpoint_url=f"http://127.0.0.1:{self.admin_port}",
                            region_name="us-east-1", aws_access_key_id=key,
                            aws_secret_access_key=secret)  # fmt: skip

    def worker_pids(self) -> list[int]:
        """The supervisor's descendants (the data-plane worker is one of them)."""
        out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True)
        children: dict[int, list[int]] = {}
        for line in out.stdout.splitlines():
            pid, ppid = map(int, line.split())
            children.setdefault(ppid, []).append(pid)
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo += children.get(pid, [])
        return found


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busiest_cpu(pids: list[int], run: Any) -> tuple[Any, float]:
    """``run()``'s result and the CPU seconds the busiest of ``pids`` used meanwhile."""
    before = {pid: cpu_seconds(pid) for pid in pids}
    result = run()
    return result, max(cpu_seconds(pid) - before[pid] for pid in pids)


def fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def setup_api(gw: Gateway) -> str:
    from botocore.exceptions import ClientError

    gw.client("apigateway").update_account(patchOperations=[
        {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "10000000"},
        {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "10000000"},
    ])  # fmt: skip
    v2 = gw.client("apigatewayv2")
    api_id = str(
        v2.create_api(
            Name="bench", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
        )["ApiId"]
    )
    for key, template in (("$default", ANSWER), ("whoami", '"$context.connectionId"')):
        integ = v2.create_integration(
            ApiId=api_id, IntegrationType="MOCK", TemplateSelectionExpression="\\$default",
            RequestTemplates={"$default": '{"statusCode": 200}'},
        )  # fmt: skip
        iid = integ["IntegrationId"]
        route = v2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{iid}")
        v2.create_integration_response(
            ApiId=api_id, IntegrationId=iid, IntegrationResponseKey="$default",
            ResponseTemplates={"$default": template}, TemplateSelectionExpression="\\$default",
        )  # fmt: skip
        v2.create_route_response(
            ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default"
        )
    v2.create_stage(ApiId=api_id, StageName="dev")
    v2.create_deployment(ApiId=api_id, StageName="dev")
    with contextlib.suppress(ClientError):
        gw.client("iam").create_user(UserName="poster")
    return api_id


def wait_served(port: int, host: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out = load("sink", port, host, "--count", "1", stdin="")
        if out and "ids" in out[0]:
            return
        time.sleep(0.2)
    raise RuntimeError("the WebSocket API is not served")


def load(mode: str, port: int, host: str, *args: str, stdin: str | None = None) -> list[Any]:
    """Run ws_load.py to completion on the load core; its JSON lines."""
    cmd = [sys.executable, str(BENCH / "ws_load.py"), mode, "--port", str(port), "--host", host,
           *args]  # fmt: skip
    proc = start(cmd, LOAD_CORE, stdout=subprocess.PIPE, stdin=subprocess.PIPE)
    out, _ = proc.communicate(stdin, timeout=300)
    PROCS.remove(proc)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.3g} (min {min(values):.3g}, max {max(values):.3g})"


# --------------------------------------------------------------------------------------------


def bench_rtt(args: argparse.Namespace, gw: Gateway, host: str) -> dict[str, Any]:
    echo = start([sys.executable, str(BENCH / "ws_echo.py")], GATEWAY_CORE,
                 stdout=subprocess.PIPE)  # fmt: skip
    echo_port = int(read_until(echo, r"listening on (\d+)")[1])
    common = ["--connections", str(args.connections), "--depth", str(args.depth),
              "--duration", str(args.duration), "--message", MESSAGE]  # fmt: skip
    runs: dict[str, list[Any]] = {"gateway": [], "echo": [], "ratio": [], "cpu_ratio": []}
    pids = gw.worker_pids()
    try:
        for _ in range(args.repeat):
            g, g_cpu = busiest_cpu(
                pids, lambda: load("rtt", gw.port, host, "--path", "/dev", *common)[-1]
            )
            e, e_cpu = busiest_cpu(
                [echo.pid], lambda: load("rtt", echo_port, "localhost", "--path", "/", *common)[-1]
            )
            # Server CPU per message (the whole load run, warm-up and handshakes included): what
            # preemption by other work on a shared machine does not change.
            g["cpu_us"] = g_cpu / g["total"] * 1e6
            e["cpu_us"] = e_cpu / e["total"] * 1e6
            runs["gateway"].append(g)
            runs["echo"].append(e)
            runs["ratio"].append((g["messages"] / g["seconds"]) / (e["messages"] / e["seconds"]))
            runs["cpu_ratio"].append(e["cpu_us"] / g["cpu_us"])
            print(f"  rtt: gateway {g['messages'] / g['seconds']:.0f}/s, echo "
                  f"{e['messages'] / e['seconds']:.0f}/s, ratio {runs['ratio'][-1]:.2f}; server "
                  f"CPU per message {g['cpu_us']:.1f}/{e['cpu_us']:.1f} us, ratio "
                  f"{runs['cpu_ratio'][-1]:.2f}; load cpu {g['load_cpu']:.2f}/"
                  f"{e['load_cpu']:.2f}", flush=True)  # fmt: skip
    finally:
        stop(echo)
    return runs


def open_idle(port: int, host: str, count: int, flags: list[str]) -> list[subprocess.Popen[str]]:
    per = count // 4
    clients = []
    for i in range(4):
        source = f"127.0.0.{i + 2}"
        cmd = [sys.executable, str(BENCH / "ws_load.py"), "idle", "--port", str(port),
               "--host", host, "--count", str(per), "--source", source, *flags]  # fmt: skip
        clients.append(start(cmd, LOAD_CORE, stdout=subprocess.PIPE, stdin=subprocess.PIPE))
    for client in clients:
        read_until(client, r'"open": \d+', timeout=300)
    return clients


def close_idle(clients: list[subprocess.Popen[str]]) -> None:
    for client in clients:
        client.communicate("", timeout=60)
        PROCS.remove(client)


def bench_memory(args: argparse.Namespace, data_dir: Path, host: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    variants = (
        ("plain", []),
        ("deflate", ["--deflate"]),
        ("browser", ["--browser"]),
        # one compressed message each way first: the zlib state a chat client leaves behind
        ("browser+1 message", ["--browser", "--chat", "--message", MESSAGE]),
    )
    for name, flags in variants:
        gw = Gateway(data_dir)
        try:
            wait_served(gw.port, host)
            close_idle(open_idle(gw.port, host, 200, flags))
            time.sleep(1)
            before = {pid: rss_kb(pid) for pid in gw.worker_pids()}
            clients = open_idle(gw.port, host, args.idle, flags)
            time.sleep(2)
            worker = max(before, key=fds)
            after = rss_kb(worker)
            close_idle(clients)
            kb = (after - before[worker]) / args.idle
            out[name] = {"kb_per_connection": kb, "rss_before_kb": before[worker],
                         "rss_after_kb": after}  # fmt: skip
            print(f"  idle {name}: {kb:.2f} KB per connection "
                  f"({before[worker]} -> {after} KB RSS)", flush=True)  # fmt: skip
        finally:
            stop(gw.proc)
    return out


def presigned(gw: Gateway, api_id: str, ids: list[str]) -> list[str]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    iam = gw.client("iam")
    key = iam.create_access_key(UserName="poster")["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "execute-api:ManageConnections",
        "Resource": "arn:aws:execute-api:us-east-1:*:*/dev/*/@connections/*"}]}  # fmt: skip
    iam.put_user_policy(UserName="poster", PolicyName="ws", PolicyDocument=json.dumps(policy))
    creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    host = f"{api_id}.execute-api.localhost:{gw.port}"
    requests = []
    body = '{"event":"tick","n":1}'
    for cid in ids:
        path = f"/dev/@connections/{cid.replace('=', '%3D')}"
        req = AWSRequest("POST", f"http://{host}{path}", data=body.encode())
        req.headers["Content-Type"] = "application/json"
        SigV4Auth(creds, "execute-api", "us-east-1").add_auth(req)
        head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in req.headers.items() if k.lower() != "host")
        requests.append(head + "\r\n" + body)
    return requests


def bench_post(args: argparse.Namespace, gw: Gateway, api_id: str, host: str) -> dict[str, Any]:
    cmd = [sys.executable, str(BENCH / "ws_load.py"), "sink", "--port", str(gw.port),
           "--host", host, "--count", "4"]  # fmt: skip
    sink = start(cmd, LOAD_CORE, stdout=subprocess.PIPE, stdin=subprocess.PIPE)
    ids = json.loads(read_until(sink, r"^\{\"ids\".*")[0])["ids"]
    requests = presigned(gw, api_id, ids)
    runs = []
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(requests, f)
        f.flush()
        for _ in range(args.repeat):
            r = load("post", gw.port, host, "--requests", f.name, "--connections", "32",
                     "--duration", str(args.duration))[-1]  # fmt: skip
            runs.append(r)
            print(f"  @connections POST: {r['responses'] / r['seconds']:.0f} req/s "
                  f"({r.get('ok', 0)} 2xx of {r['responses']}; load cpu {r['load_cpu']:.2f})",
                  flush=True)  # fmt: skip
    out, _ = sink.communicate("", timeout=60)
    PROCS.remove(sink)
    received = json.loads(out.strip().splitlines()[-1])
    return {"runs": runs, "sink": received}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--idle", type=int, default=10_000)
    parser.add_argument("--skip", default="")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    _raise_nofile()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ws-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        gw = Gateway(data_dir)
        try:
            api_id = setup_api(gw)
            host = f"{api_id}.execute-api.localhost"
            wait_served(gw.port, host)
            code = "import frontgate.native as n; n.guard(); print(n.mode)"
            env = {**os.environ, "PYTHONPATH": str(SRC)}
            probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                   env=env)  # fmt: skip
            mode = probe.stdout.strip()
            print(f"ws_bench: request path {mode}", flush=True)
            results["mode"] = mode
            if "rtt" not in skip:
                results["rtt"] = bench_rtt(args, gw, host)
            if "post" not in skip:
                results["post"] = bench_post(args, gw, api_id, host)
        finally:
            stop(gw.proc)
        if "memory" not in skip:
            results["memory"] = bench_memory(args, data_dir, host)
    print("\nsummary (median, min, max):")
    if "rtt" in results:
        rtt = results["rtt"]
        print(
            "  gateway round trips/s",
            spread([g["messages"] / g["seconds"] for g in rtt["gateway"]]),
        )
        print(
            "  echo round trips/s   ", spread([e["messages"] / e["seconds"] for e in rtt["echo"]])
        )
        print("  ratio (target >= 0.5)", spread(rtt["ratio"]))
        print("  ratio by server CPU per message", spread(rtt["cpu_ratio"]))
    if "post" in results:
        print(
            "  @connections POST/s  ",
            spread([r["responses"] / r["seconds"] for r in results["post"]["runs"]]),
        )
    for name, m in results.get("memory", {}).items():
        print(f"  idle KB/conn {name:18}", f"{m['kb_per_connection']:.2f} (target <= 10)")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for p in list(PROCS):
            stop(p)
