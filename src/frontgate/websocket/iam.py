"""AWS_IAM on a WebSocket API's ``$connect``: the handshake request is SigV4-signed (service
``execute-api``, the API's region; header or query-string signature) by a key the gateway
knows, and the caller's policies allow ``execute-api:Invoke`` on
``arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect``. Through the AWS_IAM
machinery HTTP requests use (``pipeline.authorize``)."""

from __future__ import annotations

from typing import Any

from frontgate import ids
from frontgate.gateway_errors import GatewayError
from frontgate.http.message import Request
from frontgate.iam.policy import ALLOW
from frontgate.pipeline.authorize import INVOKE, authenticate, caller_identity, decide, facts
from frontgate.pipeline.context import Context
from frontgate.snapshot.websocket import WsStage
from frontgate.websocket.authorizer import Refused


def check(env: Any, snapshot: Any, request: Request, stage: WsStage) -> dict[str, Any]:
    """The caller's ``identity`` for the events; raises ``Refused(403)``."""
    rid, ext = ids.request_ids()
    ctx = Context(request, snapshot, rid, ext)
    arn = (
        f"arn:aws:execute-api:{stage.region}:{stage.account_id}:{stage.api_id}/"
        f"{stage.stage_name}/$connect"
    )
    try:
        entry = authenticate(ctx, env, (stage.region,))
    except GatewayError:
        raise Refused(403) from None
    ident = entry.identity
    if decide(ident, None, INVOKE, arn, facts(ctx, env, ident), True) != ALLOW:
        raise Refused(403)
    return dict(caller_identity(entry))
