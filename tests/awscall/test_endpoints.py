"""Where AWS calls go: configured endpoints, botocore's environment variables, AWS's own."""

from __future__ import annotations

import pytest

from frontgate.awscall import arn, models
from frontgate.awscall.endpoints import Endpoints


def test_service_names_of_integration_uris() -> None:
    states = models.service_info("states")  # the endpoint prefix, not botocore's name
    assert (states.model_name, states.service_id, states.signing_name) == (
        "stepfunctions", "SFN", "states")  # fmt: skip
    assert (states.protocol, states.target_prefix, states.json_version) == (
        "json", "AWSStepFunctions", "1.0")  # fmt: skip
    # SQS is called with its query API, as API Gateway does (botocore's model now says json).
    assert models.service_info("sqs").protocol == "query"
    assert models.service_info("s3").protocol == "rest-xml"
    assert models.service_info("monitoring").model_name == "cloudwatch"
    assert models.cached_info("states") is models.service_info("states")
    with pytest.raises(models.UnknownService):
        models.service_info("no-such-service")


def test_uri_parts() -> None:
    uri = arn.parse("arn:aws:apigateway:eu-west-1:dynamodb:action/PutItem")
    assert uri == arn.ServiceUri("eu-west-1", "dynamodb", "action", "PutItem")
    uri = arn.parse("arn:aws:apigateway:us-east-1:my.bucket.s3:path/{key}")
    assert uri == arn.ServiceUri("us-east-1", "my.bucket.s3", "path", "{key}")
    assert arn.parse("arn:aws:iam::123456789012:role/x") is None
    assert arn.parse("arn:aws:apigateway:us-east-1:sqs:queue/x") is None


def test_subdomains_told_from_dotted_service_names() -> None:
    info, subdomain = models.resolve("my.bucket.s3")
    assert (info.model_name, subdomain) == ("s3", "my.bucket")
    info, subdomain = models.resolve("runtime.sagemaker")  # a service of its own
    assert (info.model_name, subdomain) == ("sagemaker-runtime", "")
    info, subdomain = models.resolve("data-ats.iot")  # found by scanning botocore's models
    assert (info.model_name, info.signing_name, subdomain) == ("iot-data", "iotdata", "")
    assert models.cached_resolve("my.bucket.s3") == models.resolve("my.bucket.s3")
    with pytest.raises(models.UnknownService):
        models.resolve("thing.nothing")


def test_configured_endpoint_wins_by_any_of_the_service_names() -> None:
    sfn = models.service_info("states")
    for name in ("states", "stepfunctions", "SFN"):
        found = Endpoints({name: "http://127.0.0.1:4566/"}, environ={}).resolve(sfn, "eu-west-1")
        assert (found.url, found.region) == ("http://127.0.0.1:4566", "eu-west-1")


def test_botocore_environment_variables() -> None:
    sfn = models.service_info("states")
    sqs = models.service_info("sqs")
    env = {"AWS_ENDPOINT_URL_SFN": "http://sfn.local:1", "AWS_ENDPOINT_URL": "http://all.local:2"}
    endpoints = Endpoints({}, environ=env)
    assert endpoints.resolve(sfn, "us-east-1").url == "http://sfn.local:1"
    assert endpoints.resolve(sqs, "us-east-1").url == "http://all.local:2"
    # The configured one is ahead of the environment.
    assert Endpoints({"sqs": "http://mine:3"}, environ=env).resolve(sqs, "x").url == "http://mine:3"
    ignored = Endpoints({}, environ={**env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"})
    assert ignored.resolve(sqs, "eu-west-1").url == "https://sqs.eu-west-1.amazonaws.com"


def test_aws_regional_endpoints() -> None:
    endpoints = Endpoints({}, environ={})
    found = endpoints.resolve(models.service_info("dynamodb"), "eu-central-1")
    assert (found.url, found.region) == (
        "https://dynamodb.eu-central-1.amazonaws.com",
        "eu-central-1",
    )
    found = endpoints.resolve(models.service_info("states"), "ap-southeast-2")
    assert found.url == "https://states.ap-southeast-2.amazonaws.com"
    # A global service signs for its own scope's region.
    found = endpoints.resolve(models.service_info("iam"), "eu-west-1")
    assert (found.url, found.region) == ("https://iam.amazonaws.com", "us-east-1")


def test_operation_host_prefix_only_on_aws_endpoints() -> None:
    # StartSyncExecution's model says hostPrefix "sync-": AWS's host gets it, a configured
    # endpoint (moto, LocalStack, a VPC endpoint) is used as given.
    states = models.service_info("states")
    aws = Endpoints({}, environ={}).resolve(states, "us-east-1")
    assert aws.with_host_prefix("sync-") == "https://sync-states.us-east-1.amazonaws.com"
    mine = Endpoints({"states": "http://127.0.0.1:4566"}, environ={}).resolve(states, "us-east-1")
    assert mine.with_host_prefix("sync-") == "http://127.0.0.1:4566"
