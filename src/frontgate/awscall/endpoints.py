"""Where an AWS service is reached: the endpoint configured for it (``Settings.aws_endpoints``,
keyed by the URI's service name, botocore's name or the service id), then the environment
variables botocore reads (``AWS_ENDPOINT_URL_<SERVICE_ID>``, then ``AWS_ENDPOINT_URL``), else
AWS's regional endpoint from botocore's endpoint data. Every URL has no trailing slash; calls
add ``/{path}`` to it, so S3 is always addressed path-style (``{endpoint}/{bucket}/{key}``)."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any

from frontgate.awscall.models import ServiceInfo


class Endpoint:
    """A service's base URL and the region its signatures are scoped to; ``aws``: AWS's own
    endpoint (an operation's host prefix, such as ``sync-``, applies only there)."""

    __slots__ = ("aws", "region", "url")

    def __init__(self, url: str, region: str, aws: bool = False) -> None:
        self.url = url
        self.region = region
        self.aws = aws

    def with_host_prefix(self, prefix: str) -> str:
        """The URL with ``prefix`` before its host when it is AWS's endpoint, else as is."""
        if not prefix or not self.aws:
            return self.url
        scheme, sep, rest = self.url.partition("://")
        return f"{scheme}{sep}{prefix}{rest}"

    def __repr__(self) -> str:
        return f"Endpoint({self.url!r}, {self.region!r})"


class Endpoints:
    def __init__(
        self, configured: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        self._configured = {k.lower(): v.rstrip("/") for k, v in (configured or {}).items()}
        self._environ = os.environ if environ is None else environ
        self._cache: dict[tuple[str, str], Endpoint] = {}

    def resolve(self, info: ServiceInfo, region: str) -> Endpoint:
        key = (info.name, region)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._resolve(info, region)
        return found

    def _resolve(self, info: ServiceInfo, region: str) -> Endpoint:
        for name in (info.name, info.model_name, info.service_id):
            url = self._configured.get(name.lower())
            if url:
                return Endpoint(url, region)
        if self._environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
            # botocore's rule: the service id, spaces to underscores, upper case.
            var = "AWS_ENDPOINT_URL_" + info.service_id.replace(" ", "_").upper()
            url = self._environ.get(var) or self._environ.get("AWS_ENDPOINT_URL")
            if url:
                return Endpoint(url.rstrip("/"), region)
        return aws_endpoint(info.name, region)


def aws_endpoint(prefix: str, region: str) -> Endpoint:
    """AWS's own endpoint for a service in ``region`` (global services keep their scope's
    region: IAM signs for us-east-1 whatever the API's region)."""
    data = _resolver().construct_endpoint(prefix, region)
    if not data:
        suffix = ".amazonaws.com.cn" if region.startswith("cn-") else ".amazonaws.com"
        return Endpoint(f"https://{prefix}.{region}{suffix}", region, aws=True)
    scope = data.get("credentialScope") or {}
    return Endpoint(f"https://{data['hostname']}", str(scope.get("region") or region), aws=True)


@functools.lru_cache(maxsize=1)
def _resolver() -> Any:
    from botocore.regions import EndpointResolver

    from frontgate.awscall.models import loader

    return EndpointResolver(loader().load_data("endpoints"))
