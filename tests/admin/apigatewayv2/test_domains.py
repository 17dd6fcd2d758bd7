"""apigatewayv2 domain names through boto3 and the AWS CLI: one stored domain for both API
Gateway services — made through either, seen, updated and deleted through the other — and
uploaded certificate material that stays sealed and is never shown."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.admin.apigatewayv2.conftest import aws_v2
from tests.admin.apigatewayv2.store_docs import error, get_doc
from tests.admin.conftest import AdminServer

from frontgate.definition import kinds

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
CERT2 = "arn:aws:acm:us-east-1:123456789012:certificate/def"


@pytest.fixture(scope="module")
def rest(admin: AdminServer) -> Any:
    return boto3.client(
        "apigateway",
        endpoint_url=admin.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_v2_domain_is_the_rest_domain(admin: AdminServer, v2: Any, rest: Any) -> None:
    created = v2.create_domain_name(
        DomainName="API.Example.com",
        DomainNameConfigurations=[{"CertificateArn": CERT, "EndpointType": "REGIONAL"}],
        Tags={"t": "1"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["DomainName"] == "api.example.com"
    assert created["ApiMappingSelectionExpression"] == "$request.basepath"
    assert created["DomainNameArn"] == "arn:aws:apigateway:us-east-1::/domainnames/api.example.com"
    assert created["Tags"] == {"t": "1"}
    (conf,) = created["DomainNameConfigurations"]
    assert conf["CertificateArn"] == CERT
    assert conf["EndpointType"] == "REGIONAL"
    assert conf["DomainNameStatus"] == "AVAILABLE"
    assert conf["SecurityPolicy"] == "TLS_1_2"
    assert conf["ApiGatewayDomainName"] == admin.settings.data_plane_domain
    assert conf["IpAddressType"] == "ipv4"
    # The REST API sees the same domain, in its own shape.
    seen = rest.get_domain_name(domainName="api.example.com")
    assert seen["regionalCertificateArn"] == CERT
    assert seen["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert seen["regionalDomainName"] == admin.settings.data_plane_domain
    assert seen["tags"] == {"t": "1"}
    names = [d["DomainName"] for d in v2.get_domain_names()["Items"]]
    assert "api.example.com" in names
    updated = v2.update_domain_name(
        DomainName="api.example.com",
        DomainNameConfigurations=[{"CertificateArn": CERT2, "SecurityPolicy": "TLS_1_0"}],
    )
    assert updated["DomainNameConfigurations"][0]["CertificateArn"] == CERT2
    assert updated["DomainNameConfigurations"][0]["SecurityPolicy"] == "TLS_1_0"
    assert rest.get_domain_name(domainName="api.example.com")["securityPolicy"] == "TLS_1_0"
    with pytest.raises(ClientError) as exc:
        v2.create_domain_name(DomainName="api.example.com")
    assert error(exc) == (409, "ConflictException", "The domain name you provided already exists.")
    with pytest.raises(ClientError) as exc:
        rest.create_domain_name(domainName="api.example.com")
    assert error(exc)[:2] == (409, "ConflictException")
    rest.delete_domain_name(domainName="api.example.com")
    with pytest.raises(ClientError) as exc:
        v2.get_domain_name(DomainName="api.example.com")
    assert error(exc) == (404, "NotFoundException", "Invalid domain name identifier specified")


def test_rest_domain_seen_through_v2_with_the_cli(admin: AdminServer, rest: Any) -> None:
    rest.create_domain_name(
        domainName="edge.example.com",
        certificateArn=CERT,
        certificateName="edge-cert",
        certificateBody="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        certificatePrivateKey="-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n",
    )
    out = aws_v2(admin.url, "get-domain-name", "--domain-name", "edge.example.com")
    assert out.returncode == 0, out.stderr
    assert "PRIVATE KEY" not in out.stdout and "secret" not in out.stdout
    domain = json.loads(out.stdout)
    (conf,) = domain["DomainNameConfigurations"]
    assert conf["EndpointType"] == "EDGE"
    assert conf["CertificateArn"] == CERT
    assert conf["CertificateName"] == "edge-cert"
    assert conf["CertificateUploadDate"]
    assert conf["ApiGatewayDomainName"] == admin.settings.data_plane_domain
    stored_before = get_doc(admin, kinds.DOMAIN_NAME, "", "edge.example.com")
    assert stored_before is not None
    sealed = {k: v for k, v in stored_before.items() if "rivateKey" in k}
    assert sealed, stored_before.keys()
    out = aws_v2(
        admin.url,
        "update-domain-name",
        "--domain-name",
        "edge.example.com",
        "--domain-name-configurations",
        f"CertificateArn={CERT2}",
    )
    assert out.returncode == 0, out.stderr
    stored = get_doc(admin, kinds.DOMAIN_NAME, "", "edge.example.com")
    assert stored is not None
    # The key is kept as the REST API sealed it; the v2 update touched the certificate ARN only.
    assert {k: v for k, v in stored.items() if "rivateKey" in k} == sealed
    assert stored["certificateArn"] == CERT2
    assert stored["endpointConfiguration"]["types"] == ["EDGE"]  # the update kept the type
    rest.delete_domain_name(domainName="edge.example.com")
    with pytest.raises(ClientError) as exc:
        rest.get_domain_name(domainName="edge.example.com")
    assert error(exc)[:2] == (404, "NotFoundException")


def test_private_domains_are_rest_only(v2: Any, rest: Any) -> None:
    rest.create_domain_name(
        domainName="private.example.com",
        certificateArn=CERT,
        endpointConfiguration={"types": ["PRIVATE"]},
    )
    assert "private.example.com" not in [d["DomainName"] for d in v2.get_domain_names()["Items"]]
    with pytest.raises(ClientError) as exc:
        v2.get_domain_name(DomainName="private.example.com")
    assert error(exc)[:2] == (404, "NotFoundException")


def test_refusals(v2: Any) -> None:
    with pytest.raises(ClientError) as exc:
        v2.create_domain_name(DomainName="localhost")
    assert error(exc) == (400, "BadRequestException", "Invalid domain name localhost")
    with pytest.raises(ClientError) as exc:
        v2.create_domain_name(
            DomainName="two.example.com",
            DomainNameConfigurations=[{"CertificateArn": CERT}, {"CertificateArn": CERT2}],
        )
    assert error(exc) == (
        400,
        "BadRequestException",
        "DomainNameConfigurations must hold exactly one domain name configuration",
    )
    for call, args in (
        (v2.get_domain_name, {}),
        (v2.delete_domain_name, {}),
        (v2.update_domain_name, {"DomainNameConfigurations": [{"CertificateArn": CERT}]}),
    ):
        with pytest.raises(ClientError) as exc:
            call(DomainName="missing.example.com", **args)
        assert error(exc) == (404, "NotFoundException", "Invalid domain name identifier specified")
