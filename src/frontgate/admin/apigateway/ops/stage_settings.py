"""The parts of UpdateStage's patch paths that address method settings and access logs."""

from __future__ import annotations

from frontgate.admin.apigateway.context import Doc
from frontgate.admin.apigateway.patch import (
    COUNT,
    RATE,
    PatchOp,
    as_bool,
    as_int,
    enum_of,
    in_range,
)
from frontgate.admin.errors import BadRequest
from frontgate.observe.context_vars import format_errors

_CACHE_STRATEGIES = (
    "FAIL_WITH_403",
    "SUCCEED_WITH_RESPONSE_HEADER",
    "SUCCEED_WITHOUT_RESPONSE_HEADER",
)

# (group, field) in a method-setting patch path -> (MethodSetting member, converter)
SETTINGS = {
    ("metrics", "enabled"): ("metricsEnabled", as_bool),
    ("logging", "dataTrace"): ("dataTraceEnabled", as_bool),
    ("logging", "loglevel"): ("loggingLevel", enum_of("OFF", "ERROR", "INFO")),
    ("throttling", "burstLimit"): ("throttlingBurstLimit", COUNT),
    ("throttling", "rateLimit"): ("throttlingRateLimit", RATE),
    # AWS: "the maximum TTL value is 3600 seconds", 0 disables caching.
    ("caching", "ttlInSeconds"): ("cacheTtlInSeconds", in_range(as_int, 0, 3600)),
    ("caching", "enabled"): ("cachingEnabled", as_bool),
    ("caching", "dataEncrypted"): ("cacheDataEncrypted", as_bool),
    ("caching", "requireAuthorizationForCacheControl"): (
        "requireAuthorizationForCacheControl",
        as_bool,
    ),
    ("caching", "unauthorizedCacheControlHeaderStrategy"): (
        "unauthorizedCacheControlHeaderStrategy",
        enum_of(*_CACHE_STRATEGIES),
    ),
}

# What AWS fills in when UpdateStage first creates a method setting (recorded against AWS).
SETTING_DEFAULTS: Doc = {
    "metricsEnabled": False,
    "dataTraceEnabled": False,
    "throttlingBurstLimit": 5000,
    "throttlingRateLimit": 10000.0,
    "cachingEnabled": False,
    "cacheTtlInSeconds": 300,
    "cacheDataEncrypted": False,
    "requireAuthorizationForCacheControl": True,
    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}

_SETTING_PATHS = [
    f"/{prefix}/{group}/{field}"
    for prefix in ("{resourcePath}/{httpMethod}", "*/*")
    for group, field in SETTINGS
]
VALID_PATHS = ", ".join(
    [
        "/deploymentId",
        "/description",
        "/cacheClusterEnabled",
        "/cacheClusterSize",
        "/clientCertificateId",
        "/accessLogSettings",
        "/accessLogSettings/destinationArn",
        "/accessLogSettings/format",
        *_SETTING_PATHS,
        "/variables/{variable_name}",
        "/tracingEnabled",
    ]
)
# AWS's own list runs some entries together; clients may match the text, so it is kept as sent.
VALID_PATHS = (
    VALID_PATHS.replace(
        "/throttling/burstLimit, /{resourcePath}/{httpMethod}/throttling/rateLimit, "
        "/{resourcePath}",
        "/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}",
    )
    .replace("/burstLimit, /", "/burstLimit /")
    .replace("/rateLimit, /", "/rateLimit /")
)

_ACCESS_LOG_FIELDS = ("destinationArn", "format")


def setting_key(segments: tuple[str, ...]) -> str:
    """``("/pets/{id}", "GET")`` or ``("pets", "GET")`` -> ``"pets/{id}/GET"``; ``*/*`` stays."""
    resource = "/".join(segments[:-1]).strip("/")
    return f"{resource}/{segments[-1]}" if resource != "*" else "*/*"


def access_log(doc: Doc, op: PatchOp) -> None:
    if op.segments == ("accessLogSettings",):
        if op.op != "remove":
            raise BadRequest(f"Invalid {op.op} operation with path: {op.path}")
        doc.pop("accessLogSettings", None)
        return
    field = op.segments[1] if len(op.segments) == 2 else ""
    if field not in _ACCESS_LOG_FIELDS:
        raise BadRequest(
            "Invalid accessLogSettings path. Must be one of : "
            "[/accessLogSettings/destinationArn, /accessLogSettings/format]"
        )
    settings = doc.setdefault("accessLogSettings", {})
    if op.op == "remove":
        if field not in settings:
            raise BadRequest(
                f"Cannot remove method setting accessLogSettings/{field} because there is no "
                "method setting for this method "
            )
        del settings[field]
        return
    if not op.value:
        raise BadRequest("Access Log value must not be empty")
    # Besides ARNs, Frontgate takes ``file:///absolute/path`` and ``stdout`` (observe.sinks).
    local = op.value == "stdout" or op.value.startswith("file:///")
    if (
        field == "destinationArn"
        and not local
        and (not op.value.startswith("arn:") or op.value.count(":") < 5)
    ):
        raise BadRequest(f"Invalid ARN. ARN is not well formed {op.value}")
    if field == "format" and (problem := format_errors(op.value)) is not None:
        raise BadRequest(problem)
    settings[field] = op.value
