"""Lambda function URLs compiled for the data plane (``Snapshot.function_urls``): each stored
URL configuration (``_url`` in its function's document, written by ``admin.lambda_.urls``)
becomes an HTTP-API-like ``$default`` stage with one ``ANY`` method on every path, whose one
policy stage is the URL's access check and whose integration (``FUNCTION_URL``) invokes the
function with the payload format 2.0 event; plus the URL's CORS rules. Function URL failures
have their own bodies (``{"Message":"Forbidden"}``, ``Internal Server Error``), so the stage's
gateway responses are function URL ones, not API Gateway's."""

from __future__ import annotations

import json
import logging
from typing import Any

from frontgate.functions.registry import FUNCTION
from frontgate.iam.policy import Policy, PolicyError, compile_policy
from frontgate.pipeline import cors
from frontgate.pipeline.function_urls import access_stage
from frontgate.snapshot.function_urls import FunctionUrl
from frontgate.snapshot.snapshot import GatewayResponse, Integration, Method, RouteNode, Stage
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.compile")

_FORBIDDEN = '{"Message":"Forbidden"}'
_SIGNATURE = '{"message":$context.error.messageString}'
GATEWAY_RESPONSES = {
    "ACCESS_DENIED": GatewayResponse("ACCESS_DENIED", 403, (), _FORBIDDEN),
    "MISSING_AUTHENTICATION_TOKEN": GatewayResponse(
        "MISSING_AUTHENTICATION_TOKEN", 403, (), _FORBIDDEN
    ),
    "UNAUTHORIZED": GatewayResponse("UNAUTHORIZED", 403, (), _FORBIDDEN),
    # What is wrong with a signature is worth telling (the caller signed; Lambda says why).
    "INVALID_SIGNATURE": GatewayResponse("INVALID_SIGNATURE", 403, (), _SIGNATURE),
    "EXPIRED_TOKEN": GatewayResponse("EXPIRED_TOKEN", 403, (), _SIGNATURE),
    "THROTTLED": GatewayResponse("THROTTLED", 429, (), '{"Message":"Rate Exceeded."}'),
    "BAD_GATEWAY": GatewayResponse("BAD_GATEWAY", 502, (), "Internal Server Error"),
    "DEFAULT_5XX": GatewayResponse("DEFAULT_5XX", 502, (), "Internal Server Error"),
    "API_CONFIGURATION_ERROR": GatewayResponse(
        "API_CONFIGURATION_ERROR", 502, (), "Internal Server Error"
    ),
}


def _policy(statements: list[dict[str, Any]]) -> Policy | None:
    if not statements:
        return None
    doc = {"Version": "2012-10-17", "Statement": statements}
    try:
        return compile_policy(json.dumps(doc), need_principal=True)
    except PolicyError as exc:
        # A statement this gateway cannot evaluate: deny rather than guess.
        log.error("function policy does not compile (%s): its function URL denies all", exc)
        return Policy(())


def _cors(raw: dict[str, Any] | None) -> cors.CorsPolicy | None:
    """Lambda's ``Cors`` (PascalCase) compiled by the rules HTTP APIs' CORS follows."""
    if not raw:
        return None
    return cors.compile_policy({
        "allowOrigins": raw.get("AllowOrigins"),
        "allowMethods": raw.get("AllowMethods"),
        "allowHeaders": raw.get("AllowHeaders"),
        "exposeHeaders": raw.get("ExposeHeaders"),
        "maxAge": raw.get("MaxAge"),
        "allowCredentials": raw.get("AllowCredentials"),
    })  # fmt: skip


def function_url(region: str, doc: dict[str, Any]) -> FunctionUrl:
    """The compiled URL of one function document holding ``_url``."""
    url = doc["_url"]
    arn = str(doc["FunctionArn"])
    account = arn.split(":")[4]
    auth = str(url["AuthType"])
    url_cors = _cors(url.get("Cors"))
    # The function's own timeout bounds the invocation (no API Gateway 29 s limit here).
    integ = Integration(
        "FUNCTION_URL", "POST", arn, None, (), {}, "WHEN_NO_MATCH",
        float(doc.get("Timeout") or 3) + 1.0, (),
    )  # fmt: skip
    policy = _policy(doc.get("_policy") or [])
    step = access_stage(policy, arn, auth, region, account, url_cors is not None)
    method = Method("ANY", "", "/{proxy+}", auth, False, {}, integ, (step,), route_key="$default")
    stage = Stage(
        api_id=str(url["urlId"]),
        api_name=str(doc["FunctionName"]),
        region=region,
        account_id=account,
        stage_name="$default",
        deployment_id="",
        variables={},
        root=RouteNode(methods={"ANY": method}),
        gateway_responses=GATEWAY_RESPONSES,
        binary_media_types=(),
        api_key_source="HEADER",
    )
    return FunctionUrl(str(url["urlId"]), arn, auth, stage, url_cors)


async def load_function_urls(store: ConfigStore) -> dict[str, FunctionUrl]:
    found: dict[str, FunctionUrl] = {}
    for region, _parent, doc in await store.list_all(FUNCTION):
        if not doc.get("_url"):
            continue
        try:
            compiled = function_url(region, doc)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            name = doc.get("FunctionName")
            log.error("function URL of %s/%s is not served: %r", region, name, exc)
            continue
        found[compiled.url_id] = compiled
    return found
