"""A result delivered by a plain callback: the request path's alternative to Task + Future.

An HTTP_PROXY request waits for exactly one thing, the upstream's response, which arrives in the
upstream connection's ``data_received``. With a Future and a Task, that wait costs a Task, a
Future, two coroutine frames per layer and three trips through the loop's ready queue. With a
``Deferred`` the upstream connection calls the consumer's continuation directly, so the client's
response is written in the same loop iteration that read the upstream's (as nginx does).

Contract: the producer calls exactly one of :meth:`resolve` / :meth:`fail` (later calls are
ignored); the consumer registers one continuation with :meth:`then`, or reads ``settled`` /
``value`` / ``error`` first when the result may already be there. :meth:`cancel` is the
consumer's way to say it no longer wants the result (its client went away); the producer's
canceller runs once and no continuation is called afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Continuation(Generic[T]):
    """A continuation as an object: ``Deferred`` calls ``settled`` as a compiled method call,
    where a ``functools.partial`` would cost an allocation and a generic call with argument
    parsing. The request path's waiters (the runner, the HTTP server) subclass it; anything
    else may pass a plain callable to :meth:`Deferred.then`."""

    __slots__ = ()

    def settled(self, deferred: Deferred[T]) -> None:
        raise NotImplementedError


class Deferred(Generic[T]):
    __slots__ = ("_canceller", "_continuation", "cancelled", "error", "settled", "value")

    def __init__(self) -> None:
        self.settled = False
        self.cancelled = False
        self.value: T | None = None
        self.error: BaseException | None = None
        self._continuation: Callable[[Deferred[T]], None] | Continuation[T] | None = None
        self._canceller: Callable[[], None] | None = None

    def then(self, continuation: Callable[[Deferred[T]], None] | Continuation[T]) -> None:
        """Call ``continuation(self)`` (or ``continuation.settled(self)``) when settled (now, if
        it already is)."""
        if self.settled:
            if not self.cancelled:
                self._call(continuation)
        else:
            self._continuation = continuation

    def _call(self, continuation: Callable[[Deferred[T]], None] | Continuation[T]) -> None:
        if isinstance(continuation, Continuation):
            continuation.settled(self)
        else:
            continuation(self)

    def on_cancel(self, canceller: Callable[[], None]) -> None:
        """Producer side: what to undo if the consumer cancels before the result is in."""
        self._canceller = canceller

    def resolve(self, value: T) -> None:
        self._settle(value, None)

    def fail(self, error: BaseException) -> None:
        self._settle(None, error)

    def _settle(self, value: T | None, error: BaseException | None) -> None:
        if self.settled:
            return
        self.settled = True
        self.value = value
        self.error = error
        self._canceller = None
        continuation = self._continuation
        if continuation is not None:
            self._continuation = None
            self._call(continuation)

    def cancel(self) -> None:
        """Consumer side: drop interest; runs the producer's canceller if still pending."""
        if self.settled:
            return
        self.settled = True
        self.cancelled = True
        self._continuation = None
        canceller = self._canceller
        if canceller is not None:
            self._canceller = None
            canceller()

    def result(self) -> T:
        """The value, or raise the error (only once settled)."""
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # settled with a T


async def wait(deferred: Deferred[T]) -> T:
    """Await a Deferred from a coroutine (the slow paths: async stages before the integration).
    Cancelling the awaiting task cancels the Deferred."""
    if not deferred.settled:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake(_: Deferred[T]) -> None:
            if not ready.done():
                ready.set_result(None)

        deferred.then(wake)
        try:
            await ready
        except asyncio.CancelledError:
            deferred.cancel()
            raise
    return deferred.result()
