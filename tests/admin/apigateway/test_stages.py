"""Deployments and stages: snapshots, method settings, access logs, canaries, cache flushes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigateway.test_restapis import code


@pytest.fixture
def api(apigw: Any) -> str:
    api = apigw.create_rest_api(name="s")
    res = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="a")
    with pytest.raises(ClientError) as exc:
        apigw.create_deployment(restApiId=api["id"], stageName="dev")
    assert code(exc)[1] == "The REST API doesn't contain any methods"
    apigw.put_method(
        restApiId=api["id"],
        resourceId=res["id"],
        httpMethod="GET",
        authorizationType="NONE",
        apiKeyRequired=True,
    )
    with pytest.raises(ClientError) as exc:  # AWS: a method without integration
        apigw.create_deployment(restApiId=api["id"], stageName="dev")
    assert code(exc) == ("BadRequestException", "No integration defined for method")
    assert apigw.get_deployments(restApiId=api["id"]).get("items", []) == []
    assert apigw.get_stages(restApiId=api["id"])["item"] == []
    apigw.put_integration(restApiId=api["id"], resourceId=res["id"], httpMethod="GET", type="MOCK")
    return str(api["id"])


def test_deployments(apigw: Any, api: str) -> None:
    dep = apigw.create_deployment(
        restApiId=api, stageName="dev", description="first", variables={"v": "1"}
    )
    got = apigw.get_deployment(restApiId=api, deploymentId=dep["id"], embed=["apisummary"])
    assert got["apiSummary"] == {
        "/a": {"GET": {"authorizationType": "NONE", "apiKeyRequired": True}}
    }
    stage = apigw.get_stage(restApiId=api, stageName="dev")
    assert stage["deploymentId"] == dep["id"] and stage["variables"] == {"v": "1"}
    dep2 = apigw.create_deployment(restApiId=api, stageName="dev")
    assert apigw.get_stage(restApiId=api, stageName="dev")["deploymentId"] == dep2["id"]
    upd = apigw.update_deployment(
        restApiId=api,
        deploymentId=dep["id"],
        patchOperations=[{"op": "replace", "path": "/description", "value": "renamed"}],
    )
    assert upd["description"] == "renamed"
    with pytest.raises(ClientError) as exc:
        apigw.delete_deployment(restApiId=api, deploymentId=dep2["id"])
    assert code(exc)[1] == "Active stages pointing to this deployment must be moved or deleted"
    apigw.delete_deployment(restApiId=api, deploymentId=dep["id"])
    with pytest.raises(ClientError) as exc:
        apigw.get_deployment(restApiId=api, deploymentId=dep["id"])
    assert code(exc) == ("NotFoundException", "Invalid Deployment identifier specified")


def test_stage_crud_and_settings(apigw: Any, api: str) -> None:
    dep = apigw.create_deployment(restApiId=api)
    stage = apigw.create_stage(
        restApiId=api,
        stageName="s1",
        deploymentId=dep["id"],
        description="my stage",
        tags={"a": "b"},
    )
    assert stage["cacheClusterEnabled"] is False and stage["methodSettings"] == {}
    with pytest.raises(ClientError) as exc:
        apigw.create_stage(restApiId=api, stageName="s1", deploymentId=dep["id"])
    assert code(exc)[0] == "ConflictException"
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api)["item"]] == ["s1"]

    def patch(*ops: dict[str, str]) -> Any:
        return apigw.update_stage(restApiId=api, stageName="s1", patchOperations=list(ops))

    st = patch(
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50"},
        {"op": "replace", "path": "/a/GET/caching/enabled", "value": "true"},
        {"op": "replace", "path": "/tracingEnabled", "value": "true"},
    )
    star = st["methodSettings"]["*/*"]
    assert star["throttlingRateLimit"] == 50.0 and star["throttlingBurstLimit"] == 5000
    assert st["methodSettings"]["a/GET"]["cachingEnabled"] is True
    assert st["methodSettings"]["a/GET"]["throttlingRateLimit"] == 50.0  # inherited from */*
    assert st["tracingEnabled"] is True
    st = patch({"op": "replace", "path": "/~1a~1b/POST/metrics/enabled", "value": "true"})
    assert st["methodSettings"]["a/b/POST"]["metricsEnabled"] is True
    st = patch({"op": "remove", "path": "/*/*"})
    assert "*/*" not in st["methodSettings"]
    with pytest.raises(ClientError) as exc:
        patch({"op": "remove", "path": "/*/*"})
    assert code(exc)[1] == (
        "Cannot remove method setting */* because there is no method setting for this method "
    )
    with pytest.raises(ClientError) as exc:
        patch({"op": "replace", "path": "/documentation_version", "value": "x"})
    assert code(exc)[1].startswith("Invalid method setting path: /documentation_version. Must be")
    with pytest.raises(ClientError) as exc:
        patch({"op": "replace", "path": "/accessLogSettings/bad", "value": "x"})
    assert code(exc)[1] == (
        "Invalid accessLogSettings path. Must be one of : "
        "[/accessLogSettings/destinationArn, /accessLogSettings/format]"
    )
    with pytest.raises(ClientError) as exc:
        patch({"op": "replace", "path": "/accessLogSettings/format", "value": ""})
    assert code(exc)[1] == "Access Log value must not be empty"
    with pytest.raises(ClientError) as exc:
        patch({"op": "remove", "path": "/accessLogSettings/destinationArn"})
    assert code(exc)[1].startswith("Cannot remove method setting accessLogSettings/destinationArn")
    st = patch(
        {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"}
    )
    assert st["accessLogSettings"] == {"format": "$context.requestId"}
    st = patch({"op": "remove", "path": "/accessLogSettings"})
    assert "accessLogSettings" not in st
    with pytest.raises(ClientError) as exc:
        patch({"op": "replace", "path": "/deploymentId", "value": "nope"})
    assert code(exc)[1] == "Deployment id does not exist"
    st = patch(
        {"op": "replace", "path": "/variables/x", "value": "1"},
        {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
    )
    assert st["variables"] == {"x": "1"} and st["cacheClusterStatus"] == "AVAILABLE"
    assert st["cacheClusterSize"] == "0.5"
    st = patch({"op": "remove", "path": "/variables/x"})
    assert not st.get("variables")


def test_canary_and_flush(apigw: Any, api: str, admin: Any) -> None:
    dep1 = apigw.create_deployment(restApiId=api, stageName="c")
    dep2 = apigw.create_deployment(restApiId=api)
    st = apigw.update_stage(
        restApiId=api,
        stageName="c",
        patchOperations=[
            {"op": "replace", "path": "/canarySettings/deploymentId", "value": dep2["id"]},
            {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "10"},
        ],
    )
    assert st["canarySettings"]["percentTraffic"] == 10.0 and st["deploymentId"] == dep1["id"]
    st = apigw.update_stage(
        restApiId=api,
        stageName="c",
        patchOperations=[
            {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"}
        ],
    )
    assert st["deploymentId"] == dep2["id"]
    st = apigw.update_stage(
        restApiId=api, stageName="c", patchOperations=[{"op": "remove", "path": "/canarySettings"}]
    )
    assert "canarySettings" not in st
    resp = apigw.flush_stage_cache(restApiId=api, stageName="c")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 202
    apigw.flush_stage_authorizers_cache(restApiId=api, stageName="c")
    apigw.delete_stage(restApiId=api, stageName="c")
    with pytest.raises(ClientError) as exc:
        apigw.get_stage(restApiId=api, stageName="c")
    assert code(exc) == ("NotFoundException", "Invalid Stage identifier specified")
