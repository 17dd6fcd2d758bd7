"""Recipes: how a policy stage made by a closure is shipped to another process.

A closure cannot be pickled, so a module-level factory that builds one from plain arguments tags
it with ``recipe(step, factory, *args)``; ``snapshot.image`` pickles the tagged closure as
``factory(*args)``, and the loading process calls the factory again (cheap: the arguments are
already decided; no JSON is read and no choice is made). The closure itself stays a plain
function, so the request path pays nothing for being shippable. Stages in mypyc-compiled modules
cannot carry an attribute; they are small classes with ``__reduce__`` instead."""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_ATTRIBUTE = "__frontgate_recipe__"


def recipe(step: F, factory: Callable[..., Any], *args: Any) -> F:
    """Tag ``step`` (a closure ``factory(*args)`` just made) with how to make it again."""
    setattr(step, _ATTRIBUTE, (factory, args))
    return step


def recipe_of(obj: object) -> tuple[Callable[..., Any], tuple[Any, ...]] | None:
    """The (factory, args) a tagged closure was made by, or None."""
    if type(obj) is not FunctionType:
        return None
    found: tuple[Callable[..., Any], tuple[Any, ...]] | None = getattr(obj, _ATTRIBUTE, None)
    return found
