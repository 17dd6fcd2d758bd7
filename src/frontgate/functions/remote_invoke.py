"""Functions that live elsewhere: a SigV4-signed Invoke on the configured Lambda endpoint (AWS
Lambda, or another Frontgate node's admin listener), sent through the gateway's upstream pool so
the event loop never blocks. Credentials come from botocore's usual chain, resolved off-loop."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials

from frontgate.functions import errors
from frontgate.functions.result import InvokeResult
from frontgate.upstream.errors import UpstreamError, UpstreamTimeout
from frontgate.upstream.pool import UpstreamPool

_ERRORS: dict[str, type[errors.LambdaError]] = {
    cls.code: cls
    for cls in (
        errors.ResourceNotFound,
        errors.TooManyRequests,
        errors.InvalidParameterValue,
        errors.RequestTooLarge,
        errors.ResourceConflict,
        errors.InvalidRequestContent,
        errors.AccessDenied,
    )
}


class RemoteLambda:
    def __init__(self, endpoint: str, pool: UpstreamPool) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.pool = pool
        self._creds: Any = None

    async def _credentials(self) -> ReadOnlyCredentials:
        creds = self._creds
        if creds is None:
            creds = self._creds = await asyncio.to_thread(_resolve)
        if creds is None:
            raise errors.LambdaError("Unable to locate credentials for the remote Lambda endpoint")
        refresh = getattr(creds, "refresh_needed", None)
        if refresh is not None and refresh():
            frozen: ReadOnlyCredentials = await asyncio.to_thread(creds.get_frozen_credentials)
            return frozen
        return creds.get_frozen_credentials()

    async def invoke(
        self, arn: str, region: str, payload: bytes, timeout: float, invocation_type: str
    ) -> InvokeResult:
        frozen = await self._credentials()
        url = f"{self.endpoint}/2015-03-31/functions/{quote(arn, safe='')}/invocations"
        req = AWSRequest(
            method="POST",
            url=url,
            data=payload,
            headers={"X-Amz-Invocation-Type": invocation_type, "Content-Type": "application/json"},
        )
        signer = SigV4Auth(
            Credentials(frozen.access_key, frozen.secret_key, frozen.token), "lambda", region
        )
        signer.add_auth(req)  # pure computation: safe on the loop
        headers = [(k, str(v)) for k, v in req.headers.items()]
        try:
            resp = await self.pool.request("POST", url, headers, payload, timeout)
        except UpstreamTimeout:
            raise TimeoutError from None
        except UpstreamError as exc:
            raise errors.LambdaError(f"Remote Lambda endpoint failed: {exc}") from None
        hdrs = {k.lower(): v for k, v in resp.headers}
        if resp.status >= 300:
            code = hdrs.get("x-amzn-errortype", "ServiceException").split(":", 1)[0]
            try:
                doc = json.loads(resp.body)
                message = str(doc.get("message") or doc.get("Message") or "")
            except ValueError:
                message = resp.body.decode("utf-8", "replace")
            raise _ERRORS.get(code, errors.LambdaError)(message)
        return InvokeResult(
            payload=resp.body,
            function_error=hdrs.get("x-amz-function-error"),
            log_tail="",
            executed_version=hdrs.get("x-amz-executed-version", "$LATEST"),
            status=resp.status,
        )


def _resolve() -> Any:
    import botocore.session

    return botocore.session.get_session().get_credentials()
