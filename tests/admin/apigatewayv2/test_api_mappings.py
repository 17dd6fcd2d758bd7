"""apigatewayv2 API mappings through boto3 and the AWS CLI: the same records as the REST API's
base path mappings (made through either, listed, changed and deleted through the other), for
HTTP APIs and REST APIs, with AWS's checks on keys, targets and conflicts."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import aws_v2
from tests.admin.apigatewayv2.store_docs import error, put_doc, quick_api
from tests.admin.conftest import AdminServer

from frontgate.definition import kinds

DOMAIN = "maps.example.com"


@pytest.fixture(scope="module")
def rest(admin: AdminServer) -> Any:
    return boto3.client(
        "apigateway",
        endpoint_url=admin.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(scope="module")
def http_api(v2: Any) -> str:
    v2.create_domain_name(DomainName=DOMAIN)
    return quick_api(v2, "mapped")


@pytest.fixture(scope="module")
def rest_api(rest: Any) -> str:
    api_id = str(rest.create_rest_api(name="legacy")["id"])
    root = rest.get_resources(restApiId=api_id)["items"][0]["id"]
    rest.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    rest.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    rest.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


def test_v2_mapping_is_a_base_path_mapping(v2: Any, rest: Any, http_api: str) -> None:
    created = v2.create_api_mapping(
        DomainName=DOMAIN, ApiId=http_api, Stage="$default", ApiMappingKey="orders"
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    mapping_id = created["ApiMappingId"]
    expected = {
        "ApiMappingId": mapping_id,
        "ApiId": http_api,
        "Stage": "$default",
        "ApiMappingKey": "orders",
    }
    assert {k: v for k, v in created.items() if k != "ResponseMetadata"} == expected
    got = v2.get_api_mapping(DomainName=DOMAIN, ApiMappingId=mapping_id)
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == expected
    assert v2.get_api_mappings(DomainName=DOMAIN)["Items"] == [expected]
    base = rest.get_base_path_mapping(domainName=DOMAIN, basePath="orders")
    assert (base["basePath"], base["restApiId"], base["stage"]) == ("orders", http_api, "$default")
    moved = v2.update_api_mapping(
        DomainName=DOMAIN, ApiMappingId=mapping_id, ApiId=http_api, ApiMappingKey="shop"
    )
    assert moved["ApiMappingKey"] == "shop" and moved["ApiMappingId"] == mapping_id
    assert [m["basePath"] for m in rest.get_base_path_mappings(domainName=DOMAIN)["items"]] == [
        "shop"
    ]
    with pytest.raises(ClientError) as exc:
        v2.create_api_mapping(
            DomainName=DOMAIN, ApiId=http_api, Stage="$default", ApiMappingKey="shop"
        )
    assert error(exc) == (
        409,
        "ConflictException",
        "ApiMapping key already exists for this domain name",
    )
    rest.delete_base_path_mapping(domainName=DOMAIN, basePath="shop")
    with pytest.raises(ClientError) as exc:
        v2.get_api_mapping(DomainName=DOMAIN, ApiMappingId=mapping_id)
    assert error(exc) == (404, "NotFoundException", "Invalid ApiMapping identifier specified")


def test_rest_mapping_seen_through_v2_with_the_cli(
    admin: AdminServer, v2: Any, rest: Any, rest_api: str
) -> None:
    rest.create_base_path_mapping(domainName=DOMAIN, restApiId=rest_api, stage="prod")
    out = aws_v2(admin.url, "get-api-mappings", "--domain-name", DOMAIN)
    assert out.returncode == 0, out.stderr
    (mapping,) = json.loads(out.stdout)["Items"]
    assert (mapping["ApiId"], mapping["Stage"], mapping["ApiMappingKey"]) == (rest_api, "prod", "")
    mapping_id = mapping["ApiMappingId"]
    out = aws_v2(
        admin.url,
        "update-api-mapping",
        "--domain-name",
        DOMAIN,
        "--api-mapping-id",
        mapping_id,
        "--api-id",
        rest_api,
        "--api-mapping-key",
        "v1/legacy",
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ApiMappingKey"] == "v1/legacy"
    assert rest.get_base_path_mapping(domainName=DOMAIN, basePath="v1/legacy")["stage"] == "prod"
    v2.delete_api_mapping(DomainName=DOMAIN, ApiMappingId=mapping_id)
    assert rest.get_base_path_mappings(domainName=DOMAIN).get("items", []) == []


def test_refusals(admin: AdminServer, v2: Any, http_api: str, rest_api: str) -> None:
    account = admin.settings.account_id
    cases: list[tuple[dict[str, Any], tuple[int, str, str]]] = [
        (
            {"ApiId": "nope123", "Stage": "$default"},
            (404, "NotFoundException", f"Invalid API identifier specified {account}:nope123"),
        ),
        (
            {"ApiId": http_api, "Stage": "missing"},
            (400, "BadRequestException", "Invalid stage identifier specified missing"),
        ),
        (
            {"ApiId": http_api, "Stage": "$default", "ApiMappingKey": "bad key"},
            (
                400,
                "BadRequestException",
                "An ApiMapping key may contain only letters, numbers and one of $-_.+!*'()",
            ),
        ),
        (
            {"ApiId": http_api, "Stage": "$default", "ApiMappingKey": "a/b"},
            (
                400,
                "BadRequestException",
                "Multi-level API mapping keys are supported only for REST APIs",
            ),
        ),
        (
            {"ApiId": rest_api, "Stage": "prod", "ApiMappingKey": "a//b"},
            (
                400,
                "BadRequestException",
                "An ApiMapping key may contain only letters, numbers and one of $-_.+!*'()",
            ),
        ),
    ]
    for args, expected in cases:
        with pytest.raises(ClientError) as exc:
            v2.create_api_mapping(DomainName=DOMAIN, **args)
        assert error(exc) == expected, args
    with pytest.raises(ClientError) as exc:
        v2.create_api_mapping(DomainName="none.example.com", ApiId=http_api, Stage="$default")
    assert error(exc) == (404, "NotFoundException", "Invalid domain name identifier specified")
    with pytest.raises(ClientError) as exc:
        v2.get_api_mappings(DomainName="none.example.com")
    assert error(exc)[:2] == (404, "NotFoundException")
    for call, args in (
        (v2.get_api_mapping, {}),
        (v2.delete_api_mapping, {}),
        (v2.update_api_mapping, {"ApiId": http_api}),
    ):
        with pytest.raises(ClientError) as exc:
            call(DomainName=DOMAIN, ApiMappingId="zzz", **args)
        assert error(exc) == (404, "NotFoundException", "Invalid ApiMapping identifier specified")
    assert v2.get_api_mappings(DomainName=DOMAIN)["Items"] == []


def test_deleting_the_domain_deletes_its_mappings(v2: Any, rest: Any, http_api: str) -> None:
    v2.create_domain_name(DomainName="gone.example.com")
    v2.create_api_mapping(DomainName="gone.example.com", ApiId=http_api, Stage="$default")
    v2.delete_domain_name(DomainName="gone.example.com")
    v2.create_domain_name(DomainName="gone.example.com")
    assert v2.get_api_mappings(DomainName="gone.example.com")["Items"] == []
    v2.delete_domain_name(DomainName="gone.example.com")


def test_a_record_without_an_id_gets_a_stable_one(
    admin: AdminServer, v2: Any, http_api: str
) -> None:
    # A base path mapping stored before mappings carried an apiMappingId.
    record = {"basePath": "old", "restApiId": http_api, "stage": "$default"}
    put_doc(admin, kinds.BASE_PATH_MAPPING, DOMAIN, "old", record)
    (listed,) = v2.get_api_mappings(DomainName=DOMAIN)["Items"]
    again = v2.get_api_mapping(DomainName=DOMAIN, ApiMappingId=listed["ApiMappingId"])
    assert again["ApiMappingKey"] == "old"
    v2.update_api_mapping(
        DomainName=DOMAIN, ApiMappingId=listed["ApiMappingId"], ApiId=http_api, ApiMappingKey="new"
    )
    # The id it was known by is kept when the key changes.
    assert (
        v2.get_api_mapping(DomainName=DOMAIN, ApiMappingId=listed["ApiMappingId"])["ApiMappingKey"]
        == "new"
    )
    v2.delete_api_mapping(DomainName=DOMAIN, ApiMappingId=listed["ApiMappingId"])
