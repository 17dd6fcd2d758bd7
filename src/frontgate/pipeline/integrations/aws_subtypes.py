"""The AWS request an HTTP API integration subtype makes, and the answer the client gets.

``service_request`` turns the mapped parameter values into the operation's input (typed by
botocore's service model: numbers, lists, JSON objects, blobs) and serializes it with botocore's
serializer for the service's protocol (method, path, query string, headers, body).
``answer`` turns the service's response into the route's: status and body passed through, with
SQS's JSON answer in the form API Gateway gives for the SQS subtypes:
``{"SendMessageResponse": {"SendMessageResult": ..., "ResponseMetadata": ...}}``.

botocore's models load once per worker per operation (``_operation``), on the first request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from frontgate.snapshot.subtypes import SubtypeCall


class ShapeError(ValueError):
    """A mapped value the operation cannot take; ``str()`` is the integration error message."""


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    service: str  # as env.aws.send takes it: the service's endpoint prefix ("states", "sqs")
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    # The operation's endpoint host prefix (StartSyncExecution's "sync-"), for AWS's endpoint.
    host_prefix: str = ""


@cache
def _operation(service: str, operation: str) -> tuple[Any, Any]:
    """(botocore OperationModel, its protocol's serializer), loaded once per worker."""
    import botocore.session
    from botocore.serialize import create_serializer

    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(operation), create_serializer(model.protocol, True)


def _convert(shape: Any, name: str, value: str) -> object:
    kind = shape.type_name
    if kind == "string":
        return value
    if kind in ("integer", "long"):
        try:
            return int(value.strip())
        except ValueError:
            raise ShapeError(f"Invalid value {value!r} for {name}: an integer") from None
    if kind == "boolean":
        return value.strip().lower() == "true"
    if kind == "blob":
        return value.encode("utf-8")
    if kind == "timestamp":
        return value.strip()
    if kind == "list":
        try:
            items = json.loads(value)
        except ValueError:
            items = None
        if not isinstance(items, list):
            items = [part.strip() for part in value.split(",") if part.strip()]
        return [_convert(shape.member, name, i if isinstance(i, str) else json.dumps(i))
                for i in items]  # fmt: skip
    try:
        found = json.loads(value)  # a structure or a map: a JSON object
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise ShapeError(f"Invalid value for {name}: a JSON object")
    return found


def _place(root: dict[str, Any], shape: Any, target: tuple[str | int, ...], value: str,
           name: str) -> None:  # fmt: skip
    """Put ``value`` (converted to its member's type) at ``target`` in the input ``root``."""
    node: Any = root
    for i, step in enumerate(target):
        last = i == len(target) - 1
        if isinstance(step, int):
            shape = shape.member
            while len(node) <= step:
                node.append({})
            if last:
                node[step] = _convert(shape, name, value)
            node = node[step]
            continue
        shape = shape.members[step]
        if last:
            node[step] = _convert(shape, name, value)
        else:
            nxt = target[i + 1]
            node = node.setdefault(step, [] if isinstance(nxt, int) else {})


def service_request(call: SubtypeCall, values: dict[str, str]) -> ServiceRequest:
    """The service request for the parameters' values (by parameter name, absent ones left
    out). Raises ``ShapeError`` when a value does not fit the operation's input."""
    op, serializer = _operation(call.service, call.operation)
    params: dict[str, Any] = {}
    for param in call.params:
        val = values.get(param.name)
        if val is not None:
            _place(params, op.input_shape, param.target, val, param.name)
    from botocore.exceptions import ParamValidationError

    try:
        req = serializer.serialize_to_request(params, op)
    except ParamValidationError as exc:
        raise ShapeError(str(exc).replace("\n", " ")) from None
    query = req["query_string"]
    if isinstance(query, dict):
        query = urlencode(query, doseq=True, quote_via=quote)
    path, _, inline = str(req["url_path"]).partition("?")
    if inline:
        query = f"{inline}&{query}" if query else inline
    body = req["body"]
    if isinstance(body, dict):
        body = urlencode(body, doseq=True).encode()
    elif isinstance(body, str):
        body = body.encode("utf-8")
    headers = [(str(k), str(v)) for k, v in req["headers"].items()]
    prefix = str(op.service_model.endpoint_prefix)
    host_prefix = str((op.endpoint or {}).get("hostPrefix") or "")
    return ServiceRequest(
        prefix, str(req["method"]), path, str(query), headers, bytes(body), host_prefix
    )


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    lname = name.lower()
    for key, val in headers:
        if key.lower() == lname:
            return val
    return None


def answer(
    call: SubtypeCall, status: int, headers: list[tuple[str, str]], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """The route's answer to the service's response: (status, headers, body)."""
    if call.service == "sqs":
        return status, [("Content-Type", "application/json")], _sqs(call, status, headers, body)
    kind = _header(headers, "Content-Type") or "application/json"
    if kind.startswith("application/x-amz-json"):
        kind = "application/json"
    return status, [("Content-Type", kind)], body


def _sqs(call: SubtypeCall, status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """SQS speaks JSON to the gateway; API Gateway answers the SQS subtypes in the JSON form of
    SQS's query protocol: ``{Op}Response`` around ``{Op}Result`` (absent members null) and
    ``ResponseMetadata``, and an error as ``{"Error": {Code, Message, Type}, "RequestId"}``."""
    rid = _header(headers, "x-amzn-RequestId") or ""
    try:
        parsed = json.loads(body) if body.strip() else {}
    except ValueError:
        return body
    if not isinstance(parsed, dict):
        return body
    if status >= 300:
        code, _, kind = (_header(headers, "x-amzn-query-error") or "").partition(";")
        if not code:
            code = str(parsed.get("__type", "")).rpartition("#")[2]
        error = {"Code": code, "Message": parsed.get("message", parsed.get("Message")),
                 "Type": kind or ("Receiver" if status >= 500 else "Sender")}  # fmt: skip
        return json.dumps({"Error": error, "RequestId": rid}, separators=(",", ":")).encode()
    op, _serializer = _operation(call.service, call.operation)
    out: dict[str, Any] = {"ResponseMetadata": {"RequestId": rid}}
    members = op.output_shape.members if op.output_shape is not None else {}
    if members:
        result: dict[str, Any] = {name: parsed.get(name) for name in members}
        if "Messages" in result:
            # The query protocol's JSON names ReceiveMessage's list "messages".
            fields = op.output_shape.members["Messages"].member.members
            listed = result.pop("Messages") or []
            result["messages"] = [{f: m.get(f) for f in fields} for m in listed]
        out[f"{call.operation}Result"] = result
    return json.dumps({f"{call.operation}Response": out}, separators=(",", ":")).encode()
