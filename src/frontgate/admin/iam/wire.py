"""The AWS query protocol as the ``iam`` and ``sts`` services speak it: form-encoded ``Action=…``
requests in, XML out (shaped by botocore's service models), XML error bodies."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any
from xml.sax.saxutils import escape

import botocore.session

from frontgate import javatypes
from frontgate.http.message import Response

NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
VERSIONS = {"2010-05-08": "iam", "2011-06-15": "sts"}


class QueryError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def no_such_entity(message: str) -> QueryError:
    return QueryError(404, "NoSuchEntity", message)


# A refused signature as the query-protocol services (IAM, STS) name it; the REST services'
# error type (admin.auth, iam.sigv4) -> (status, code, message or None to keep the one given).
_AUTH_ERRORS: dict[str, tuple[int, str, str | None]] = {
    "MissingAuthenticationTokenException": (
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    ),
    "IncompleteSignatureException": (400, "IncompleteSignature", None),
    "UnrecognizedClientException": (
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    ),
    "InvalidSignatureException": (403, "SignatureDoesNotMatch", None),
}


def auth_error(error_type: str, message: str) -> QueryError:
    status, code, text = _AUTH_ERRORS.get(
        error_type, (403, error_type.removesuffix("Exception"), None)
    )
    return QueryError(status, code, text or message)


@functools.cache
def _model(service: str) -> Any:
    # Loaded on the first IAM call only: the models are large.
    return botocore.session.get_session().get_service_model(service)


def operations(service: str) -> frozenset[str]:
    return frozenset(_model(service).operation_names)


def validate(service: str, action: str, params: dict[str, str]) -> None:
    """The model's constraints on the top-level parameters (length, pattern, enum, integer
    range) with the query services' ``ValidationError`` wording: a user name with a newline or
    a MaxItems of -1 is refused as IAM refuses it."""
    shape = _model(service).operation_model(action).input_shape
    if shape is None:
        return
    problems: list[str] = []
    for name, member in shape.members.items():
        raw = params.get(name)
        if raw is None:
            continue
        meta = member.metadata
        shown = raw if len(raw) <= 200 else raw[:200] + "..."
        where = f"Value '{shown}' at '{name[:1].lower() + name[1:]}' failed to satisfy constraint"
        if member.type_name == "string":
            # Java's \w is ASCII-only.
            pattern = javatypes.pattern(meta["pattern"], re.ASCII) if "pattern" in meta else None
            if len(raw) < meta.get("min", 0):
                problems.append(f"{where}: Member must have length greater than or equal to "
                                f"{meta['min']}")  # fmt: skip
            elif len(raw) > meta.get("max", len(raw)):
                problems.append(f"{where}: Member must have length less than or equal to "
                                f"{meta['max']}")  # fmt: skip
            elif pattern is not None and not pattern.fullmatch(raw):
                problems.append(f"{where}: Member must satisfy regular expression pattern: "
                                f"{meta['pattern']}")  # fmt: skip
            elif member.enum and raw not in member.enum:
                problems.append(f"{where}: Member must satisfy enum value set: "
                                f"[{', '.join(member.enum)}]")  # fmt: skip
        elif member.type_name in ("integer", "long"):
            if not re.fullmatch(r"[+-]?[0-9]{1,19}", raw):
                problems.append(f"{where}: Member must be a number")
            elif int(raw) < meta.get("min", javatypes.LONG_MIN):
                problems.append(f"{where}: Member must have value greater than or equal to "
                                f"{meta['min']}")  # fmt: skip
            elif int(raw) > meta.get("max", javatypes.LONG_MAX):
                problems.append(f"{where}: Member must have value less than or equal to "
                                f"{meta['max']}")  # fmt: skip
    if problems:
        n = len(problems)
        raise QueryError(
            400,
            "ValidationError",
            f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(problems),
        )


def _value(shape: Any, value: Any) -> str:
    kind = shape.type_name
    if kind == "structure":
        return "".join(
            f"<{name}>{_value(member, value[name])}</{name}>"
            for name, member in shape.members.items()
            if isinstance(value, dict) and value.get(name) is not None
        )
    if kind == "list":
        return "".join(f"<member>{_value(shape.member, v)}</member>" for v in value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        if isinstance(value, int | float):
            value = dt.datetime.fromtimestamp(value, dt.UTC)
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return escape(str(value))


def respond(service: str, action: str, result: dict[str, Any] | None, request_id: str) -> Response:
    op = _model(service).operation_model(action)
    ns = NAMESPACES[service]
    inner = ""
    if op.output_shape is not None and result is not None:
        inner = f"<{action}Result>{_value(op.output_shape, result)}</{action}Result>"
    body = (
        f'<{action}Response xmlns="{ns}">{inner}<ResponseMetadata><RequestId>{request_id}'
        f"</RequestId></ResponseMetadata></{action}Response>"
    )
    return Response(200, [("Content-Type", "text/xml")], body.encode())


def error(service: str, exc: QueryError, request_id: str) -> Response:
    return xml_error(exc.status, exc.code, exc.message, request_id, NAMESPACES[service])


def xml_error(
    status: int, code: str, message: str, request_id: str | None = None, namespace: str = ""
) -> Response:
    """The query protocol's (and REST-XML's) error body: ``<ErrorResponse><Error>`` with the
    code and message, the service's ``xmlns`` and a ``<RequestId>`` when given."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    rid = f"<RequestId>{request_id}</RequestId>" if request_id is not None else ""
    body = (
        f"<ErrorResponse{xmlns}><Error><Type>Sender</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error>{rid}</ErrorResponse>"
    )
    return Response(status, [("Content-Type", "text/xml")], body.encode())


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
