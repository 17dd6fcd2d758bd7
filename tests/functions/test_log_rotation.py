"""A function's log is rotated like the stage logs (``--log-rotate-bytes``): a handler that
prints a lot cannot fill the disk, and ``frontgate logs`` still reads the whole kept log, also
while following it across a rotation."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.functions.conftest import ROLE, client, make_zip
from tests.support.gateway import Gateway

LOUD = """
def handler(event, context):
    line = "x" * 99
    for _ in range(event["lines"]):
        print(line)
    return context.aws_request_id
"""
LIMIT = 200_000


def _log_files(data_dir: Path) -> list[Path]:
    found = (data_dir / "functions" / "us-east-1").glob("loud.log*")
    return sorted(p for p in found if not p.name.endswith(".lock"))


def _logs(data_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "frontgate", "logs", "loud", "--data-dir", str(data_dir), *extra]


def test_function_log_rotates_and_frontgate_logs_reads_across(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with Gateway(data_dir, "--log-rotate-bytes", str(LIMIT)) as gw:
        lam = client("lambda", gw.admin_port)
        lam.create_function(
            FunctionName="loud", Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": LOUD})},
        )  # fmt: skip
        follower = subprocess.Popen(_logs(data_dir, "--follow"), stdout=subprocess.PIPE, text=True)
        ended: set[str] = set()  # request ids whose END line the follower printed

        def follow() -> None:
            assert follower.stdout is not None
            for line in follower.stdout:
                if line.startswith("END RequestId: "):
                    ended.add(line.split()[-1])

        threading.Thread(target=follow, daemon=True).start()

        def followed(request_id: str) -> bool:
            deadline = time.monotonic() + 30
            while request_id not in ended:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.02)
            return True

        try:
            quiet = lam.invoke(FunctionName="loud", Payload=b'{"lines": 1}')["Payload"]
            assert followed(json.loads(quiet.read()))  # the follower is reading
            request_ids = []
            written = 0
            for _ in range(12):  # 12 x 300 KB of output: a rotation or two each
                payload = lam.invoke(FunctionName="loud", Payload=b'{"lines": 3000}')["Payload"]
                request_ids.append(json.loads(payload.read()))
                written += 3000 * 100
                # The follower went on past the rotation: it printed the invocation's end.
                assert followed(request_ids[-1])
            files = _log_files(data_dir)
            names = [p.name for p in files]
            # Kept: the log and five rotated files, each near the limit; the rest is gone.
            assert "loud.log" in names and "loud.log.1" in names
            assert len(files) <= 6
            kept = sum(p.stat().st_size for p in files)
            assert kept < 6 * (LIMIT + 150_000) < written
            # ``frontgate logs`` prints the rotated files, oldest first, then the current one.
            out = subprocess.run(_logs(data_dir), capture_output=True, text=True, timeout=60)
            order = [f"loud.log.{i}" for i in range(5, 0, -1)] + ["loud.log"]
            expected = "".join(
                (data_dir / "functions" / "us-east-1" / n).read_text() for n in order if n in names
            )
            assert out.returncode == 0 and out.stdout == expected
            assert f"END RequestId: {request_ids[-1]}" in out.stdout
            assert out.stdout.count("START RequestId:") >= 2
        finally:
            follower.terminate()
            follower.wait(10)
