"""How customised gateway responses (PutGatewayResponse / x-amazon-apigateway-gateway-responses)
override the defaults of Amazon API Gateway's 21 gateway response types
(``frontgate.gateway_errors``)."""

from __future__ import annotations

from typing import Any

from frontgate.compile.mappings import compile_mappings
from frontgate.gateway_errors import DEFAULT_STATUS, DEFAULT_TEMPLATE
from frontgate.snapshot.snapshot import GatewayResponse


def _entry(
    rtype: str, doc: dict[str, Any], status: int, stage_vars: dict[str, str]
) -> GatewayResponse:
    templates: dict[str, str] = doc.get("responseTemplates") or {}
    template = templates.get("application/json")
    content_type = "application/json"
    if template is None and templates:
        content_type, template = next(iter(templates.items()))
    code = doc.get("statusCode")
    return GatewayResponse(
        response_type=rtype,
        status=int(code) if code else status,
        header_mappings=compile_mappings(
            doc.get("responseParameters"), "gatewayresponse.", stage_vars
        ),
        template=template if templates else DEFAULT_TEMPLATE,
        content_type=content_type,
    )


def compile_gateway_responses(
    customised: list[dict[str, Any]], stage_vars: dict[str, str]
) -> dict[str, GatewayResponse]:
    """Every type's effective response. A customised DEFAULT_4XX/5XX applies to the types of
    that class that are not customised themselves (as GetGatewayResponses shows on AWS)."""
    by_type = {d["responseType"]: d for d in customised}
    out: dict[str, GatewayResponse] = {}
    for rtype, status in DEFAULT_STATUS.items():
        doc = by_type.get(rtype)
        if doc is None:
            fallback = by_type.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX")
            # 413 REQUEST_TOO_LARGE is not customisable on AWS.
            doc = fallback if fallback is not None and rtype != "REQUEST_TOO_LARGE" else {}
        out[rtype] = _entry(rtype, doc, status, stage_vars)
    return out
