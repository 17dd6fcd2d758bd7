"""Account settings, custom domains and base path mappings, client certificates, VPC links,
tags by ARN."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from tests.admin.apigateway.test_restapis import code
from tests.admin.conftest import deployed_mock_api


def test_account(apigw: Any) -> None:
    acct = apigw.get_account()
    assert acct["throttleSettings"] == {"burstLimit": 5000, "rateLimit": 10000.0}
    acct = apigw.update_account(
        patchOperations=[
            {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "100"},
            {
                "op": "replace",
                "path": "/cloudwatchRoleArn",
                "value": "arn:aws:iam::123456789012:role/logs",
            },
        ]
    )
    assert acct["throttleSettings"]["rateLimit"] == 100.0
    assert apigw.get_account()["cloudwatchRoleArn"].endswith(":role/logs")


def test_domains_and_mappings(apigw: Any) -> None:
    api = deployed_mock_api(apigw, "d", "prod")
    dom = apigw.create_domain_name(
        domainName="api.example.com",
        certificateBody="PEM",
        endpointConfiguration={"types": ["REGIONAL"]},
    )
    assert dom["domainNameStatus"] == "AVAILABLE" and dom["regionalDomainName"] == "localhost"
    assert "certificateBody" not in apigw.get_domain_name(domainName="api.example.com")
    with pytest.raises(ClientError) as exc:
        apigw.create_domain_name(domainName="api.example.com")
    assert code(exc)[0] == "ConflictException"

    bpm = apigw.create_base_path_mapping(
        domainName="api.example.com", restApiId=api["id"], stage="prod"
    )
    assert bpm["basePath"] == "(none)"
    apigw.create_base_path_mapping(
        domainName="api.example.com", restApiId=api["id"], basePath="v1", stage="prod"
    )
    with pytest.raises(ClientError) as exc:
        apigw.create_base_path_mapping(
            domainName="api.example.com", restApiId=api["id"], basePath="v1"
        )
    assert code(exc)[0] == "ConflictException"
    with pytest.raises(ClientError) as exc:
        apigw.create_base_path_mapping(
            domainName="api.example.com", restApiId=api["id"], basePath="v3", stage="nope"
        )
    assert code(exc)[0] == "BadRequestException"
    moved = apigw.update_base_path_mapping(
        domainName="api.example.com",
        basePath="v1",
        patchOperations=[{"op": "replace", "path": "/basePath", "value": "v2"}],
    )
    assert moved["basePath"] == "v2"
    paths = {
        m["basePath"] for m in apigw.get_base_path_mappings(domainName="api.example.com")["items"]
    }
    assert paths == {"(none)", "v2"}
    apigw.delete_base_path_mapping(domainName="api.example.com", basePath="v2")
    apigw.delete_domain_name(domainName="api.example.com")
    with pytest.raises(ClientError) as exc:
        apigw.get_domain_name(domainName="api.example.com")
    assert code(exc) == ("NotFoundException", "Invalid domain name identifier specified")


def test_client_certificates(apigw: Any) -> None:
    cert = apigw.generate_client_certificate(description="backend")
    pem = apigw.get_client_certificate(clientCertificateId=cert["clientCertificateId"])
    parsed = x509.load_pem_x509_certificate(pem["pemEncodedCertificate"].encode())
    assert parsed.not_valid_after_utc > parsed.not_valid_before_utc
    assert "_privateKeyPem" not in pem and "privateKeyPem" not in pem
    upd = apigw.update_client_certificate(
        clientCertificateId=cert["clientCertificateId"],
        patchOperations=[{"op": "replace", "path": "/description", "value": "x"}],
    )
    assert upd["description"] == "x"
    apigw.delete_client_certificate(clientCertificateId=cert["clientCertificateId"])
    with pytest.raises(ClientError) as exc:
        apigw.get_client_certificate(clientCertificateId=cert["clientCertificateId"])
    assert code(exc)[0] == "NotFoundException"


NLB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb/1"


def test_vpc_links_and_tags(apigw: Any) -> None:
    link = apigw.create_vpc_link(name="l", targetArns=[NLB_ARN])
    assert link["ResponseMetadata"]["HTTPStatusCode"] == 202 and link["status"] == "AVAILABLE"
    assert apigw.get_vpc_link(vpcLinkId=link["id"])["name"] == "l"
    apigw.delete_vpc_link(vpcLinkId=link["id"])

    api = apigw.create_rest_api(name="tagged")
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}"
    resp = apigw.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    apigw.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"b": "2"}
    assert apigw.get_rest_api(restApiId=api["id"])["tags"] == {"b": "2"}
    with pytest.raises(ClientError) as exc:
        apigw.get_tags(resourceArn="arn:aws:apigateway:us-east-1::/restapis/nope")
    assert code(exc)[0] == "NotFoundException"
    with pytest.raises(ClientError) as exc:
        apigw.tag_resource(resourceArn="not-an-arn", tags={"a": "1"})
    assert code(exc)[0] == "BadRequestException"
    assert apigw.get_sdk_types()["items"] == []
