"""Function URLs compiled for the data plane (compile/function_urls.py): what a stored URL
configuration becomes, and that it survives the trip to a worker (snapshot/image.py's
globals) with its access check still deciding as compiled. Routed through a real Pipeline
(no function runs: the answers checked are the access stage's and the router's)."""

from __future__ import annotations

import asyncio
from typing import Any

from frontgate.compile.function_urls import function_url
from frontgate.http.message import Request, Response
from frontgate.pipeline.env import Env
from frontgate.pipeline.runner import Pipeline
from frontgate.snapshot.image import assemble, dump_globals, load_globals
from frontgate.snapshot.snapshot import Snapshot
from frontgate.upstream.pool import UpstreamPool

ARN = "arn:aws:lambda:us-east-1:111122223333:function:fn"
URL_ID = "a" * 32
PUBLIC = {
    "Sid": "p", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
    "Resource": ARN, "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
}  # fmt: skip


def _doc(**url: Any) -> dict[str, Any]:
    return {
        "FunctionName": "fn", "FunctionArn": ARN, "Timeout": 7,
        "_url": {"urlId": URL_ID, "AuthType": "NONE", **url},
    }  # fmt: skip


def _shipped(doc: dict[str, Any]) -> Snapshot:
    compiled = function_url("us-east-1", doc)
    snap = Snapshot(1, {}, frozenset(), function_urls={URL_ID: compiled})
    return assemble(load_globals(dump_globals(snap)), {})


def _status(snap: Snapshot, method: str, target: str, headers: list[tuple[str, str]]) -> int:
    async def run() -> int:
        pipeline = Pipeline(Env(domain="localhost", pool=UpstreamPool()))
        pipeline.swap(snap)
        answer: Any = pipeline.handle(Request(method, target, headers))
        if not isinstance(answer, Response):
            answer = await answer
        return int(answer.status)

    return asyncio.run(run())


def test_compiled_shape() -> None:
    url = function_url("us-east-1", _doc(Cors={"AllowOrigins": ["*"], "MaxAge": 5}))
    method = url.method
    assert (url.url_id, url.function_arn, url.auth_type) == (URL_ID, ARN, "NONE")
    assert (method.http_method, method.route_key) == ("ANY", "$default")
    assert method.integration is not None and method.integration.type == "FUNCTION_URL"
    assert method.integration.timeout == 8.0  # the function's own timeout bounds the call
    assert url.stage.account_id == "111122223333" and url.stage.stage_name == "$default"
    assert url.cors is not None and url.cors.any_origin and url.cors.max_age == 5
    assert url.stage.gateway_responses["ACCESS_DENIED"].status == 403


def test_shipped_access_check_still_decides() -> None:
    host = [("Host", f"{URL_ID}.lambda-url.us-east-1.localhost:9")]
    closed = _shipped(_doc())
    assert _status(closed, "GET", "/x", host) == 403
    opened = _shipped({**_doc(), "_policy": [PUBLIC]})
    # Allowed: the request gets past the access stage to the integration, which has no
    # function runtime here (502, the function URL answer for a failed invocation).
    assert _status(opened, "GET", "/x", host) == 502
    assert _status(opened, "GET", f"/_aws/lambda-url/{URL_ID}/x", []) == 502
    # Another region or domain in Host is not this URL.
    other = [("Host", f"{URL_ID}.lambda-url.eu-west-1.localhost")]
    assert _status(opened, "GET", "/x", other) == 403
