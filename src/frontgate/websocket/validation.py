"""Request validation of WebSocket routes, as AWS validates them:

- ``requestParameters`` marked ``required`` (``route.request.header.NAME``,
  ``route.request.querystring.NAME``) are checked on ``$connect``, the only request with
  headers and a query string: one missing fails the handshake with 400
  ``{"message": "Missing required request parameters: [NAME, ...]"}`` (REST's wording);
- ``requestModels`` (JSON Schema draft 4, compiled with fastjsonschema by ``snapshot.models``)
  check a message's body: the model is the one ``modelSelectionExpression`` selects (a
  ``$request.body`` path or a constant such as ``\\$default``), else the ``$default`` model;
  with an expression and neither, validation fails (AWS: "If there is no matching model and
  $default isn't defined, the validation fails"). A message that is not JSON or fails gets
  AWS's "Bad request body" in the error frame
  ``{"message": "Bad request body", "connectionId": ..., "requestId": ...}`` and goes no
  further; the connection stays open."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from frontgate.snapshot.websocket import WsRoute
from frontgate.websocket.routing import _MISSING, select

if TYPE_CHECKING:
    from frontgate.websocket.session import Session

log = logging.getLogger("frontgate.websocket")

INVALID_BODY = "Bad request body"


def missing_parameters(session: Session, route: WsRoute) -> str | None:
    """The handshake refusal's message when required parameters are missing, else None."""
    if not route.required_params:
        return None
    headers = {k.lower() for k, v in session.headers if v}
    query = {k for k, v in session.query}
    missing = [
        name
        for where, name in route.required_params
        if (name.lower() not in headers if where == "header" else name not in query)
    ]
    if not missing:
        return None
    return f"Missing required request parameters: [{', '.join(missing)}]"


def body_error(route: WsRoute, parsed: Any) -> str | None:
    """Why a message's body fails the route's model (None: it passes, or there is no model).
    ``parsed`` is the message as ``routing.parse_body`` read it."""
    models = route.models
    if not models:
        return None
    check = None
    if route.model_selection:
        key = select(route.model_selection, parsed)
        if key is not None:
            check = models.get(key)
    if check is None:
        check = models.get("$default")
    if check is None:
        return "no model matches and there is no $default model" if route.model_selection else None
    if parsed is _MISSING:
        return "the message is not JSON"
    try:
        return check(parsed)  # type: ignore[no-any-return]
    except RecursionError:
        return "JSON nested too deeply"


def refused_message(session: Session, route: WsRoute, parsed: Any) -> str | None:
    """The error frame's message for a message the route's model refuses, else None."""
    why = body_error(route, parsed)
    if why is None:
        return None
    log.info("%s %s: %s %s", session.api_id, route.key, INVALID_BODY, why)
    return INVALID_BODY
