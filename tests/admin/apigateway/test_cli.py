"""The first goal, end to end through the real AWS CLI: build, deploy and manage an API."""

from __future__ import annotations

import json
from typing import Any

from tests.admin.conftest import AdminServer, aws_cli


def cli(admin: AdminServer, *args: str) -> Any:
    proc = aws_cli(admin.url, *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def cli_error(admin: AdminServer, *args: str) -> str:
    proc = aws_cli(admin.url, *args)
    assert proc.returncode != 0
    return proc.stderr


def test_cli_build_deploy_and_manage(admin: AdminServer) -> None:
    api = cli(admin, "create-rest-api", "--name", "pets", "--description", "demo")
    api_id = api["id"]
    assert api["endpointConfiguration"]["types"] == ["EDGE"]
    assert [a["id"] for a in cli(admin, "get-rest-apis")["items"]] == [api_id]
    root = cli(admin, "get-resources", "--rest-api-id", api_id)["items"][0]
    assert root == {"id": api["rootResourceId"], "path": "/"}

    create_pets = ("create-resource", "--rest-api-id", api_id, "--parent-id", root["id"],
                   "--path-part", "pets")  # fmt: skip
    pets = cli(admin, *create_pets)
    assert pets["path"] == "/pets"
    err = cli_error(admin, *create_pets)
    assert "ConflictException" in err and "already has this name: pets" in err

    base = ["--rest-api-id", api_id, "--resource-id", pets["id"]]
    method = cli(admin, "put-method", *base, "--http-method", "GET", "--authorization-type", "NONE")
    assert method == {"httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": False}
    integ = cli(
        admin,
        "put-integration",
        *base,
        "--http-method",
        "GET",
        "--type",
        "HTTP_PROXY",
        "--integration-http-method",
        "GET",
        "--uri",
        "http://127.0.0.1:9/pets",
    )
    assert integ["httpMethod"] == "GET" and integ["cacheNamespace"] == pets["id"]
    cli(
        admin,
        "update-method",
        *base,
        "--http-method",
        "GET",
        "--patch-operations",
        "op=replace,path=/apiKeyRequired,value=true",
    )
    assert cli(admin, "get-method", *base, "--http-method", "GET")["apiKeyRequired"] is True

    # CORS preflight: MOCK integration with response headers.
    cli(admin, "put-method", *base, "--http-method", "OPTIONS", "--authorization-type", "NONE")
    cli(
        admin,
        "put-integration",
        *base,
        "--http-method",
        "OPTIONS",
        "--type",
        "MOCK",
        "--request-templates",
        '{"application/json": "{\\"statusCode\\": 200}"}',
    )
    cli(
        admin,
        "put-method-response",
        *base,
        "--http-method",
        "OPTIONS",
        "--status-code",
        "200",
        "--response-parameters",
        "method.response.header.Access-Control-Allow-Origin=false",
    )
    ir = cli(
        admin,
        "put-integration-response",
        *base,
        "--http-method",
        "OPTIONS",
        "--status-code",
        "200",
        "--response-parameters",
        '{"method.response.header.Access-Control-Allow-Origin": "\'*\'"}',
    )
    assert ir["responseParameters"] == {"method.response.header.Access-Control-Allow-Origin": "'*'"}
    embedded = cli(admin, "get-resources", "--rest-api-id", api_id, "--embed", "methods")
    opts = embedded["items"][1]["resourceMethods"]["OPTIONS"]
    assert opts["methodIntegration"]["requestTemplates"] == {
        "application/json": '{"statusCode": 200}'
    }

    dep = cli(admin, "create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")
    assert [d["id"] for d in cli(admin, "get-deployments", "--rest-api-id", api_id)["items"]] == [
        dep["id"]
    ]
    update_dev = ("update-stage", "--rest-api-id", api_id, "--stage-name", "dev")
    stage = cli(
        admin,
        *update_dev,
        "--patch-operations",
        "op=replace,path=/variables/host,value=example.com",
        "op=replace,path=/*/*/throttling/burstLimit,value=100",
        "op=replace,path=/~1pets/GET/logging/loglevel,value=INFO",
        "op=replace,path=/accessLogSettings/format,value=$context.requestId",
        "op=replace,path=/accessLogSettings/destinationArn,"
        "value=arn:aws:logs:us-east-1:123456789012:log-group:g",
    )
    assert stage["variables"] == {"host": "example.com"}
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 100
    assert stage["methodSettings"]["pets/GET"]["loggingLevel"] == "INFO"
    assert stage["accessLogSettings"]["format"] == "$context.requestId"
    err = cli_error(
        admin,
        *update_dev,
        "--patch-operations",
        "op=replace,path=/accessLogSettings/destinationArn,value=invalid-arn",
    )
    assert "Invalid ARN. ARN is not well formed invalid-arn" in err
    cli(
        admin,
        "create-stage",
        "--rest-api-id",
        api_id,
        "--stage-name",
        "prod",
        "--deployment-id",
        dep["id"],
    )
    assert (
        cli(admin, "get-stage", "--rest-api-id", api_id, "--stage-name", "prod")[
            "cacheClusterStatus"
        ]
        == "NOT_AVAILABLE"
    )
    cli(admin, "delete-stage", "--rest-api-id", api_id, "--stage-name", "prod")

    key = cli(admin, "create-api-key", "--name", "k1", "--enabled")
    assert key["enabled"] is True and len(key["value"]) >= 20
    assert "value" not in cli(admin, "get-api-key", "--api-key", key["id"])
    assert (
        cli(admin, "get-api-key", "--api-key", key["id"], "--include-value")["value"]
        == key["value"]
    )
    plan = cli(
        admin,
        "create-usage-plan",
        "--name",
        "basic",
        "--throttle",
        "burstLimit=100, rateLimit=50",
        "--quota",
        "limit=1000,period=DAY",
    )
    assert plan["throttle"] == {"burstLimit": 100, "rateLimit": 50.0}
    add_stage = ("update-usage-plan", "--usage-plan-id", plan["id"], "--patch-operations")
    plan = cli(admin, *add_stage, f"op=add,path=/apiStages,value={api_id}:dev")
    assert plan["apiStages"] == [{"apiId": api_id, "stage": "dev"}]
    err = cli_error(admin, *add_stage, f"op=add,path=/apiStages,value={api_id}:nope")
    assert f"Invalid API Stage {{api: {api_id}, stage: nope}}" in err
    pk = cli(
        admin,
        "create-usage-plan-key",
        "--usage-plan-id",
        plan["id"],
        "--key-id",
        key["id"],
        "--key-type",
        "API_KEY",
    )
    assert pk["value"] == key["value"]
    usage = cli(
        admin,
        "get-usage",
        "--usage-plan-id",
        plan["id"],
        "--start-date",
        "2026-01-01",
        "--end-date",
        "2026-01-02",
    )
    assert usage["items"] == {key["id"]: [[0, 1000], [0, 1000]]}

    export = aws_cli(
        admin.url,
        "get-export",
        "--rest-api-id",
        api_id,
        "--stage-name",
        "dev",
        "--export-type",
        "oas30",
        "/dev/stdout",
    )
    assert export.returncode == 0, export.stderr
    assert '"openapi": "3.0.1"' in export.stdout

    cli(admin, "delete-method", *base, "--http-method", "GET")
    cli(admin, "delete-rest-api", "--rest-api-id", api_id)
    err = cli_error(admin, "get-rest-api", "--rest-api-id", api_id)
    assert f"Invalid API identifier specified 123456789012:{api_id}" in err
