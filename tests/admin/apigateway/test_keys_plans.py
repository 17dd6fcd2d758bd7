"""API keys, usage plans, usage plan keys, GetUsage/UpdateUsage."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigateway.test_restapis import code
from tests.admin.conftest import AdminServer, deployed_mock_api

from frontgate.definition import kinds


@pytest.fixture(scope="module")
def staged(apigw: Any) -> str:
    api = deployed_mock_api(apigw, "k", "dev")
    return str(api["id"])


def test_api_keys(apigw: Any, staged: str) -> None:
    key = apigw.create_api_key(
        name="a", value="a" * 30, stageKeys=[{"restApiId": staged, "stageName": "dev"}]
    )
    assert key["enabled"] is False and key["stageKeys"] == [f"{staged}/dev"]
    with pytest.raises(ClientError) as exc:
        apigw.create_api_key(name="b", value="short")
    assert code(exc)[1] == "API Key value should be at least 20 characters"
    with pytest.raises(ClientError) as exc:
        apigw.create_api_key(name="b", value="a" * 30)
    assert code(exc)[0] == "ConflictException"
    listed = apigw.get_api_keys(nameQuery="a", includeValues=True)["items"]
    assert [k["value"] for k in listed] == ["a" * 30]
    assert "value" not in apigw.get_api_keys()["items"][0]
    upd = apigw.update_api_key(
        apiKey=key["id"],
        patchOperations=[
            {"op": "replace", "path": "/enabled", "value": "true"},
            {"op": "replace", "path": "/description", "value": "d"},
        ],
    )
    assert upd["enabled"] is True and upd["description"] == "d" and "value" not in upd
    with pytest.raises(ClientError) as exc:
        apigw.update_api_key(
            apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/id", "value": "x"}]
        )
    assert code(exc)[1] == (
        "Invalid patch path  '/id' specified for op 'replace'. Must be one of: "
        "[/description, /enabled, /name, /customerId]"
    )
    apigw.delete_api_key(apiKey=key["id"])
    with pytest.raises(ClientError) as exc:
        apigw.get_api_key(apiKey=key["id"])
    assert code(exc) == ("NotFoundException", "Invalid API Key identifier specified")


def test_import_api_keys(apigw: Any) -> None:
    plan = apigw.create_usage_plan(name="imp")
    csv = (
        f"Name,Key,Description,Enabled,UsagePlanIds\n"
        f"one,{'b' * 30},first,true,{plan['id']}\n"
        f"two,tooshort,second,false,\n"
    )
    out = apigw.import_api_keys(body=csv.encode(), format="csv")
    assert len(out["ids"]) == 1 and len(out["warnings"]) == 1
    assert apigw.get_api_key(apiKey=out["ids"][0], includeValue=True)["value"] == "b" * 30
    keys = apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert [k["name"] for k in keys] == ["one"]
    with pytest.raises(ClientError) as exc:
        apigw.import_api_keys(
            body=csv.replace("one,", "uno,").encode(), format="csv", failOnWarnings=True
        )
    assert code(exc)[0] == "BadRequestException"


def test_usage_plans(apigw: Any, staged: str) -> None:
    plan = apigw.create_usage_plan(
        name="p",
        apiStages=[{"apiId": staged, "stage": "dev"}],
        throttle={"burstLimit": 10, "rateLimit": 5},
        quota={"limit": 100, "period": "MONTH"},
    )
    assert plan["quota"] == {"limit": 100, "period": "MONTH", "offset": 0}
    with pytest.raises(ClientError) as exc:
        apigw.create_usage_plan(name="q", apiStages=[{"apiId": staged, "stage": "nope"}])
    assert code(exc)[0] == "NotFoundException"
    upd = apigw.update_usage_plan(
        usagePlanId=plan["id"],
        patchOperations=[
            {"op": "replace", "path": "/throttle/rateLimit", "value": "200"},
            {"op": "replace", "path": "/quota/period", "value": "DAY"},
            {
                "op": "replace",
                "path": f"/apiStages/{staged}:dev/throttle/~1pets/GET/rateLimit",
                "value": "1",
            },
            {
                "op": "replace",
                "path": f"/apiStages/{staged}:dev/throttle/~1/GET/burstLimit",
                "value": "2",
            },
        ],
    )
    assert upd["throttle"] == {"burstLimit": 10, "rateLimit": 200.0}
    assert upd["quota"]["period"] == "DAY" and upd["tags"] == {}
    assert upd["apiStages"][0]["throttle"] == {
        "/pets/GET": {"rateLimit": 1.0},
        "//GET": {"burstLimit": 2},
    }
    with pytest.raises(ClientError) as exc:
        apigw.update_usage_plan(
            usagePlanId=plan["id"],
            patchOperations=[{"op": "remove", "path": "/apiStages", "value": "bad"}],
        )
    assert code(exc) == ("BadRequestException", "Invalid API Stage specified")
    with pytest.raises(ClientError) as exc:
        apigw.update_usage_plan(
            usagePlanId=plan["id"],
            patchOperations=[{"op": "remove", "path": "/apiStages", "value": "x:y"}],
        )
    assert (
        code(exc)[1]
        == f"Invalid API Stage {{api: x, stage: y}} specified for usageplan {plan['id']}"
    )
    upd = apigw.update_usage_plan(
        usagePlanId=plan["id"],
        patchOperations=[
            {"op": "remove", "path": "/apiStages", "value": f"{staged}:dev"},
            {"op": "remove", "path": "/quota"},
        ],
    )
    assert upd["apiStages"] == [] and "quota" not in upd
    with pytest.raises(ClientError) as exc:
        apigw.get_usage_plan(usagePlanId="nope")
    assert code(exc) == ("NotFoundException", "Invalid Usage Plan ID specified")
    apigw.delete_usage_plan(usagePlanId=plan["id"])


def test_plan_keys_and_usage(apigw: Any, staged: str, admin: AdminServer) -> None:
    plan = apigw.create_usage_plan(
        name="u",
        apiStages=[{"apiId": staged, "stage": "dev"}],
        quota={"limit": 10, "period": "DAY"},
    )
    key = apigw.create_api_key(name="uk", enabled=True)
    pk = apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert pk == {**pk, "id": key["id"], "type": "API_KEY", "name": "uk", "value": key["value"]}
    with pytest.raises(ClientError) as exc:
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId="nope", keyType="API_KEY")
    assert code(exc) == ("NotFoundException", "Invalid API Key identifier specified")
    other = apigw.create_usage_plan(name="u2", apiStages=[{"apiId": staged, "stage": "dev"}])
    with pytest.raises(ClientError) as exc:
        apigw.create_usage_plan_key(usagePlanId=other["id"], keyId=key["id"], keyType="API_KEY")
    assert code(exc)[0] == "ConflictException"
    assert apigw.get_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])["name"] == "uk"
    assert [p["id"] for p in apigw.get_usage_plans(keyId=key["id"])["items"]] == [plan["id"]]

    async def record() -> None:  # what the traffic-control side writes
        async with admin.store.transaction() as tx:
            await tx.put(
                "us-east-1", kinds.USAGE, plan["id"], f"{key['id']}:2026-03-02", {"used": 4}
            )

    admin.call(record())
    usage = apigw.get_usage(usagePlanId=plan["id"], startDate="2026-03-01", endDate="2026-03-02")
    assert usage["items"] == {key["id"]: [[0, 10], [4, 6]]}
    today = dt.datetime.now(dt.UTC).date().isoformat()
    out = apigw.update_usage(
        usagePlanId=plan["id"],
        keyId=key["id"],
        patchOperations=[{"op": "replace", "path": "/remaining", "value": "3"}],
    )
    assert out["items"] == {key["id"]: [[7, 3]]} and out["startDate"] == today
    with pytest.raises(ClientError) as exc:
        apigw.update_usage(
            usagePlanId=plan["id"],
            keyId=key["id"],
            patchOperations=[{"op": "replace", "path": "/used", "value": "3"}],
        )
    assert code(exc)[0] == "BadRequestException"

    apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    with pytest.raises(ClientError) as exc:
        apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    assert code(exc)[0] == "NotFoundException"


def test_get_usage_counts_down_per_week_starting_on_the_offset_day(
    admin: AdminServer, apigw: Any
) -> None:
    """WEEK quota with offset 3: periods start on Wednesdays (as the data plane enforces)."""
    plan = apigw.create_usage_plan(
        name="weekly", quota={"limit": 100, "period": "WEEK", "offset": 3}
    )
    key = apigw.create_api_key(name="weekly-key", enabled=True)
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")

    async def record() -> None:
        async with admin.store.transaction() as tx:
            # 2026-03-03 is a Tuesday, 2026-03-04 a Wednesday.
            for day, used in (("2026-03-03", 10), ("2026-03-04", 5), ("2026-03-05", 7)):
                await tx.put(
                    "us-east-1", kinds.USAGE, plan["id"], f"{key['id']}:{day}", {"used": used}
                )

    admin.call(record())
    usage = apigw.get_usage(usagePlanId=plan["id"], startDate="2026-03-03", endDate="2026-03-05")
    # Tuesday still belongs to the previous week; Wednesday starts a fresh 100.
    assert usage["items"] == {key["id"]: [[10, 90], [5, 95], [7, 88]]}


def test_deleting_an_api_removes_it_from_usage_plans(apigw: Any) -> None:
    api = deployed_mock_api(apigw, "short-lived", "dev")
    plan = apigw.create_usage_plan(name="p", apiStages=[{"apiId": api["id"], "stage": "dev"}])
    apigw.delete_rest_api(restApiId=api["id"])
    assert apigw.get_usage_plan(usagePlanId=plan["id"]).get("apiStages", []) == []
