"""``--function-cpus``: function workers run on the given CPUs, not wherever the gateway runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.functions.conftest import ROLE, client, make_zip
from tests.support.gateway import Gateway

WHERE = """
import os
def handler(event, context):
    return sorted(os.sched_getaffinity(0))
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to tell them apart")
def test_workers_run_on_the_configured_cpus(tmp_path: Path) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    target = cpus[-1]
    with Gateway(tmp_path / "fg", "--function-cpus", str(target)) as gw:
        lam = client("lambda", gw.admin_port)
        lam.create_function(FunctionName="where", Runtime="python3.11", Role=ROLE,
                            Handler="app.handler",
                            Code={"ZipFile": make_zip({"app.py": WHERE})})  # fmt: skip
        out = lam.invoke(FunctionName="where")
        assert json.loads(out["Payload"].read()) == [target]
        # The gateway itself keeps its own affinity.
        assert gw.proc is not None
        assert sorted(os.sched_getaffinity(gw.proc.pid)) == cpus


def test_bad_cpu_lists_are_refused_before_start(tmp_path: Path) -> None:
    for bad in ("x", "1-", "99999"):
        with (
            pytest.raises(RuntimeError, match=r"function[-_]cpus"),
            Gateway(tmp_path / f"fg-{len(bad)}", "--function-cpus", bad),
        ):
            pass
