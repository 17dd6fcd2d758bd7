"""apigatewayv2 TagResource, UntagResource and GetTags on APIs, stages, domain names and VPC
links: the tags show in the resource's own Get, and a domain name's tags are the same through
both API Gateway services."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import aws_v2
from tests.admin.apigatewayv2.store_docs import error, quick_api
from tests.admin.conftest import AdminServer

PREFIX = "arn:aws:apigateway:us-east-1::"


def test_api_tags_show_in_get_api(v2: Any) -> None:
    api_id = v2.create_api(Name="tagged", ProtocolType="HTTP", Tags={"a": "1"})["ApiId"]
    arn = f"{PREFIX}/apis/{api_id}"
    assert (
        v2.tag_resource(ResourceArn=arn, Tags={"b": "2"})["ResponseMetadata"]["HTTPStatusCode"]
        == 201
    )
    assert v2.get_tags(ResourceArn=arn)["Tags"] == {"a": "1", "b": "2"}
    assert v2.get_api(ApiId=api_id)["Tags"] == {"a": "1", "b": "2"}
    assert (
        v2.untag_resource(ResourceArn=arn, TagKeys=["a"])["ResponseMetadata"]["HTTPStatusCode"]
        == 204
    )
    assert v2.get_api(ApiId=api_id)["Tags"] == {"b": "2"}


def test_stage_and_vpc_link_tags_with_the_cli(admin: AdminServer, v2: Any) -> None:
    api_id = quick_api(v2)
    link_id = v2.create_vpc_link(Name="l", SubnetIds=["subnet-1"])["VpcLinkId"]
    arn = f"{PREFIX}/apis/{api_id}/stages/$default"
    out = aws_v2(admin.url, "tag-resource", "--resource-arn", arn, "--tags", "env=dev")
    assert out.returncode == 0, out.stderr
    out = aws_v2(admin.url, "get-tags", "--resource-arn", arn)
    assert json.loads(out.stdout)["Tags"] == {"env": "dev"}
    assert v2.get_stage(ApiId=api_id, StageName="$default")["Tags"] == {"env": "dev"}
    v2.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert v2.get_tags(ResourceArn=arn)["Tags"] == {}
    v2.tag_resource(ResourceArn=f"{PREFIX}/vpclinks/{link_id}", Tags={"k": "v"})
    assert v2.get_vpc_link(VpcLinkId=link_id)["Tags"] == {"k": "v"}


def test_domain_tags_are_shared_with_the_rest_api(admin: AdminServer, v2: Any) -> None:
    rest = boto3.client(
        "apigateway",
        endpoint_url=admin.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    v2.create_domain_name(DomainName="tags.example.com", Tags={"from": "v2"})
    arn = f"{PREFIX}/domainnames/tags.example.com"
    rest.tag_resource(resourceArn=arn, tags={"from-rest": "yes"})
    assert v2.get_tags(ResourceArn=arn)["Tags"] == {"from": "v2", "from-rest": "yes"}
    v2.untag_resource(ResourceArn=arn, TagKeys=["from"])
    assert rest.get_tags(resourceArn=arn)["tags"] == {"from-rest": "yes"}
    assert v2.get_domain_name(DomainName="tags.example.com")["Tags"] == {"from-rest": "yes"}


@pytest.mark.parametrize(
    ("arn", "status", "code", "message"),
    [
        ("not-an-arn", 400, "BadRequestException", "Invalid resource ARN specified: not-an-arn"),
        (
            f"{PREFIX}/restapis/abc",
            400,
            "BadRequestException",
            f"Invalid resource ARN specified: {PREFIX}/restapis/abc",
        ),
        (
            f"{PREFIX}/apis/nope123",
            404,
            "NotFoundException",
            f"Invalid resource ARN specified: {PREFIX}/apis/nope123",
        ),
        (
            "arn:aws:apigateway:eu-west-1::/apis/x",
            404,
            "NotFoundException",
            "Invalid resource ARN specified: arn:aws:apigateway:eu-west-1::/apis/x",
        ),
    ],
)
def test_bad_arns(v2: Any, arn: str, status: int, code: str, message: str) -> None:
    for call, args in (
        (v2.get_tags, {}),
        (v2.tag_resource, {"Tags": {"a": "b"}}),
        (v2.untag_resource, {"TagKeys": ["a"]}),
    ):
        with pytest.raises(ClientError) as exc:
            call(ResourceArn=arn, **args)
        assert error(exc) == (status, code, message)


def test_tag_limits(v2: Any) -> None:
    api_id = v2.create_api(Name="limits", ProtocolType="HTTP")["ApiId"]
    arn = f"{PREFIX}/apis/{api_id}"
    with pytest.raises(ClientError) as exc:
        v2.tag_resource(ResourceArn=arn, Tags={"aws:cloudformation": "x"})
    assert error(exc) == (400, "BadRequestException", "Tag keys cannot start with 'aws:'")
    v2.tag_resource(ResourceArn=arn, Tags={f"k{i}": "v" for i in range(50)})
    with pytest.raises(ClientError) as exc:
        v2.tag_resource(ResourceArn=arn, Tags={"one-more": "v"})
    assert error(exc) == (
        400,
        "BadRequestException",
        "Too many tags: a resource can have at most 50",
    )
