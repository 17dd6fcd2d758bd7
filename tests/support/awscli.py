"""The ``aws`` CLI against a local gateway: test credentials, no pager, no profile.

The CLI runs in the test process by default (``awscli.clidriver``, the code the ``aws`` script
runs), with the environment, working directory and output streams it would have as a
subprocess: a new interpreter per command costs about a second of CPU, hundreds of times per
suite. ``FRONTGATE_TEST_AWS_SUBPROCESS=1`` runs the real ``aws`` executable instead.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

SUBPROCESS = os.environ.get("FRONTGATE_TEST_AWS_SUBPROCESS", "") == "1"


def cli_env(key: str = "test", secret: str = "test", **extra: str) -> dict[str, str]:
    """The environment the CLI runs in: these credentials in us-east-1, nothing from the user's
    own configuration that could change its answers (profile, pager), and no instance-metadata
    lookups (botocore's IMDS probe when a region or credential is missing costs seconds)."""
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID=key,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_PAGER="",
        AWS_EC2_METADATA_DISABLED="true",
        **extra,
    )
    env.pop("AWS_PROFILE", None)
    return env


def run_aws(
    url: str, *args: str, env: Mapping[str, str] | None = None, cwd: str | Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``aws --endpoint-url URL ARGS...`` (text output captured, one minute at most)."""
    return aws(["--endpoint-url", url, *args], env=env, cwd=cwd)


def aws(
    args: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``aws ARGS...`` in ``env`` (default :func:`cli_env`) and ``cwd``: its exit status and
    text output, as :func:`subprocess.run` with ``capture_output=True, text=True`` gives them."""
    env = dict(env) if env is not None else cli_env()
    if SUBPROCESS:
        return subprocess.run(
            ["aws", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
        )
    return _in_process(list(args), env, cwd)


def aws_line(
    line: str, *, env: Mapping[str, str] | None = None, cwd: str | Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The shell command line ``aws ...`` (one simple command: no pipes, lists or redirections)
    as ``bash -c LINE`` runs it. bash itself expands the words (quotes, variables, globs); the
    CLI then runs as :func:`aws` runs it."""
    env = dict(env) if env is not None else cli_env()
    if SUBPROCESS or not line.startswith("aws "):
        return subprocess.run(
            ["bash", "-c", line], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
        )
    words = subprocess.run(
        ["bash", "-c", "printf '%s\\0' " + line.removeprefix("aws ")],
        capture_output=True, env=env, cwd=cwd, timeout=60, check=True,
    ).stdout.split(b"\0")[:-1]  # fmt: skip
    return aws([word.decode() for word in words], env=env, cwd=cwd)


# --- in process ------------------------------------------------------------------------------


def _data_path() -> str:
    """The folder ``import awscli`` adds to AWS_DATA_PATH (its additions to the models). The
    import writes it into ``os.environ``: undone, so gateways started later do not inherit it."""
    with _environment(dict(os.environ)):
        import awscli
    return os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), "data")


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class _Pipe:
    """File descriptor ``fd`` (1 or 2) redirected into a pipe while in use, as a subprocess's
    would be: what the CLI writes to ``/dev/stdout`` (``get-export ... /dev/stdout``) lands
    there too, not only what goes through ``sys.stdout``. ``text`` once closed."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.chunks: list[bytes] = []
        read_end, write_end = os.pipe()
        self._reader = threading.Thread(target=self._drain, args=(read_end,), daemon=True)
        self._reader.start()
        self._saved = os.dup(fd)
        os.dup2(write_end, fd)
        os.close(write_end)

    def _drain(self, read_end: int) -> None:
        try:
            while data := os.read(read_end, 65536):
                self.chunks.append(data)
        finally:
            os.close(read_end)

    def close(self) -> None:
        os.dup2(self._saved, self.fd)  # the pipe's last write end: the reader sees its end
        os.close(self._saved)
        self._reader.join()

    @property
    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", "replace")


def _text_writer(fd: int, errors: str) -> io.TextIOWrapper:
    """``sys.stdout``/``sys.stderr`` on ``fd``, unbuffered: text and bytes written to its
    ``buffer`` (the CLI writes both) stay in order."""
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding="utf-8", errors=errors, write_through=True)


def _in_process(
    args: list[str], env: dict[str, str], cwd: str | Path | None
) -> subprocess.CompletedProcess[str]:
    # As the aws script sees it: AWS_DATA_PATH prefixed by awscli's data, a fresh driver and
    # botocore session (they read the environment when built), the working directory given,
    # file descriptors 1 and 2 of its own.
    data = _data_path()
    given = env.get("AWS_DATA_PATH")
    env["AWS_DATA_PATH"] = data if not given else os.pathsep.join((given, data))
    here = os.getcwd()
    sys.stdout.flush()
    sys.stderr.flush()
    with contextlib.ExitStack() as stack:
        out_pipe, err_pipe = _Pipe(1), _Pipe(2)
        stack.callback(err_pipe.close)
        stack.callback(out_pipe.close)
        out = stack.enter_context(_text_writer(1, "strict"))
        err = stack.enter_context(_text_writer(2, "backslashreplace"))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        stack.enter_context(_environment(env))
        # An interpreter's default warning filters (the suite turns warnings into errors, which
        # the CLI would report as failures).
        stack.enter_context(warnings.catch_warnings())
        warnings.resetwarnings()
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning):
            warnings.simplefilter("ignore", category)
        warnings.simplefilter("ignore", ResourceWarning)
        if cwd is not None:
            os.chdir(cwd)
            stack.callback(os.chdir, here)
        from awscli.clidriver import create_clidriver

        try:
            code: Any = create_clidriver().main(args)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            err.write(f"{code}\n")
            code = 1
    return subprocess.CompletedProcess(["aws", *args], code, out_pipe.text, err_pipe.text)
