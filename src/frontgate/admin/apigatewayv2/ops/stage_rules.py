"""What AWS checks in a stage's settings (CreateStage, UpdateStage): its name, stage
variables, default and per-route settings, access-log settings. Registers no operation."""

from __future__ import annotations

import math
import re
from typing import Any

from frontgate.admin.apigateway.names import check_variables
from frontgate.admin.apigatewayv2.ops.route_keys import check_route_key
from frontgate.admin.errors import BadRequest
from frontgate.observe.context_vars import http_api_format_errors
from frontgate.observe.ws_access import ws_format_errors
from frontgate.state.store import Doc

_STAGE_NAME = re.compile(r"[A-Za-z0-9_\-]{1,128}")
_LOG_GROUP = re.compile(r"arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[^:\s]+(:\*)?")
# Per-stage limits of HTTP APIs (AWS: 100 stage variables per stage).
MAX_VARIABLES = 100


def check_stage_name(name: str) -> None:
    if name != "$default" and not _STAGE_NAME.fullmatch(name):
        raise BadRequest(
            f"Invalid stage name {name!r}: a stage name is $default or up to 128 alphanumerics, "
            "hyphens and underscores"
        )


def check_route_settings(settings: dict[str, Any], protocol: str, where: str) -> None:
    burst = settings.get("throttlingBurstLimit")
    rate = settings.get("throttlingRateLimit")
    if burst is not None and burst < 0:
        raise BadRequest(f"Invalid {where}: throttlingBurstLimit must be 0 or more")
    if rate is not None and (rate < 0 or not math.isfinite(rate)):
        raise BadRequest(f"Invalid {where}: throttlingRateLimit must be 0 or more")
    if protocol == "HTTP":
        for member in ("dataTraceEnabled", "loggingLevel"):
            if settings.get(member) is not None:
                raise BadRequest(
                    f"Invalid {where}: {member} (execution logging) is supported only for "
                    "WebSocket APIs"
                )


def check_access_log(settings: dict[str, Any], protocol: str = "HTTP") -> None:
    """The format is checked against AWS's table of HTTP API (or WebSocket API) ``$context``
    variables, each one the data plane renders."""
    arn, fmt = settings.get("destinationArn"), settings.get("format")
    if arn is None or fmt is None:
        raise BadRequest("Access log settings need both a destinationArn and a format")
    if not _LOG_GROUP.fullmatch(arn):
        raise BadRequest(
            f"Invalid destination ARN {arn!r}: must be the ARN of a CloudWatch Logs log group"
        )
    problem = http_api_format_errors(fmt) if protocol == "HTTP" else ws_format_errors(fmt)
    if problem is not None:
        raise BadRequest(problem)


def check_stage(stage: Doc, protocol: str) -> None:
    """The whole stage document's settings, or ``BadRequestException``."""
    variables = stage.get("stageVariables") or {}
    if len(variables) > MAX_VARIABLES:
        raise BadRequest(f"A stage can have at most {MAX_VARIABLES} stage variables")
    check_variables(variables)
    check_route_settings(stage.get("defaultRouteSettings") or {}, protocol, "defaultRouteSettings")
    for key, settings in (stage.get("routeSettings") or {}).items():
        check_route_key(key, protocol)
        check_route_settings(settings, protocol, f"routeSettings for {key}")
    if stage.get("accessLogSettings"):
        check_access_log(stage["accessLogSettings"], protocol)
