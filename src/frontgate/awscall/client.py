"""``AwsClient.send``: one SigV4-signed call (awscall.signing) to an AWS service through the
gateway's upstream pool, reported through a ``Deferred`` (see frontgate.deferred). What needs
I/O the first time (the service's model, the default credential chain) is done in a thread
once; every later call signs and sends without leaving the event loop's callback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from frontgate import gateway_errors
from frontgate.awscall.credentials import Credentials, CredentialsError, Keys, parse_configured
from frontgate.awscall.endpoints import Endpoint, Endpoints
from frontgate.awscall.models import ServiceInfo, UnknownService, cached_info, service_info
from frontgate.awscall.signing import sign
from frontgate.deferred import Deferred
from frontgate.upstream.errors import (
    UpstreamConnectError,
    UpstreamError,
    UpstreamTimeout,
)
from frontgate.upstream.pool import UpstreamPool, UpstreamResponse

if TYPE_CHECKING:
    from frontgate.iam.identities import IamIndex
    from frontgate.pipeline.context import Context

log = logging.getLogger("frontgate.awscall")


class AwsClient:
    """Built once per worker (``Env.aws``) from ``Settings.aws_endpoints`` and
    ``Settings.aws_credentials``; ``static_iam`` is the config-file IAM users' index, where a
    caller's key is found when the snapshot's managed index does not hold it."""

    def __init__(
        self,
        pool: UpstreamPool,
        endpoints: Mapping[str, str] | None = None,
        credentials: Mapping[str, Any] | None = None,
        static_iam: IamIndex | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.pool = pool
        self.endpoints = Endpoints(endpoints, environ)
        self.credentials = Credentials(parse_configured(credentials or {}))
        self.static_iam = static_iam

    def __repr__(self) -> str:
        return f"AwsClient({self.credentials!r})"

    def endpoint(self, info: ServiceInfo, region: str) -> Endpoint:
        return self.endpoints.resolve(info, region)

    def send(
        self,
        ctx: Context,
        service: str,
        region: str,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        credentials: str | None,
        timeout: float,
        host_prefix: str = "",
    ) -> Deferred[UpstreamResponse]:
        """Sign and send ``method {endpoint}{path}?{query}``. ``path`` starts with "/" and is
        percent-encoded as it goes on the wire; so is ``query``. ``host_prefix``: the
        operation's endpoint prefix (``sync-``), put before AWS's host, not a configured one.
        Fails with a GatewayError, its reason already in ``ctx.error`` and the execution log."""
        done: Deferred[UpstreamResponse] = Deferred()
        call = _Send(
            self, ctx, service, region, method, path, query, headers, body, timeout, host_prefix
        )
        try:
            info = cached_info(service)
            keys = self.credentials.pick(credentials, self._caller(ctx))
        except CredentialsError as exc:
            done.fail(config_error(ctx, str(exc)))
            return done
        if info is not None and keys is not None:
            call.start(done, info, keys)
            return done
        task = asyncio.get_running_loop().create_task(call.prepare(done, credentials))

        def cancel() -> None:
            task.cancel()

        done.on_cancel(cancel)
        return done

    def _caller(self, ctx: Context) -> Keys | None:
        """The key the caller's SigV4 request was verified with (AWS_IAM), with its secret."""
        ident = ctx.identity
        key_id = ident.get("accessKey") if ident else None
        if not key_id:
            return None
        index = ctx.snapshot.iam
        entry = index.key(key_id) if index is not None else None
        if entry is None and self.static_iam is not None:
            entry = self.static_iam.key(key_id)
        if entry is None:
            return None
        return Keys(entry.key_id, entry.secret, entry.token)


class _Send:
    __slots__ = (
        "body", "client", "ctx", "headers", "host_prefix", "method", "path", "query", "region",
        "service", "timeout",
    )  # fmt: skip

    def __init__(
        self,
        client: AwsClient,
        ctx: Context,
        service: str,
        region: str,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        timeout: float,
        host_prefix: str = "",
    ) -> None:
        self.host_prefix = host_prefix
        self.client = client
        self.ctx = ctx
        self.service = service
        self.region = region
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.timeout = timeout

    async def prepare(self, done: Deferred[UpstreamResponse], credentials: str | None) -> None:
        """The slow first call: load the model and/or resolve the default chain in threads."""
        client = self.client
        try:
            info = cached_info(self.service)
            if info is None:
                info = await asyncio.to_thread(service_info, self.service)
            keys = client.credentials.pick(credentials, client._caller(self.ctx))
            if keys is None:
                keys = await client.credentials.default()
        except UnknownService:
            done.fail(config_error(self.ctx, f"Unknown AWS service {self.service}"))
            return
        except CredentialsError as exc:
            done.fail(config_error(self.ctx, str(exc)))
            return
        except Exception as exc:  # botocore's own failures reading its config: not the client's
            why = type(exc).__name__  # never the message: it may quote configuration
            log.warning("AWS call preparation failed: %s", why)
            done.fail(config_error(self.ctx, f"Unable to load AWS credentials ({why})"))
            return
        if not done.settled:
            self.start(done, info, keys)

    def start(self, done: Deferred[UpstreamResponse], info: ServiceInfo, keys: Keys) -> None:
        ctx = self.ctx
        endpoint = self.client.endpoint(info, self.region)
        url = endpoint.with_host_prefix(self.host_prefix) + self.path
        if self.query:
            url += "?" + self.query
        try:
            headers = sign(
                keys, info.signing_name, endpoint.region, self.method, url, self.headers,
                self.body,
            )  # fmt: skip
        except ValueError as exc:
            done.fail(config_error(ctx, f"Invalid request: {exc}"))
            return
        if ctx.exec_log is not None:
            from frontgate.observe import exec_log

            ctx.log(f"Endpoint request URI: {url}")
            exec_log.endpoint_request(ctx, url, headers, self.body)

        def finished(resp: UpstreamResponse | None, exc: UpstreamError | None) -> None:
            if resp is None:
                done.fail(transport_error(ctx, exc))
            else:
                done.resolve(resp)

        try:
            exchange = self.client.pool.start(
                self.method, url, headers, self.body, self.timeout, finished
            )
        except ValueError as exc:  # CR/LF in a mapped header value: the client's doing
            done.fail(config_error(ctx, str(exc)))
            return
        if not done.settled:
            done.on_cancel(exchange.cancel)


def config_error(ctx: Context, why: str) -> gateway_errors.GatewayError:
    """AWS's 500 for an integration that cannot be called as configured."""
    ctx.error = f"Execution failed due to configuration error: {why}"
    ctx.log(ctx.error)
    return gateway_errors.internal_error()


def transport_error(ctx: Context, exc: UpstreamError | None) -> gateway_errors.GatewayError:
    if isinstance(exc, UpstreamTimeout):
        ctx.error = "Execution failed due to a timeout error"
        ctx.log(ctx.error)
        return gateway_errors.integration_timeout()
    if isinstance(exc, UpstreamConnectError):
        ctx.error = f"Execution failed due to a network error communicating with endpoint: {exc}"
    else:
        ctx.error = f"Execution failed: invalid response from endpoint: {exc}"
    ctx.log(ctx.error)
    return gateway_errors.integration_failure()
