"""Get* list operations page from the store by key (keyset pagination).

Each collection lists in creation order; ``position`` is an opaque, URL-safe token naming the
last item of the previous page, so items created or deleted between pages make no other item
skip or repeat, and filtered lists (nameQuery, keyId, type) still come in full pages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

LIMITS = (1, 2, 25, 500)


def walk(call: Callable[..., Any], **kw: Any) -> tuple[list[Any], list[int]]:
    """Every item of a listing followed page by page; also each page's size."""
    items: list[Any] = []
    sizes: list[int] = []
    position: str | None = kw.pop("position", None)
    while True:
        out = call(**kw, **({"position": position} if position else {}))
        items += out["items"]
        sizes.append(len(out["items"]))
        position = out.get("position")
        if position is None:
            return items, sizes
        assert re.fullmatch(r"[A-Za-z0-9_-]+", position), position  # opaque, URL-safe
        assert len(sizes) < 1000


def full_pages(sizes: list[int], total: int, limit: int) -> None:
    """Every page but the last is full, and no page is empty unless the listing is."""
    assert sizes == [limit] * (total // limit) + ([total % limit] if total % limit else []) or (
        total == 0 and sizes == [0]
    ), (sizes, total, limit)


def test_resources_page_in_creation_order(apigw: Any) -> None:
    api = apigw.create_rest_api(name="paging-resources")
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
    expected = [root]
    parent = root
    for i in range(60):
        # Ids are random, so creation order is not id order; alternate flat and nested.
        res = apigw.create_resource(restApiId=api["id"], parentId=parent, pathPart=f"p{i}")
        expected.append(res["id"])
        parent = res["id"] if i % 2 else root
    apigw.put_method(
        restApiId=api["id"], resourceId=expected[30], httpMethod="GET", authorizationType="NONE"
    )
    for limit in LIMITS:
        items, sizes = walk(apigw.get_resources, restApiId=api["id"], limit=limit)
        assert [r["id"] for r in items] == expected
        full_pages(sizes, len(expected), limit)
        assert items[30]["resourceMethods"] == {"GET": {}}  # listed without embed
    items, _ = walk(apigw.get_resources, restApiId=api["id"], limit=7, embed=["methods"])
    assert [r["id"] for r in items] == expected
    assert items[30]["resourceMethods"]["GET"]["httpMethod"] == "GET"


def test_creates_and_deletes_between_pages_skip_and_repeat_nothing(apigw: Any) -> None:
    api = apigw.create_rest_api(name="paging-changes")
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
    ids = [root] + [
        apigw.create_resource(restApiId=api["id"], parentId=root, pathPart=f"c{i}")["id"]
        for i in range(11)
    ]
    first = apigw.get_resources(restApiId=api["id"], limit=4)
    assert [r["id"] for r in first["items"]] == ids[:4]
    # Delete one item already seen and the two that would come next; add one.
    for gone in (ids[1], ids[4], ids[5]):
        apigw.delete_resource(restApiId=api["id"], resourceId=gone)
    new = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="late")["id"]
    rest, _ = walk(apigw.get_resources, restApiId=api["id"], limit=4, position=first["position"])
    assert [r["id"] for r in rest] == [*ids[6:], new]

    # The item a position names may itself be deleted: the next page still starts after it.
    second = apigw.get_resources(restApiId=api["id"], limit=3)
    apigw.delete_resource(restApiId=api["id"], resourceId=second["items"][-1]["id"])
    rest, _ = walk(apigw.get_resources, restApiId=api["id"], limit=3, position=second["position"])
    assert [r["id"] for r in rest] == [*ids[6:], new]


@pytest.mark.parametrize(
    "position", ["garbage!", "-1", "a2V5", "azE6eA", "azE6LTE", "azE6NzE!", "%%%"]
)
def test_invalid_position_is_400(apigw: Any, position: str) -> None:
    api = apigw.create_rest_api(name="paging-bad")
    calls: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (apigw.get_rest_apis, {}),
        (apigw.get_resources, {"restApiId": api["id"]}),
        (apigw.get_api_keys, {}),
        (apigw.get_usage_plans, {}),
        (apigw.get_models, {"restApiId": api["id"]}),
        (apigw.get_deployments, {"restApiId": api["id"]}),
        (apigw.get_authorizers, {"restApiId": api["id"]}),
        (apigw.get_documentation_parts, {"restApiId": api["id"]}),
    ]
    for call, kw in calls:
        with pytest.raises(ClientError) as exc:
            call(position=position, **kw)
        err = exc.value.response["Error"]
        assert (err["Code"], err["Message"]) == (
            "BadRequestException",
            "Invalid position parameter",
        ), call
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_filtered_lists_come_in_full_pages(apigw: Any) -> None:
    wanted = []
    for i in range(23):
        key = apigw.create_api_key(name=f"pgf-{'a' if i % 3 else 'b'}-{i}", customerId="pgf")
        if i % 3:
            wanted.append(key["id"])
    for limit in LIMITS:
        items, sizes = walk(apigw.get_api_keys, nameQuery="pgf-a-", limit=limit)
        assert [k["id"] for k in items] == wanted
        full_pages(sizes, len(wanted), limit)

    key = apigw.create_api_key(name="pgf-plan-key")["id"]
    with_key = []
    for i in range(9):
        plan = apigw.create_usage_plan(name=f"pgf-plan-{i}")
        if i % 2 == 0:
            apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key, keyType="API_KEY")
            with_key.append(plan["id"])
    for limit in LIMITS:
        items, sizes = walk(apigw.get_usage_plans, keyId=key, limit=limit)
        assert [p["id"] for p in items] == with_key
        full_pages(sizes, len(with_key), limit)

    api = apigw.create_rest_api(name="paging-docs")
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
    resource_parts = []
    for i in range(7):
        path = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart=f"d{i}")["path"]
        if i == 3:  # a part of another type in between
            apigw.create_documentation_part(
                restApiId=api["id"], location={"type": "API"}, properties=json.dumps({"n": i})
            )
        part = apigw.create_documentation_part(
            restApiId=api["id"],
            location={"type": "RESOURCE", "path": path},
            properties=json.dumps({"i": i}),
        )
        resource_parts.append(part["id"])
    for limit in (1, 2, 500):
        items, sizes = walk(
            apigw.get_documentation_parts, restApiId=api["id"], type="RESOURCE", limit=limit
        )
        assert [p["id"] for p in items] == resource_parts
        full_pages(sizes, len(resource_parts), limit)


def test_every_paged_collection_lists_once_in_creation_order(apigw: Any) -> None:
    api = apigw.create_rest_api(name="paging-collections")
    a = api["id"]
    models = [m["id"] for m in apigw.get_models(restApiId=a)["items"]]  # Empty, Error
    for i in range(3):
        models.append(
            apigw.create_model(
                restApiId=a, name=f"M{i}", contentType="application/json", schema="{}"
            )["id"]
        )
    validators = [apigw.create_request_validator(restApiId=a, name=f"v{i}")["id"] for i in range(3)]
    authorizers = [
        apigw.create_authorizer(
            restApiId=a,
            name=f"auth{i}",
            type="TOKEN",
            authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            "arn:aws:lambda:us-east-1:123456789012:function:f/invocations",
            identitySource="method.request.header.Authorization",
        )["id"]
        for i in range(3)
    ]
    root = apigw.get_resources(restApiId=a)["items"][0]["id"]
    apigw.put_method(restApiId=a, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=a, resourceId=root, httpMethod="GET", type="MOCK")
    deployments = [apigw.create_deployment(restApiId=a)["id"] for _ in range(3)]
    apigw.create_documentation_part(
        restApiId=a, location={"type": "API"}, properties=json.dumps({"d": 1})
    )
    versions = [
        apigw.create_documentation_version(restApiId=a, documentationVersion=f"v{i}")["version"]
        for i in range(3)
    ]
    cases: list[tuple[Callable[..., Any], str, list[str]]] = [
        (apigw.get_models, "id", models),
        (apigw.get_request_validators, "id", validators),
        (apigw.get_authorizers, "id", authorizers),
        (apigw.get_deployments, "id", deployments),
        (apigw.get_documentation_versions, "version", versions),
    ]
    for call, field, expected in cases:
        for limit in (1, 2, 500):
            items, sizes = walk(call, restApiId=a, limit=limit)
            assert [i[field] for i in items] == expected, call
            full_pages(sizes, len(expected), limit)

    # Top-level collections: this module's items are a subsequence, in creation order.
    mine = [apigw.create_rest_api(name=f"paging-top-{i}")["id"] for i in range(3)]
    for limit in (1, 2, 500):
        items, _ = walk(apigw.get_rest_apis, limit=limit)
        ids = [i["id"] for i in items]
        assert len(ids) == len(set(ids)) and a in ids
        assert [i for i in ids if i in mine] == mine


def test_sparse_filter_scans_past_unmatched_items(apigw: Any) -> None:
    """Matches far apart (more unmatched keys between them than one store read holds) still
    come one full page at a time, and the last page has no position."""
    names = [f"pgs-{'hit' if i in (5, 170) else 'miss'}-{i}" for i in range(180)]
    ids = [apigw.create_api_key(name=n)["id"] for n in names]
    first = apigw.get_api_keys(nameQuery="pgs-hit-", limit=1)
    assert [k["id"] for k in first["items"]] == [ids[5]] and "position" in first
    second = apigw.get_api_keys(nameQuery="pgs-hit-", limit=1, position=first["position"])
    assert [k["id"] for k in second["items"]] == [ids[170]] and "position" not in second
    both = apigw.get_api_keys(nameQuery="pgs-hit-", limit=2)
    assert [k["id"] for k in both["items"]] == [ids[5], ids[170]] and "position" not in both
