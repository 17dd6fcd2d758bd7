"""Log files: rotation by size and by age, shared by processes, and write failures counted."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from frontgate.observe.sinks import LogSink, destination_path


def _write(sink: LogSink, lines: list[str]) -> None:
    async def go() -> None:
        for line in lines:
            sink.write(line)
        sink.flush()

    asyncio.run(go())


def test_destinations_map_like_cloudwatch_log_groups(tmp_path: Path) -> None:
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigw/prod"
    assert destination_path(arn, tmp_path) == str(tmp_path / "logs/aws/apigw/prod.log")
    assert destination_path(arn + ":*", tmp_path) == str(tmp_path / "logs/aws/apigw/prod.log")
    assert destination_path("file:///var/x.log", tmp_path) == "/var/x.log"
    assert destination_path("stdout", tmp_path) == "stdout"
    escape = "arn:aws:logs:us-east-1:1:log-group:../../etc/passwd"
    assert destination_path(escape, tmp_path) == str(tmp_path / "logs/etc/passwd.log")


def test_rotates_by_size_keeping_backups(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    sink = LogSink(str(path), max_bytes=500, backups=2)
    for i in range(5):
        _write(sink, [f"{i}-" + "x" * 600])  # each flush after the first finds the file full
    sink.close()
    assert path.read_text() == "4-" + "x" * 600 + "\n"
    assert (tmp_path / "a.log.1").read_text().startswith("3-")
    assert (tmp_path / "a.log.2").read_text().startswith("2-")
    assert not (tmp_path / "a.log.3").exists()


def test_rotates_by_age_including_a_file_left_by_an_earlier_run(tmp_path: Path) -> None:
    path = tmp_path / "b.log"
    path.write_text("old\n")
    old = time.time() - 7200
    os.utime(path, (old, old))
    sink = LogSink(str(path), max_age=3600)
    _write(sink, ["first"])  # opens: the file is two hours old, so it is rotated first
    _write(sink, ["second"])
    sink.close()
    assert (tmp_path / "b.log.1").read_text() == "old\n"
    assert path.read_text() == "first\nsecond\n"


def test_processes_sharing_a_file_follow_a_rotation(tmp_path: Path) -> None:
    path = tmp_path / "c.log"
    # check_every=0: look at the file on every flush (by default once a second, so lines
    # written meanwhile land in the rotated file, complete and in order).
    mine = LogSink(str(path), max_bytes=10_000_000, check_every=0)
    _write(mine, ["before"])
    # Another process rotates the file (as a second worker would).
    other = (
        "import asyncio, sys\n"
        "from frontgate.observe.sinks import LogSink\n"
        f"s = LogSink({str(path)!r}, max_bytes=1)\n"
        "async def go():\n"
        "    s.write('other'); s.flush()\n"
        "asyncio.run(go())\n"
    )
    subprocess.run([sys.executable, "-c", other], check=True)
    _write(mine, ["after"])
    mine.close()
    assert (tmp_path / "c.log.1").read_text() == "before\n"
    assert path.read_text() == "other\nafter\n"


def test_a_rotation_by_another_process_is_noticed_within_the_check_interval(
    tmp_path: Path,
) -> None:
    path = tmp_path / "d.log"
    mine = LogSink(str(path), check_every=0.2)
    _write(mine, ["one"])
    os.replace(path, tmp_path / "d.log.1")  # as another worker rotating it would
    _write(mine, ["two"])  # within the interval: still the old file
    time.sleep(0.25)
    _write(mine, ["three"])
    mine.close()
    assert (tmp_path / "d.log.1").read_text() == "one\ntwo\n"
    assert path.read_text() == "three\n"


def test_write_failures_are_counted_not_raised(tmp_path: Path) -> None:
    dropped: list[int] = []
    sink = LogSink("/dev/full", on_failure=dropped.append)
    _write(sink, ["a", "b", "c"])
    assert dropped == [3]
    sink = LogSink(str(tmp_path), on_failure=dropped.append)  # a directory cannot be opened
    _write(sink, ["d"])
    assert dropped == [3, 1]
