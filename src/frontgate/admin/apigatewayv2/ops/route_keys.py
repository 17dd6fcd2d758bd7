"""Route keys as AWS accepts them when a route is written: for HTTP APIs ``$default`` or
``METHOD /path`` (``GET /orders/{id}``, ``ANY /{proxy+}``), for WebSocket APIs ``$connect``,
``$disconnect``, ``$default`` or any key without the reserved ``$`` prefix (matched against the
route selection expression's value).
Registers no operation."""

from __future__ import annotations

import re

from frontgate.admin.errors import BadRequest

WEBSOCKET_PREDEFINED = ("$connect", "$disconnect", "$default")
HTTP_ROUTE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
_LITERAL = re.compile(r"[A-Za-z0-9\-._~:@!$&'()*+,;=%]+")
_PARAM = re.compile(r"\{([A-Za-z0-9._\-:]+)(\+?)\}")


def check_route_key(key: str, protocol: str) -> str:
    """The route key to store, or ``BadRequestException`` with why it is refused."""
    if protocol != "HTTP":
        if not key.strip():
            raise BadRequest("Route key must not be blank")
        if key.startswith(("$", "\\$")) and key not in WEBSOCKET_PREDEFINED:
            # "$" starts only the predefined keys; "\$default" is a selection expression's
            # escape (shells leave it in single quotes), never a route key.
            plain = key.removeprefix("\\")
            hint = f" (did you mean {plain}?)" if plain in WEBSOCKET_PREDEFINED else ""
            raise BadRequest(
                f"Invalid route key {key}{hint}: the $ prefix is reserved for the predefined "
                f"routes {', '.join(WEBSOCKET_PREDEFINED)}"
            )
        return key
    if key == "$default":
        return key
    method, sep, path = key.partition(" ")
    if not sep or method not in HTTP_ROUTE_METHODS:
        raise BadRequest(
            f"Invalid route key {key!r}: a route key is '$default' or 'METHOD /path' with METHOD "
            f"one of {', '.join(HTTP_ROUTE_METHODS)}"
        )
    if not path.startswith("/"):
        raise BadRequest(f"Invalid route key {key!r}: the path must start with '/'")
    if path == "/":
        return key
    segments = path[1:].split("/")
    names: set[str] = set()
    for i, segment in enumerate(segments):
        if not segment:
            raise BadRequest(f"Invalid route key {key!r}: the path has an empty segment")
        m = _PARAM.fullmatch(segment)
        if m is None:
            if "{" in segment or "}" in segment or not _LITERAL.fullmatch(segment):
                raise BadRequest(
                    f"Invalid route key {key!r}: segment {segment!r} is neither a literal nor "
                    "a path parameter such as {id} or {proxy+}"
                )
            continue
        name, greedy = m.group(1), m.group(2)
        if greedy and i != len(segments) - 1:
            raise BadRequest(
                f"Invalid route key {key!r}: a greedy path variable ({segment}) must be the "
                "last segment of the path"
            )
        if name in names:
            raise BadRequest(f"Invalid route key {key!r}: path parameter {name} appears twice")
        names.add(name)
    return key
