"""A ``frontgate serve`` whose output is read as it comes, so a test can inspect the log while the
gateway runs (and a flood of lines cannot fill the pipe and stall the gateway)."""

from __future__ import annotations

import signal
import threading

from tests.support.gateway import Gateway


class LoggedGateway(Gateway):
    """A gateway whose output is read as it comes (a flood cannot fill the pipe and stall it)."""

    def start(self, timeout: float = 20.0) -> LoggedGateway:
        super().start(timeout)
        assert self.proc is not None and self.proc.stdout is not None
        out = self.proc.stdout
        self._reader = threading.Thread(target=lambda: self.lines.extend(out), daemon=True)
        self._reader.start()
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    def count(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))

    def tracebacks(self) -> list[str]:
        """The log lines around each traceback, for an assertion message."""
        lines = list(self.lines)
        return [
            "".join(lines[max(0, i - 1) : i + 12]) for i, x in enumerate(lines) if "Traceback" in x
        ]
