"""The error a mapping template raises while rendering (here, apart from the compiled runtime
that raises it: mypyc compiles no subclass of RuntimeError)."""

from __future__ import annotations


class VtlRenderError(RuntimeError):
    """The template failed while rendering (a method raised, a bad argument, ...)."""
