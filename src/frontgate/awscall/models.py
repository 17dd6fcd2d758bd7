"""What the gateway needs to know of an AWS service, from botocore's service models: its
signing name, protocol (query, json, rest-json, rest-xml), JSON version and target prefix, API
version, and each operation's HTTP binding. Looked up by the name an integration URI uses
(``arn:aws:apigateway:{region}:{service}:...``), which is the service's endpoint prefix
(``states``, ``events``, ``monitoring``), not always botocore's name for it."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import Any, Final

# Endpoint prefix → botocore service name where they differ (the common ones; anything else is
# found by reading every model's metadata once).
_ALIASES: Final = {
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


_infos: dict[str, ServiceInfo] = {}


def _cached(name: str) -> ServiceInfo | None:
    return _infos.get(name)


def _load(name: str) -> ServiceInfo:
    found = _infos.get(name)
    if found is not None:
        return found
    session = _session()
    model_name = _ALIASES.get(name, name)
    try:
        model = session.get_service_model(model_name)
    except Exception:
        model_name = _by_prefix().get(name, "")
        if not model_name:
            raise UnknownService(name) from None
        model = session.get_service_model(model_name)
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
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@functools.lru_cache(maxsize=1)
def _by_prefix() -> dict[str, str]:
    """Endpoint prefix → service name over every model botocore has (slow: once)."""
    loader = _session().get_component("data_loader")
    out: dict[str, str] = {}
    for service in loader.list_available_services("service-2"):
        try:
            meta = loader.load_service_model(service, "service-2").get("metadata", {})
        except Exception:
            continue
        out.setdefault(str(meta.get("endpointPrefix", service)), service)
    return out
