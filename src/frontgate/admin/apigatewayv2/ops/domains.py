"""DomainName operations of apigatewayv2. A custom domain name is one stored document for both
API Gateway services, in the REST API's wire shape (``kinds.DOMAIN_NAME``, written by
``admin/apigateway/ops/domains.py``): a domain created through either API is seen, updated,
tagged and deleted through the other, as on AWS. This module converts between that document and
apigatewayv2's view of it (``domainNameConfigurations``); members it does not know (uploaded
certificate material, sealed by the REST operations) are kept as they are.

Private custom domains (a REST API feature, addressed by name and id) are not visible here."""

from __future__ import annotations

import datetime

from frontgate.admin.apigateway.context import now
from frontgate.admin.apigateway.ops.domains import NOT_FOUND
from frontgate.admin.apigatewayv2.context import Ctx
from frontgate.admin.apigatewayv2.ops.common import Reader, check_tags, page
from frontgate.admin.apigatewayv2.ops.tags import check_count
from frontgate.admin.apigatewayv2.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, NotFound
from frontgate.definition import kinds
from frontgate.state.store import Doc

SELECTION_EXPRESSION = "$request.basepath"  # AWS's only API mapping selection expression
_PASSED = ("mutualTlsAuthentication", "routingMode")


def is_private(doc: Doc) -> bool:
    return "PRIVATE" in ((doc.get("endpointConfiguration") or {}).get("types") or [])


async def need_domain(r: Reader, ctx: Ctx, name: str) -> Doc:
    """The stored domain (REST shape), or AWS's 404 (also for a private domain)."""
    doc = await r.get(ctx.region, kinds.DOMAIN_NAME, "", name.lower())
    if doc is None or is_private(doc):
        raise NotFound(NOT_FOUND)
    return doc


def _iso(epoch: object) -> str | None:
    if not isinstance(epoch, int | float):
        return None
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def v2_view(ctx: Ctx, doc: Doc) -> Doc:
    """apigatewayv2's DomainName for a stored (REST-shaped) domain."""
    endpoint = ((doc.get("endpointConfiguration") or {}).get("types") or ["EDGE"])[0]
    regional = endpoint == "REGIONAL"
    prefix = "regional" if regional else ""
    conf: Doc = {
        "apiGatewayDomainName": doc.get(
            "regionalDomainName" if regional else "distributionDomainName"
        ),
        "certificateArn": doc.get(f"{prefix}CertificateArn" if regional else "certificateArn"),
        "certificateName": doc.get(f"{prefix}CertificateName" if regional else "certificateName"),
        "certificateUploadDate": _iso(doc.get("certificateUploadDate")),
        "domainNameStatus": doc.get("domainNameStatus", "AVAILABLE"),
        "domainNameStatusMessage": doc.get("domainNameStatusMessage"),
        "endpointType": endpoint,
        "hostedZoneId": doc.get("regionalHostedZoneId" if regional else "distributionHostedZoneId"),
        "ipAddressType": (doc.get("endpointConfiguration") or {}).get("ipAddressType"),
        "securityPolicy": doc.get("securityPolicy"),
        "ownershipVerificationCertificateArn": doc.get("ownershipVerificationCertificateArn"),
    }
    out: Doc = {
        "domainName": doc["domainName"],
        "domainNameArn": ctx.arn(f"/domainnames/{doc['domainName']}"),
        "apiMappingSelectionExpression": SELECTION_EXPRESSION,
        "domainNameConfigurations": [{k: v for k, v in conf.items() if v is not None}],
        "tags": doc.get("tags") or {},
    }
    out.update({m: doc[m] for m in _PASSED if doc.get(m) is not None})
    return out


def _configuration(inp: Doc) -> Doc | None:
    confs = inp.get("domainNameConfigurations")
    if confs is None:
        return None
    if len(confs) != 1:
        raise BadRequest("DomainNameConfigurations must hold exactly one domain name configuration")
    return dict(confs[0])


def _apply(ctx: Ctx, doc: Doc, conf: Doc) -> None:
    """Write a v2 domain name configuration into the stored (REST-shaped) domain ``doc``."""
    old = ((doc.get("endpointConfiguration") or {}).get("types") or [None])[0]
    endpoint = conf.get("endpointType") or old or "REGIONAL"  # an update keeps the type
    if endpoint != old:  # the other endpoint type's members go with it
        for member in (
            "certificateArn",
            "certificateName",
            "regionalCertificateArn",
            "regionalCertificateName",
            "regionalDomainName",
            "distributionDomainName",
        ):
            doc.pop(member, None)
    regional = endpoint == "REGIONAL"
    old_ip = (doc.get("endpointConfiguration") or {}).get("ipAddressType")
    ip = conf.get("ipAddressType") or old_ip or "ipv4"
    endpoint_conf: Doc = {"types": [endpoint], "ipAddressType": ip}
    doc["endpointConfiguration"] = endpoint_conf
    target = ctx.settings.data_plane_domain  # a self-hosted gateway serves its domains itself
    doc["regionalDomainName" if regional else "distributionDomainName"] = target
    for v2_member, rest_member in (
        ("certificateArn", "CertificateArn"),
        ("certificateName", "CertificateName"),
    ):
        value = conf.get(v2_member)
        key = f"regional{rest_member}" if regional else v2_member
        if value is not None:
            doc[key] = value
            doc["certificateUploadDate"] = now()
    if conf.get("securityPolicy") is not None:
        doc["securityPolicy"] = conf["securityPolicy"]
    doc.setdefault("securityPolicy", "TLS_1_2")
    if conf.get("ownershipVerificationCertificateArn") is not None:
        doc["ownershipVerificationCertificateArn"] = conf["ownershipVerificationCertificateArn"]


@operation("CreateDomainName")
async def create_domain_name(ctx: Ctx, inp: Doc) -> Doc:
    name = inp["domainName"].lower()
    if "." not in name:
        raise BadRequest(f"Invalid domain name {name}")
    doc: Doc = {
        "domainName": name,
        "domainNameStatus": "AVAILABLE",
        "certificateUploadDate": now(),
    }
    _apply(ctx, doc, _configuration(inp) or {})
    doc.update({m: inp[m] for m in _PASSED if inp.get(m) is not None})
    tags = check_count(check_tags(inp.get("tags")))
    if tags:
        doc["tags"] = tags
    async with ctx.tx() as tx:
        if await tx.get(ctx.region, kinds.DOMAIN_NAME, "", name) is not None:
            raise Conflict("The domain name you provided already exists.")
        await tx.put(ctx.region, kinds.DOMAIN_NAME, "", name, doc)
    return v2_view(ctx, doc)


@operation("GetDomainName")
async def get_domain_name(ctx: Ctx, inp: Doc) -> Doc:
    return v2_view(ctx, await need_domain(ctx.store, ctx, inp["domainName"]))


@operation("GetDomainNames")
async def get_domain_names(ctx: Ctx, inp: Doc) -> Doc:
    out = await page(ctx, kinds.DOMAIN_NAME, "", inp)
    # Private domains (REST only) are left out of the page, which may then come out short.
    out["items"] = [v2_view(ctx, d) for d in out["items"] if not is_private(d)]
    return out


@operation("UpdateDomainName")
async def update_domain_name(ctx: Ctx, inp: Doc) -> Doc:
    async with ctx.tx() as tx:
        doc = await need_domain(tx, ctx, inp["domainName"])
        conf = _configuration(inp)
        if conf is not None:
            _apply(ctx, doc, conf)
        doc.update({m: inp[m] for m in _PASSED if inp.get(m) is not None})
        await tx.put(ctx.region, kinds.DOMAIN_NAME, "", doc["domainName"], doc)
    return v2_view(ctx, doc)


@operation("DeleteDomainName")
async def delete_domain_name(ctx: Ctx, inp: Doc) -> None:
    async with ctx.tx() as tx:
        doc = await need_domain(tx, ctx, inp["domainName"])
        await tx.delete(ctx.region, kinds.DOMAIN_NAME, "", doc["domainName"])
        await tx.delete_children(ctx.region, doc["domainName"])  # its API mappings
