"""Names carry no control characters: a name is shown in the banner, ``frontgate status``, logs
and consoles, where a newline forges a line and an escape sequence drives the terminal. The
names AWS restricts to a pattern (stages, models, path parts, domains) are checked where they
are created; this covers the free-form ones (REST APIs, authorizers, validators, API keys, usage
plans, VPC links, documentation versions...), on create and on ``replace /name``."""

from __future__ import annotations

import re
from typing import Any

from frontgate.admin.errors import BadRequest

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_names(inp: dict[str, Any]) -> None:
    """Raise ``BadRequest`` if the input's ``name`` or a ``/name`` patch value has one."""
    names = [inp.get("name")]
    names += [
        op.get("value")
        for op in inp.get("patchOperations") or ()
        if isinstance(op, dict) and op.get("path") == "/name"
    ]
    for name in names:
        if isinstance(name, str) and _CONTROL.search(name):
            raise BadRequest(f"Invalid name specified: {name!r} contains a control character")


# Stage variables as AWS documents them ("Variable names can have alphanumeric and underscore
# characters, and the values must match [A-Za-z0-9-._~:/?#&=,]+"); they are substituted into
# URLs and mapped into headers, where anything else (a space, CR/LF) breaks the request.
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]{1,512}")


def check_variables(variables: dict[str, Any] | None) -> None:
    for name, value in (variables or {}).items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise BadRequest(
                f"Invalid stage variable name specified: {name!r}. Variable names can have "
                "alphanumeric and underscore characters (at most 64)"
            )
        if not isinstance(value, str) or not _VARIABLE_VALUE.fullmatch(value):
            raise BadRequest(
                f"Invalid stage variable value specified for {name}: {value!r}. Values must "
                "match [A-Za-z0-9-._~:/?#&=,]+ (at most 512 characters)"
            )
