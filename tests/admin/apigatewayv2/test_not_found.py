"""Every served operation on an unknown API, or an unknown document of a known API, answers
404 ``NotFoundException`` with AWS's message (boto3, so the path is what the SDK sends)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.conftest import AdminServer

# (operation, its arguments besides ApiId, the kind named in the message, the unknown id).
_CHILD_CALLS: list[tuple[str, dict[str, Any], str, str]] = [
    ("get_route", {"RouteId": "r404"}, "Route", "r404"),
    ("update_route", {"RouteId": "r404", "RouteKey": "GET /x"}, "Route", "r404"),
    ("delete_route", {"RouteId": "r404"}, "Route", "r404"),
    ("delete_route_request_parameter",
     {"RouteId": "r404", "RequestParameterKey": "route.request.header.a"}, "Route", "r404"),
    ("get_integration", {"IntegrationId": "i404"}, "Integration", "i404"),
    ("update_integration", {"IntegrationId": "i404"}, "Integration", "i404"),
    ("delete_integration", {"IntegrationId": "i404"}, "Integration", "i404"),
    ("get_integration_responses", {"IntegrationId": "i404"}, "Integration", "i404"),
    ("get_deployment", {"DeploymentId": "d404"}, "Deployment", "d404"),
    ("update_deployment", {"DeploymentId": "d404"}, "Deployment", "d404"),
    ("delete_deployment", {"DeploymentId": "d404"}, "Deployment", "d404"),
    ("get_stage", {"StageName": "s404"}, "stage", "s404"),
    ("update_stage", {"StageName": "s404"}, "stage", "s404"),
    ("delete_stage", {"StageName": "s404"}, "stage", "s404"),
    ("delete_access_log_settings", {"StageName": "s404"}, "stage", "s404"),
    ("delete_route_settings", {"StageName": "s404", "RouteKey": "GET /x"}, "stage", "s404"),
    ("reset_authorizers_cache", {"StageName": "s404"}, "stage", "s404"),
]  # fmt: skip
_API_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_api", {}),
    ("update_api", {"Name": "x"}),
    ("delete_api", {}),
    ("delete_cors_configuration", {}),
    ("get_routes", {}),
    ("create_route", {"RouteKey": "GET /x"}),
    ("get_integrations", {}),
    ("create_integration", {"IntegrationType": "HTTP_PROXY"}),
    ("get_stages", {}),
    ("create_stage", {"StageName": "s"}),
    ("get_deployments", {}),
    ("create_deployment", {}),
    *[(name, kw) for name, kw, _kind, _id in _CHILD_CALLS],
]


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


@pytest.mark.parametrize(("name", "kw"), _API_CALLS, ids=[c[0] for c in _API_CALLS])
def test_unknown_api(v2: Any, admin: AdminServer, name: str, kw: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        getattr(v2, name)(ApiId="a404a404a4", **kw)
    assert _error(exc) == (
        404,
        "NotFoundException",
        f"Invalid API identifier specified {admin.settings.account_id}:a404a404a4",
    )


@pytest.mark.parametrize(
    ("name", "kw", "kind", "missing"), _CHILD_CALLS, ids=[c[0] for c in _CHILD_CALLS]
)
def test_unknown_document(v2: Any, name: str, kw: dict[str, Any], kind: str, missing: str) -> None:
    api_id = v2.create_api(Name="nf", ProtocolType="HTTP")["ApiId"]
    with pytest.raises(ClientError) as exc:
        getattr(v2, name)(ApiId=api_id, **kw)
    assert _error(exc) == (
        404,
        "NotFoundException",
        f"Invalid {kind} identifier specified {missing}",
    )
