"""Run the real ``frontgate serve`` command in a subprocess and talk to it over loopback."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def serve_command(data_dir: Path, *args: str) -> list[str]:
    """``frontgate serve`` on ephemeral ports (data plane and admin) with ``data_dir``."""
    return [sys.executable, "-m", "frontgate", "serve", "--port", "0", "--admin-port", "0",
            "--data-dir", str(data_dir), *args]  # fmt: skip


class Gateway:
    """``with Gateway(tmp_path, "--api", file) as gw: gw.request("GET", "/dev/x")``."""

    def __init__(
        self,
        data_dir: Path,
        *args: str,
        env: dict[str, str] | None = None,
        preexec: Callable[[], None] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.args = args
        self.env = {**os.environ, **(env or {})}
        self.preexec = preexec  # run in the child before exec (e.g. to lower a resource limit)
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self.port = 0
        self.admin_port = 0
        self.tls_port = 0
        self.api_ids: list[str] = []

    def start(self, timeout: float = 20.0) -> Gateway:
        cmd = serve_command(self.data_dir, "--log-level", "warning", *self.args)
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
            start_new_session=True,
            preexec_fn=self.preexec,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("gateway exited:\n" + "".join(self.lines))
            self.lines.append(line)
            if m := re.search(r"data plane http://[\d.]+:(\d+)", line):
                self.port = int(m.group(1))
            if m := re.search(r"data plane \(TLS\) https://[\d.]+:(\d+)", line):
                self.tls_port = int(m.group(1))
            if m := re.search(r"admin API http://[\d.]+:(\d+)", line):
                self.admin_port = int(m.group(1))
            if m := re.search(r"invoke URL http://([a-z0-9]+)\.execute-api", line):
                self.api_ids.append(m.group(1))
            if "(without Host" in line and len(self.api_ids) >= self._expected_apis():
                break
            tls_known = self.tls_port or "--tls-port" not in self.args  # its line comes next
            if self.port and self._expected_apis() == 0 and self.admin_port and tls_known:
                break
            if self.port and self._expected_apis() == 0 and "no admin API" in line:
                break
        self._wait_ready(deadline)
        return self

    def _expected_apis(self) -> int:
        return sum(1 for a in self.args if a == "--api") + (1 if "--demo" in self.args else 0)

    def _wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gateway did not answer")

    @property
    def api_id(self) -> str:
        return self.api_ids[0]

    def host(self, api_id: str | None = None) -> str:
        return f"{api_id or self.api_id}.execute-api.localhost:{self.port}"

    def admin_client(self, service: str = "apigateway") -> Any:
        """A boto3 client of ``service`` (``apigateway``, ``apigatewayv2``, ``lambda``...) for
        this gateway's admin API (test credentials)."""
        import boto3  # only the tests that drive the admin API pay for the import

        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{self.admin_port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        api_id: str | None = None,
        timeout: float = 40.0,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            hdrs = {"Host": self.host(api_id), **(headers or {})}
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig) if sig == signal.SIGKILL else self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait()
        if self.proc.stdout is not None:
            self.lines.extend(self.proc.stdout.readlines())
            self.proc.stdout.close()
        return code

    def __enter__(self) -> Gateway:
        try:
            return self.start()
        except BaseException:
            # A start that failed (no banner, no answer) must not leave the node running.
            if self.proc is not None and self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            raise

    def __exit__(self, *exc: Any) -> None:
        try:
            self.stop()
        except Exception:
            pass
