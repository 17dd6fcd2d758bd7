"""The Lambda REQUEST authorizer of a WebSocket API's ``$connect`` route: identity sources
(``route.request.header.X``, ``route.request.querystring.q``) must all be present (else 401),
the function is called with the REQUEST event, and the IAM policy it answers must allow
``execute-api:Invoke`` on the route's ARN (else 403). Its ``principalId`` and ``context`` are
what later events show as ``requestContext.authorizer``."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from frontgate.snapshot.websocket import WsAuthorizer, WsStage

TIMEOUT = 10.0  # seconds: API Gateway's limit for a Lambda authorizer


class Authorized(dict[str, Any]):
    """``requestContext.authorizer`` (principalId and context), with the answer's
    ``usageIdentifierKey`` kept aside: the API key when the API selects keys with
    ``$context.authorizer.usageIdentifierKey`` (``websocket.api_keys``)."""

    usage_identifier_key: str | None = None


class Refused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _source_value(source: str, headers: dict[str, str], query: dict[str, str]) -> str | None:
    src = source.strip()
    for prefix, values in (
        ("route.request.header.", headers),
        ("route.request.querystring.", query),
    ):
        if src.startswith(prefix):
            name = src[len(prefix) :]
            if values is headers:
                name = name.lower()
            return values.get(name) or None
    return ""  # stage variables and context: not checked for presence


def _matches(patterns: Any, value: str) -> bool:
    items = patterns if isinstance(patterns, list) else [patterns]
    return any(isinstance(p, str) and fnmatch.fnmatchcase(value, p) for p in items)


def _decide(policy: Any, arn: str) -> bool:
    """Allowed: some Allow statement covers ``execute-api:Invoke`` on ``arn``, and no Deny."""
    if not isinstance(policy, dict):
        return False
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for st in statements if isinstance(statements, list) else []:
        if not isinstance(st, dict):
            continue
        action = st.get("Action", "")
        if not _matches(action, "execute-api:Invoke") or not _matches(st.get("Resource"), arn):
            continue
        effect = st.get("Effect")
        if effect == "Deny":
            return False
        if effect == "Allow":
            allowed = True
    return allowed


async def authorize(
    env: Any, stage: WsStage, auth: WsAuthorizer, connect_event: dict[str, Any]
) -> dict[str, Any]:
    """The ``requestContext.authorizer`` value on success; raises ``Refused(401|403|500)``."""
    headers = {k.lower(): v for k, v in (connect_event.get("headers") or {}).items()}
    query = dict(connect_event.get("queryStringParameters") or {})
    for source in auth.identity_source:
        if _source_value(source, headers, query) is None:
            raise Refused(401)
    arn = (
        f"arn:aws:execute-api:{stage.region}:{stage.account_id}:{stage.api_id}/"
        f"{stage.stage_name}/$connect"
    )
    event = {
        "type": "REQUEST",
        "methodArn": arn,
        "headers": connect_event.get("headers") or {},
        "multiValueHeaders": connect_event.get("multiValueHeaders") or {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": connect_event.get("multiValueQueryStringParameters")
        or {},
        "stageVariables": stage.variables,
        "requestContext": connect_event.get("requestContext") or {},
    }
    invoker = getattr(env, "functions", None)
    if invoker is None:
        raise Refused(500)
    source_arn = (
        f"arn:aws:execute-api:{stage.region}:{stage.account_id}:{stage.api_id}/"
        f"authorizers/{auth.authorizer_id}"
    )
    try:
        result = await invoker.invoke(auth.function, event, source_arn=source_arn, timeout=TIMEOUT)
    except Exception:
        raise Refused(500) from None
    try:
        answer = json.loads(result.payload or b"null")
    except (ValueError, RecursionError):
        answer = None
    if result.function_error is not None:
        message = answer.get("errorMessage") if isinstance(answer, dict) else None
        raise Refused(401 if message == "Unauthorized" else 500)
    if not isinstance(answer, dict) or not _decide(answer.get("policyDocument"), arn):
        raise Refused(403)
    out = Authorized(principalId=answer.get("principalId"))
    context = answer.get("context")
    if isinstance(context, dict):
        out.update(context)
    usage_key = answer.get("usageIdentifierKey")
    if isinstance(usage_key, str) and usage_key:
        out.usage_identifier_key = usage_key
    return out
