"""Resources, methods, method responses, integrations and integration responses."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.apigateway.test_restapis import code


@pytest.fixture
def api(apigw: Any) -> dict[str, Any]:
    api = apigw.create_rest_api(name="t")
    res = apigw.create_resource(
        restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pets"
    )
    return {"id": api["id"], "root": api["rootResourceId"], "pets": res["id"]}


def test_resource_tree(apigw: Any, api: dict[str, Any]) -> None:
    a, pets = api["id"], api["pets"]
    item = apigw.create_resource(restApiId=a, parentId=pets, pathPart="{id}")
    assert item["path"] == "/pets/{id}"
    with pytest.raises(ClientError) as exc:
        apigw.create_resource(restApiId=a, parentId=pets, pathPart="{other}")
    assert code(exc)[1] == (
        "A sibling ({id}) of this resource already has a variable path part -- only one is allowed"
    )
    greedy = apigw.create_resource(restApiId=a, parentId=api["root"], pathPart="{proxy+}")
    with pytest.raises(ClientError) as exc:
        apigw.create_resource(restApiId=a, parentId=greedy["id"], pathPart="x")
    assert (
        code(exc)[1] == "Cannot create a child of a resource with a greedy path variable: {proxy+}"
    )
    with pytest.raises(ClientError) as exc:
        apigw.create_resource(restApiId=a, parentId="nope", pathPart="x")
    assert code(exc) == ("NotFoundException", "Invalid Resource identifier specified")

    moved = apigw.update_resource(
        restApiId=a,
        resourceId=pets,
        patchOperations=[{"op": "replace", "path": "/pathPart", "value": "animals"}],
    )
    assert moved["path"] == "/animals"
    assert apigw.get_resource(restApiId=a, resourceId=item["id"])["path"] == "/animals/{id}"
    with pytest.raises(ClientError) as exc:
        apigw.update_resource(
            restApiId=a,
            resourceId=pets,
            patchOperations=[{"op": "replace", "path": "/parentId", "value": item["id"]}],
        )
    assert code(exc)[1] == "Resources cannot be cyclical."
    with pytest.raises(ClientError) as exc:
        apigw.update_resource(
            restApiId=a,
            resourceId=api["root"],
            patchOperations=[{"op": "replace", "path": "/pathPart", "value": "x"}],
        )
    assert code(exc)[1] == "Root resource cannot update its pathPart."
    with pytest.raises(ClientError) as exc:
        apigw.update_resource(
            restApiId=a,
            resourceId=pets,
            patchOperations=[{"op": "add", "path": "/pathPart", "value": "x"}],
        )
    assert code(exc)[1] == (
        "Invalid patch path  '/pathPart' specified for op 'add'. Please choose supported operations"
    )

    apigw.delete_resource(restApiId=a, resourceId=pets)
    paths = [r["path"] for r in apigw.get_resources(restApiId=a)["items"]]
    assert sorted(paths) == ["/", "/{proxy+}"]  # the subtree went too


def test_methods(apigw: Any, api: dict[str, Any]) -> None:
    ids = {"restApiId": api["id"], "resourceId": api["pets"]}
    with pytest.raises(ClientError) as exc:
        apigw.put_method(**ids, httpMethod="FETCH", authorizationType="NONE")
    assert code(exc)[1].startswith("Invalid HttpMethod specified. Valid options are GET,PUT")
    with pytest.raises(ClientError) as exc:
        apigw.put_method(**ids, httpMethod="GET", authorizationType="CUSTOM")
    assert "requires a valid authorizer" in code(exc)[1]
    apigw.put_method(
        **ids,
        httpMethod="GET",
        authorizationType="NONE",
        requestParameters={"method.request.querystring.q": True},
    )
    with pytest.raises(ClientError) as exc:
        apigw.put_method(**ids, httpMethod="GET", authorizationType="NONE")
    assert code(exc)[0] == "ConflictException"

    m = apigw.update_method(
        **ids,
        httpMethod="GET",
        patchOperations=[
            {"op": "add", "path": "/requestParameters/method.request.header.x-a", "value": "true"},
            {"op": "remove", "path": "/requestParameters/method.request.querystring.q"},
            {"op": "replace", "path": "/operationName", "value": "ListPets"},
        ],
    )
    assert m["requestParameters"] == {"method.request.header.x-a": True}
    assert m["operationName"] == "ListPets"
    with pytest.raises(ClientError) as exc:
        apigw.update_method(
            **ids,
            httpMethod="GET",
            patchOperations=[
                {"op": "replace", "path": "/requestModels/application~1json", "value": "Nope"}
            ],
        )
    assert code(exc)[1] == "Invalid model identifier specified: Nope"
    with pytest.raises(ClientError) as exc:
        apigw.update_method(
            **ids,
            httpMethod="GET",
            patchOperations=[{"op": "wrong", "path": "/operationName", "value": "x"}],
        )
    assert code(exc) == (
        "ValidationException",
        "1 validation error detected: Value 'wrong' at 'updateMethodInput.patchOperations.1.member"
        ".op' failed to satisfy constraint: Member must satisfy enum value set: [add, remove, "
        "move, test, replace, copy]",
    )

    mr = apigw.put_method_response(
        **ids, httpMethod="GET", statusCode="200", responseModels={"application/json": "Empty"}
    )
    assert mr["statusCode"] == "200"
    mr = apigw.update_method_response(
        **ids,
        httpMethod="GET",
        statusCode="200",
        patchOperations=[
            {
                "op": "add",
                "path": "/responseParameters/method.response.header.X-Y",
                "value": "false",
            }
        ],
    )
    assert mr["responseParameters"] == {"method.response.header.X-Y": False}
    with pytest.raises(ClientError) as exc:
        apigw.put_method_response(**ids, httpMethod="GET", statusCode="99")
    assert code(exc)[0] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        apigw.get_method_response(**ids, httpMethod="GET", statusCode="500")
    assert code(exc) == ("NotFoundException", "Invalid Response status code specified")
    apigw.delete_method_response(**ids, httpMethod="GET", statusCode="200")
    assert (
        "methodResponses" not in apigw.get_method(**ids, httpMethod="GET")
        or not (apigw.get_method(**ids, httpMethod="GET")["methodResponses"])
    )
    resp = apigw.delete_method(**ids, httpMethod="GET")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        apigw.get_method(**ids, httpMethod="GET")
    assert code(exc) == ("NotFoundException", "Invalid Method identifier specified")


def test_integrations(apigw: Any, api: dict[str, Any]) -> None:
    ids = {"restApiId": api["id"], "resourceId": api["pets"], "httpMethod": "POST"}
    apigw.put_method(**ids, authorizationType="NONE")
    with pytest.raises(ClientError) as exc:
        apigw.get_integration(**ids)
    assert code(exc) == ("NotFoundException", "Invalid Integration identifier specified")
    with pytest.raises(ClientError) as exc:
        apigw.put_integration(**ids, type="HTTP", uri="http://x")
    assert code(exc)[1] == "Enumeration value for HttpMethod must be non-empty"
    with pytest.raises(ClientError) as exc:
        apigw.put_integration(**ids, type="HTTP", integrationHttpMethod="POST", uri="ftp:/x")
    assert code(exc)[1] == "Invalid HTTP endpoint specified for URI"
    with pytest.raises(ClientError) as exc:
        apigw.put_integration(**ids, type="AWS_PROXY", integrationHttpMethod="POST", uri="x")
    assert code(exc)[1] == "Invalid ARN specified in the request"
    lam = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:f/invocations"
    )
    integ = apigw.put_integration(**ids, type="AWS_PROXY", integrationHttpMethod="POST", uri=lam)
    assert integ["timeoutInMillis"] == 29000 and integ["passthroughBehavior"] == "WHEN_NO_MATCH"
    integ = apigw.put_integration(**ids, type="MOCK", requestTemplates={"application/json": "{}"})
    assert "uri" not in integ
    integ = apigw.update_integration(
        **ids,
        patchOperations=[
            {"op": "add", "path": "/requestTemplates/text~1plain", "value": "hi"},
            {"op": "replace", "path": "/timeoutInMillis", "value": "1000"},
        ],
    )
    assert integ["requestTemplates"] == {"application/json": "{}", "text/plain": "hi"}
    assert integ["timeoutInMillis"] == 1000

    ir = apigw.put_integration_response(
        **ids, statusCode="200", selectionPattern="", responseTemplates={"application/json": ""}
    )
    assert ir["selectionPattern"] == ""
    ir = apigw.update_integration_response(
        **ids,
        statusCode="200",
        patchOperations=[{"op": "replace", "path": "/selectionPattern", "value": "2\\d{2}"}],
    )
    assert ir["selectionPattern"] == "2\\d{2}"
    full = apigw.get_method(**ids)["methodIntegration"]
    assert full["integrationResponses"]["200"]["selectionPattern"] == "2\\d{2}"
    apigw.delete_integration_response(**ids, statusCode="200")
    resp = apigw.delete_integration(**ids)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "methodIntegration" not in apigw.get_method(**ids)
