"""Bounds on one render, so that a runaway template (a string doubled in a loop, nested
``#foreach`` over large lists, a huge ``[1..n]`` range) ends in AWS's 500 instead of taking
the worker's memory or time. AWS documents no such figures beyond #foreach's 1 000
iterations; these are far above what a working template needs (10 MB is AWS's payload limit).

Rendering is synchronous and never nested across requests, so one module-level budget,
reset by ``start``, serves every render in a process."""

from __future__ import annotations

from typing import Any, Final

MAX_TEXT: Final = 32 * 1024 * 1024  # characters in any string a template builds, or its output
MAX_ITERATIONS: Final = 1_000_000  # #foreach iterations in one render, all loops together
MAX_RANGE: Final = 1_000_000  # elements in a [a..b] range


class RenderLimitError(Exception):
    """A render went past one of the bounds above."""


class _Budget:
    __slots__ = ("chunks", "iterations", "seen", "size")

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.iterations = MAX_ITERATIONS
        self.seen = 0
        self.size = 0


_budget = _Budget()


def start(chunks: list[str]) -> None:
    """A render begins, writing into ``chunks``."""
    b = _budget
    b.chunks = chunks
    b.iterations = MAX_ITERATIONS
    b.seen = 0
    b.size = 0


def looped(n: int) -> None:
    """A #foreach ran ``n`` passes (codegen charges a loop once, after it): counts them, and
    adds what was written since the last check to the output's size (each chunk is measured
    once). A loop runs at most MAX_FOREACH passes, so the bounds are overshot by at most one
    innermost loop's work."""
    b = _budget
    b.iterations -= n
    if b.iterations < 0:
        raise RenderLimitError(f"more than {MAX_ITERATIONS} #foreach iterations")
    chunks = b.chunks
    count = len(chunks)
    if count > b.seen:
        size = b.size
        for i in range(b.seen, count):
            size += len(chunks[i])
        b.seen = count
        b.size = size
        if size > MAX_TEXT:
            raise RenderLimitError(f"output longer than {MAX_TEXT} characters")


def redirect(chunks: list[str]) -> tuple[list[str], int]:
    """A nested writer (a string with directives, a #define) takes over; returns what
    ``restore`` needs. Sizes keep adding up: the bound is on all text written."""
    b = _budget
    saved = (b.chunks, b.seen)
    b.chunks = chunks
    b.seen = 0
    return saved


def restore(saved: tuple[list[str], int]) -> None:
    b = _budget
    b.chunks, b.seen = saved


def text(s: Any) -> Any:
    """``s`` unless it is a string longer than MAX_TEXT."""
    if type(s) is str and len(s) > MAX_TEXT:
        raise RenderLimitError(f"a string longer than {MAX_TEXT} characters")
    return s
