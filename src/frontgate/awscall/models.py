"""What the gateway needs to know of an AWS service, from botocore's service models: its
signing name, protocol (query, json, rest-json, rest-xml), JSON version and target prefix, API
version, and each operation's HTTP binding. Looked up by the name an integration URI uses
(``arn:aws:apigateway:{region}:{service}:...``), which is the service's endpoint prefix
(``states``, ``events``, ``monitoring``), not always botocore's name for it."""

from __future__ import annotations

import functools
import gzip
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Final

# Endpoint prefix → botocore service name where they differ (the common ones; anything else is
# found by reading every model's metadata once).
ALIASES: Final = {
    "states": "stepfunctions",
    "monitoring": "cloudwatch",
    "email": "ses",
    "runtime.sagemaker": "sagemaker-runtime",
    "runtime.lex": "lex-runtime",
    "data.iot": "iot-data",
    "data.mediastore": "mediastore-data",
    "streams.dynamodb": "dynamodbstreams",
    "elasticloadbalancing": "elbv2",
    "execute-api": "apigateway",
}

# Services API Gateway calls with AWS's query protocol although botocore's current model
# speaks JSON: SQS added its JSON protocol in 2023; API Gateway's AWS integrations (and every
# published SQS integration template, ``Action=SendMessage&MessageBody=...``) use the query API.
_QUERY: Final = frozenset({"sqs"})


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    name: str  # as in the integration URI (the endpoint prefix)
    model_name: str  # botocore's
    service_id: str  # "SQS", "DynamoDB", "SFN": AWS_ENDPOINT_URL_<SERVICE_ID>
    signing_name: str
    protocol: str  # query | ec2 | json | rest-json | rest-xml
    api_version: str
    json_version: str
    target_prefix: str
    model: Any = field(repr=False, compare=False)  # botocore ServiceModel

    def operation(self, action: str) -> Any | None:
        """botocore's OperationModel for ``action``, or None when the service has none."""
        try:
            return self.model.operation_model(action)
        except Exception:  # botocore's OperationNotFoundError
            return None


class UnknownService(LookupError):
    pass


_lock = threading.Lock()


def service_info(name: str) -> ServiceInfo:
    """The service an integration URI names. Reads model files: call it off the event loop the
    first time for a name (``cached_info`` answers without I/O afterwards). Raises
    UnknownService."""
    found = _cached(name)
    if found is not None:
        return found
    with _lock:
        return _load(name)


def cached_info(name: str) -> ServiceInfo | None:
    """``service_info(name)`` if already loaded, else None (never touches the disk)."""
    return _cached(name)


def resolve(name: str) -> tuple[ServiceInfo, str]:
    """The service an integration URI's ``{service}`` part names, and the subdomain written
    before it ("" when none): ``my.bucket.s3`` is S3 with subdomain ``my.bucket``, while
    ``runtime.sagemaker`` is a service of its own. Off the event loop the first time."""
    found = _resolved.get(name)
    if found is not None:
        return found
    try:
        found = (service_info(name), "")
    except UnknownService:
        for i, ch in enumerate(name):
            if ch != ".":
                continue
            try:
                found = (service_info(name[i + 1 :]), name[:i])
                break
            except UnknownService:
                continue
        else:
            raise
    _resolved[name] = found
    return found


def cached_resolve(name: str) -> tuple[ServiceInfo, str] | None:
    """``resolve(name)`` if already done, else None (never touches the disk)."""
    return _resolved.get(name)


_resolved: dict[str, tuple[ServiceInfo, str]] = {}


_infos: dict[str, ServiceInfo] = {}


def _cached(name: str) -> ServiceInfo | None:
    return _infos.get(name)


def _load(name: str) -> ServiceInfo:
    found = _infos.get(name)
    if found is not None:
        return found
    model_name = ALIASES.get(name, name)
    try:
        model = _model(model_name)
    except Exception:
        model_name = _by_prefix().get(name, "")
        if not model_name:
            raise UnknownService(name) from None
        model = _model(model_name)
    meta = model.metadata
    protocol = "query" if name in _QUERY else str(meta.get("protocol", "json"))
    info = ServiceInfo(
        name=name,
        model_name=model_name,
        service_id=str(meta.get("serviceId", model_name)),
        signing_name=str(model.signing_name or name),
        protocol=protocol,
        api_version=str(meta.get("apiVersion", "")),
        json_version=str(meta.get("jsonVersion", "1.0")),
        target_prefix=str(meta.get("targetPrefix", "")),
        model=model,
    )
    _infos[name] = info
    return info


@functools.lru_cache(maxsize=1)
def loader() -> Any:
    """botocore's data loader (no session: no profile or config file is read)."""
    from botocore.loaders import create_loader

    return create_loader()


def _model(name: str) -> Any:
    from botocore.model import ServiceModel

    return ServiceModel(loader().load_service_model(name, "service-2"), service_name=name)


@functools.lru_cache(maxsize=1)
def _by_prefix() -> dict[str, str]:
    """Endpoint prefix → service name over every model botocore has. Reads only the head of
    each model file (its metadata comes first), so the scan takes a fraction of a second."""
    out: dict[str, str] = {}
    for root in loader().search_paths:
        if not os.path.isdir(root):
            continue
        for service in sorted(os.listdir(root)):
            prefix = _prefix_of(os.path.join(root, service))
            if prefix is not None:
                out.setdefault(prefix, service)
    return out


_ENDPOINT_PREFIX: Final = re.compile(rb'"endpointPrefix"\s*:\s*"([^"]+)"')


def _prefix_of(directory: str) -> str | None:
    try:
        versions = sorted(os.listdir(directory), reverse=True)
    except OSError:
        return None
    for version in versions:
        for name, opener in (("service-2.json.gz", gzip.open), ("service-2.json", open)):
            path = os.path.join(directory, version, name)
            if os.path.exists(path):
                with opener(path, "rb") as fh:
                    m = _ENDPOINT_PREFIX.search(fh.read(4096))
                return m.group(1).decode() if m else None
    return None
