"""One log line when a periodic task starts failing and one when it recovers.

The reloader, the function registry refresh and the store's connection pool retry every fraction
of a second; while the state store is down each retry fails the same way, and a traceback per
retry buries everything else in the log. ``Outage`` reports the start (with the reason, no
traceback unless debug logging is on) and the end of a run of failures."""

from __future__ import annotations

import logging


def reason(exc: BaseException) -> str:
    """``Type: message`` on one line."""
    return " ".join(f"{type(exc).__name__}: {exc}".split()).rstrip(":")


class Outage:
    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log = log
        self.what = what  # e.g. "snapshot rebuild"
        self.failing: str | None = None  # the reason, while failing

    def failed(self, exc: BaseException, detail: str = "") -> None:
        if self.failing is not None:
            self.log.debug("%s still failing: %s", self.what, reason(exc))
            return
        self.failing = reason(exc)
        self.log.error(
            "%s failed (%s)%s; retrying, logged again when it recovers",
            self.what,
            self.failing,
            f"; {detail}" if detail else "",
            exc_info=self.log.isEnabledFor(logging.DEBUG),
        )

    def succeeded(self, detail: str = "") -> None:
        if self.failing is None:
            return
        self.log.warning(
            "%s recovered after %s%s", self.what, self.failing, f"; {detail}" if detail else ""
        )
        self.failing = None


class QuietPoolRetries(logging.Filter):
    """Drops asyncpg's "Failed to restore the pool connection floor" warnings (a traceback
    every couple of seconds while PostgreSQL is down): the reloader reports the outage once.
    Kept when debug logging is on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "connection floor" not in str(record.msg):
            return True
        return logging.getLogger().isEnabledFor(logging.DEBUG)


def store_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the state store cannot be reached (PostgreSQL down, a connection
    refused, reset or timed out): the service's fault, not the request's nor a bug."""
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    if type(exc).__module__.startswith("asyncpg"):
        import asyncpg

        return isinstance(exc, (asyncpg.PostgresConnectionError, asyncpg.InterfaceError))
    return False


class StoreRequests:
    """Management requests while the state store is unreachable: each is answered with the
    service's error, and the log gets one line when the first fails (the reason, no traceback)
    and one when a request succeeds again, not a traceback per request."""

    def __init__(self, log: logging.Logger, api: str) -> None:
        self.log = log
        self.api = api  # "apigateway API", "lambda API", "iam API"
        self.failing: str | None = None

    def failed(self, exc: BaseException, answer: str) -> None:
        if self.failing is not None:
            self.log.debug("%s: state store still unreachable: %s", self.api, reason(exc))
            return
        self.failing = reason(exc)
        self.log.error(
            "%s: state store unreachable (%s); answering %s until it is back",
            self.api,
            self.failing,
            answer,
            exc_info=self.log.isEnabledFor(logging.DEBUG),
        )

    def succeeded(self) -> None:
        if self.failing is not None:
            self.log.warning("%s: state store reachable again (after %s)", self.api, self.failing)
            self.failing = None
