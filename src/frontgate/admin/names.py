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
