"""The ``aws`` CLI against a local gateway: test credentials, no pager, no profile."""

from __future__ import annotations

import os
import subprocess


def cli_env(key: str = "test", secret: str = "test", **extra: str) -> dict[str, str]:
    """The environment the CLI runs in: these credentials in us-east-1, nothing from the user's
    own configuration that could change its answers (profile, pager)."""
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID=key,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_PAGER="",
        **extra,
    )
    env.pop("AWS_PROFILE", None)
    return env


def run_aws(
    url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``aws --endpoint-url URL ARGS...`` (text output captured, one minute at most)."""
    return subprocess.run(
        ["aws", "--endpoint-url", url, *args],
        capture_output=True,
        text=True,
        env=env if env is not None else cli_env(),
        timeout=60,
    )
