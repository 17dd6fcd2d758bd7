"""What AWS's Java services accept as numbers and patterns: the bounds of Java's ``int`` and
``long`` (the models' ``integer`` and ``long`` types), and a model's regular expression as
Python's ``re`` reads it. Standard library only: shared by the control plane's input checks."""

from __future__ import annotations

import functools
import re
from typing import Final

__all__ = ["INT_MAX", "INT_MIN", "LONG_MAX", "LONG_MIN", "RANGES", "pattern"]

INT_MIN: Final = -(2**31)
INT_MAX: Final = 2**31 - 1
LONG_MIN: Final = -(2**63)
LONG_MAX: Final = 2**63 - 1
# A model shape's type -> the inclusive range of the Java type it is read into.
RANGES: Final[dict[str, tuple[int, int]]] = {
    "integer": (INT_MIN, INT_MAX),
    "long": (LONG_MIN, LONG_MAX),
}


@functools.cache
def pattern(source: str, flags: int = 0) -> re.Pattern[str] | None:
    """A model's (Java) pattern compiled by ``re``, or None when ``re`` cannot read it (Java's
    ``\\p{L}``, for one): such a pattern is left unchecked rather than checked wrongly."""
    try:
        return re.compile(source, flags)
    except re.error:
        return None
