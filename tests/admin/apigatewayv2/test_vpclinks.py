"""apigatewayv2 VPC links through boto3 and the AWS CLI: stored as AWS reports a ready V2 link,
kept apart from the REST API's VPC links."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import aws_v2
from tests.admin.apigatewayv2.store_docs import error, put_doc
from tests.admin.conftest import AdminServer

from frontgate.definition import kinds


def test_vpc_link_lifecycle(admin: AdminServer, v2: Any) -> None:
    created = v2.create_vpc_link(
        Name="link",
        SubnetIds=["subnet-0abc", "subnet-0def"],
        SecurityGroupIds=["sg-0123"],
        Tags={"team": "a"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    link_id = created["VpcLinkId"]
    assert created["VpcLinkStatus"] == "AVAILABLE"
    assert created["VpcLinkVersion"] == "V2"
    assert created["SubnetIds"] == ["subnet-0abc", "subnet-0def"]
    assert created["SecurityGroupIds"] == ["sg-0123"]
    assert created["Tags"] == {"team": "a"}
    assert created["CreatedDate"].year >= 2025
    got = v2.get_vpc_link(VpcLinkId=link_id)
    assert got["Name"] == "link" and got["VpcLinkStatusMessage"]
    assert [i["VpcLinkId"] for i in v2.get_vpc_links()["Items"]] == [link_id]
    # The REST API's VPC links are another collection, on AWS as here.
    rest = boto3.client(
        "apigateway",
        endpoint_url=admin.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    assert rest.get_vpc_links()["items"] == []
    assert v2.update_vpc_link(VpcLinkId=link_id, Name="renamed")["Name"] == "renamed"
    deleted = v2.delete_vpc_link(VpcLinkId=link_id)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    with pytest.raises(ClientError) as exc:
        v2.get_vpc_link(VpcLinkId=link_id)
    assert error(exc) == (
        404,
        "NotFoundException",
        f"Invalid VpcLink identifier specified {link_id}",
    )


def test_with_the_cli(admin: AdminServer) -> None:
    out = aws_v2(admin.url, "create-vpc-link", "--name", "cli", "--subnet-ids", "subnet-1")
    assert out.returncode == 0, out.stderr
    link = json.loads(out.stdout)
    assert link["VpcLinkStatus"] == "AVAILABLE"
    out = aws_v2(admin.url, "delete-vpc-link", "--vpc-link-id", link["VpcLinkId"])
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"SubnetIds": []}, "SubnetIds must contain at least one subnet"),
        ({"SubnetIds": ["vpc-1"]}, "Invalid subnet identifier specified: vpc-1"),
        ({"SubnetIds": [f"subnet-{i}" for i in range(11)]}, "at most 10 subnets"),
        ({"SecurityGroupIds": ["group"]}, "Invalid security group identifier specified: group"),
        ({"Tags": {"aws:x": "1"}}, "Tag keys cannot start with 'aws:'"),
        ({"Tags": {f"k{i}": "v" for i in range(51)}}, "a resource can have at most 50"),
    ],
)
def test_refusals(v2: Any, params: dict[str, Any], message: str) -> None:
    args = {"Name": "bad", "SubnetIds": ["subnet-1"], **params}
    with pytest.raises(ClientError) as exc:
        v2.create_vpc_link(**args)
    status, code, text = error(exc)
    assert (status, code) == (400, "BadRequestException")
    assert message in text


def test_unknown_link(v2: Any) -> None:
    for call in (v2.get_vpc_link, v2.delete_vpc_link):
        with pytest.raises(ClientError) as exc:
            call(VpcLinkId="zzz")
        assert error(exc) == (404, "NotFoundException", "Invalid VpcLink identifier specified zzz")
    with pytest.raises(ClientError) as exc:
        v2.update_vpc_link(VpcLinkId="zzz", Name="x")
    assert error(exc)[:2] == (404, "NotFoundException")


def test_a_link_an_integration_uses_is_kept(admin: AdminServer, v2: Any) -> None:
    link_id = v2.create_vpc_link(Name="used", SubnetIds=["subnet-1"])["VpcLinkId"]
    api_id = v2.create_api(Name="private", ProtocolType="HTTP")["ApiId"]
    integration = {
        "integrationId": "i1",
        "integrationType": "HTTP_PROXY",
        "connectionType": "VPC_LINK",
        "connectionId": link_id,
    }
    put_doc(admin, kinds.V2_INTEGRATION, api_id, "i1", integration)
    with pytest.raises(ClientError) as exc:
        v2.delete_vpc_link(VpcLinkId=link_id)
    assert error(exc) == (
        400,
        "BadRequestException",
        f"Cannot delete vpc link '{link_id}': it is used by integration 'i1' of API '{api_id}'",
    )
    put_doc(admin, kinds.V2_INTEGRATION, api_id, "i1", {**integration, "connectionId": "x"})
    v2.delete_vpc_link(VpcLinkId=link_id)


def test_pages(v2: Any) -> None:
    made = [v2.create_vpc_link(Name=f"p{i}", SubnetIds=["subnet-1"])["VpcLinkId"] for i in range(3)]
    first = v2.get_vpc_links(MaxResults="2")
    second = v2.get_vpc_links(MaxResults="2", NextToken=first["NextToken"])
    assert [i["VpcLinkId"] for i in first["Items"] + second["Items"]] == made
    assert "NextToken" not in second
    for link_id in made:
        v2.delete_vpc_link(VpcLinkId=link_id)
