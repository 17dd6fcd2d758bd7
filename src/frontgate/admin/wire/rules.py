"""The constraint texts AWS's (Coral-based) services print for a value that breaks its shape,
shared by the rest-json and query protocols: ``Value 'x' at 'where' failed to satisfy
constraint: Member must ...`` joined into ``N validation errors detected: ...``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def violation(value: Any, where: str, rule: str) -> str:
    return f"Value '{value}' at '{where}' failed to satisfy constraint: {rule}"


def null(where: str) -> str:
    return f"Value null at '{where}' failed to satisfy constraint: Member must not be null"


def pattern(source: str) -> str:
    return f"Member must satisfy regular expression pattern: {source}"


def enum(values: Sequence[str]) -> str:
    return f"Member must satisfy enum value set: [{', '.join(values)}]"


def enum_list(values: Sequence[str]) -> str:
    """A list of enum values checked as a whole."""
    return f"Member must satisfy constraint: [{enum(values)}]"


def max_length(limit: int) -> str:
    return f"Member must have length less than or equal to {limit}"


def min_length(limit: int) -> str:
    return f"Member must have length greater than or equal to {limit}"


def max_value(limit: int) -> str:
    return f"Member must have value less than or equal to {limit}"


def min_value(limit: int) -> str:
    return f"Member must have value greater than or equal to {limit}"


def summary(errors: Sequence[str]) -> str:
    """The one message for every violation found in a request."""
    n = len(errors)
    return f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(errors)


def map_keys(where: str, source: str) -> str:
    """Map keys that break their pattern; the keys are not echoed (they may be sensitive)."""
    return (
        f"Value at '{where}' failed to satisfy constraint: Map keys must satisfy constraint: "
        f"[{pattern(source)}]"
    )
