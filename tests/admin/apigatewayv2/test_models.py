"""apigatewayv2 models through boto3 and the AWS CLI: create, read, list, update, delete,
GetModelTemplate; AWS's write-time checks (name, schema) and references from routes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import aws_v2, make_v2_client
from tests.admin.apigatewayv2.store_docs import error, get_doc, put_doc, quick_api
from tests.admin.conftest import AdminServer

from frontgate.definition import kinds

SCHEMA = json.dumps(
    {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "properties": {"name": {"type": "string"}, "count": {"type": "integer"}},
    }
)


@pytest.fixture(scope="module")
def api_id(v2: Any) -> str:
    return str(v2.create_api(Name="models", ProtocolType="HTTP")["ApiId"])


def test_model_lifecycle(v2: Any, api_id: str) -> None:
    created = v2.create_model(
        ApiId=api_id, Name="Pet", ContentType="application/json", Schema=SCHEMA, Description="d"
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    model_id = created["ModelId"]
    expected = {
        "ModelId": model_id,
        "Name": "Pet",
        "ContentType": "application/json",
        "Schema": SCHEMA,
        "Description": "d",
    }
    assert {k: v for k, v in created.items() if k != "ResponseMetadata"} == expected
    got = v2.get_model(ApiId=api_id, ModelId=model_id)
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == expected
    assert [m["Name"] for m in v2.get_models(ApiId=api_id)["Items"]] == ["Pet"]
    template = v2.get_model_template(ApiId=api_id, ModelId=model_id)["Value"]
    assert template.startswith("#set($inputRoot = $input.path('$'))")
    assert '"name" : "$inputRoot.name"' in template
    assert '"count" : $inputRoot.count' in template
    updated = v2.update_model(ApiId=api_id, ModelId=model_id, Name="Pet2", Description="e")
    assert (updated["Name"], updated["Description"], updated["Schema"]) == ("Pet2", "e", SCHEMA)
    assert (
        v2.delete_model(ApiId=api_id, ModelId=model_id)["ResponseMetadata"]["HTTPStatusCode"] == 204
    )
    with pytest.raises(ClientError) as exc:
        v2.get_model(ApiId=api_id, ModelId=model_id)
    assert error(exc) == (
        404,
        "NotFoundException",
        f"Invalid Model identifier specified {model_id}",
    )


def test_model_with_the_cli(admin: AdminServer, api_id: str) -> None:
    out = aws_v2(
        admin.url,
        "create-model",
        "--api-id",
        api_id,
        "--name",
        "Cli",
        "--schema",
        SCHEMA,
        "--content-type",
        "application/json",
    )
    assert out.returncode == 0, out.stderr
    model = json.loads(out.stdout)
    assert model["Name"] == "Cli"
    out = aws_v2(
        admin.url, "get-model-template", "--api-id", api_id, "--model-id", model["ModelId"]
    )
    assert out.returncode == 0, out.stderr
    assert "$inputRoot" in json.loads(out.stdout)["Value"]
    make_v2_client(admin.url).delete_model(ApiId=api_id, ModelId=model["ModelId"])


@pytest.mark.parametrize(
    ("params", "status", "code", "message"),
    [
        ({"Name": "not-alnum"}, 400, "BadRequestException", "Model name must be alphanumeric"),
        (
            {"Schema": "{not json"},
            400,
            "BadRequestException",
            "Invalid model specified: Validation Result: warnings : [], errors : "
            "[Invalid model schema specified]",
        ),
        (
            {"Schema": ""},
            400,
            "BadRequestException",
            "Model schema must have at least 1 property or array items defined",
        ),
    ],
)
def test_write_time_checks(
    v2: Any, api_id: str, params: dict[str, Any], status: int, code: str, message: str
) -> None:
    args = {"ApiId": api_id, "Name": "Ok", "Schema": SCHEMA, **params}
    with pytest.raises(ClientError) as exc:
        v2.create_model(**args)
    assert error(exc) == (status, code, message)


def test_names_are_unique_per_api(v2: Any, api_id: str) -> None:
    first = v2.create_model(ApiId=api_id, Name="Dup", Schema=SCHEMA)["ModelId"]
    with pytest.raises(ClientError) as exc:
        v2.create_model(ApiId=api_id, Name="Dup", Schema=SCHEMA)
    assert error(exc) == (409, "ConflictException", "Model name Dup already exists for this API")
    other = v2.create_model(ApiId=api_id, Name="Other", Schema=SCHEMA)["ModelId"]
    with pytest.raises(ClientError) as exc:
        v2.update_model(ApiId=api_id, ModelId=other, Name="Dup")
    assert error(exc)[:2] == (409, "ConflictException")
    with pytest.raises(ClientError) as exc:
        v2.update_model(ApiId=api_id, ModelId=other, Schema="[")
    assert error(exc)[:2] == (400, "BadRequestException")
    v2.delete_model(ApiId=api_id, ModelId=first)
    v2.delete_model(ApiId=api_id, ModelId=other)


def test_unknown_api_and_model(admin: AdminServer, v2: Any, api_id: str) -> None:
    with pytest.raises(ClientError) as exc:
        v2.create_model(ApiId="nope123", Name="X", Schema=SCHEMA)
    assert error(exc) == (
        404,
        "NotFoundException",
        f"Invalid API identifier specified {admin.settings.account_id}:nope123",
    )
    with pytest.raises(ClientError) as exc:
        v2.get_models(ApiId="nope123")
    assert error(exc)[:2] == (404, "NotFoundException")
    calls = (v2.get_model, v2.delete_model, v2.get_model_template)
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call(ApiId=api_id, ModelId="zzz")
        assert error(exc) == (404, "NotFoundException", "Invalid Model identifier specified zzz")
    with pytest.raises(ClientError) as exc:
        v2.update_model(ApiId=api_id, ModelId="zzz", Name="X")
    assert error(exc)[:2] == (404, "NotFoundException")


def test_a_model_a_route_uses(admin: AdminServer, v2: Any, api_id: str) -> None:
    model_id = v2.create_model(ApiId=api_id, Name="Used", Schema=SCHEMA)["ModelId"]
    route = {
        "routeId": "r9",
        "routeKey": "POST /pets",
        "requestModels": {"application/json": "Used"},
        "authorizationType": "NONE",
    }
    put_doc(admin, kinds.V2_ROUTE, api_id, "r9", route)
    with pytest.raises(ClientError) as exc:
        v2.delete_model(ApiId=api_id, ModelId=model_id)
    assert error(exc) == (
        409,
        "ConflictException",
        "Cannot delete model 'Used', is referenced in route: POST /pets",
    )
    with pytest.raises(ClientError) as exc:
        v2.update_model(ApiId=api_id, ModelId=model_id, Name="Renamed")
    assert error(exc)[:2] == (409, "ConflictException")
    put_doc(admin, kinds.V2_ROUTE, api_id, "r9", {**route, "requestModels": {}})
    v2.delete_model(ApiId=api_id, ModelId=model_id)


def test_a_write_redeploys_auto_deploying_stages(admin: AdminServer, v2: Any) -> None:
    quick = quick_api(v2)
    before = get_doc(admin, kinds.V2_STAGE, quick, "$default")
    assert before is not None
    v2.create_model(ApiId=quick, Name="M", Schema=SCHEMA)
    after = get_doc(admin, kinds.V2_STAGE, quick, "$default")
    assert after is not None and after["deploymentId"] != before["deploymentId"]
    snap = get_doc(admin, kinds.V2_SNAPSHOT, quick, after["deploymentId"])
    assert snap is not None and [m["name"] for m in snap["models"]] == ["M"]
