"""Custom domain names and domain-name access associations (private custom domains)."""

from __future__ import annotations

from typing import Any

from frontgate import ids
from frontgate.admin.apigateway.context import Ctx, Doc, now
from frontgate.admin.apigateway.ops.common import arn_tags, need, pick, store_page
from frontgate.admin.apigateway.ops.restapis import validate_endpoint
from frontgate.admin.apigateway.patch import apply_patch, enum_of, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import BadRequest, Conflict, NotFound
from frontgate.definition import kinds
from frontgate.definition.secret_fields import seal_member

NOT_FOUND = "Invalid domain name identifier specified"
_RULES = (
    rule("/certificateName", "replace", "remove"),
    rule("/certificateArn", "replace", "remove"),
    rule("/regionalCertificateName", "replace", "remove"),
    rule("/regionalCertificateArn", "replace", "remove"),
    rule("/securityPolicy", conv=enum_of("TLS_1_0", "TLS_1_2")),
    rule(
        "/endpointConfiguration/types/0", key=("endpointConfiguration", "types", "0"), listed=False
    ),
    rule("/mutualTlsAuthentication/truststoreUri", "replace", "remove"),
    rule("/mutualTlsAuthentication/truststoreVersion", "replace", "remove"),
    rule("/ownershipVerificationCertificateArn", "replace", "remove"),
    rule("/policy", "replace", "remove"),
    rule("/routingMode"),
)


@operation("CreateDomainName")
async def create_domain_name(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    name = inp["domainName"].lower()
    if not name or "." not in name:
        raise BadRequest("No Domain Name specified" if not name else f"Invalid domain name {name}")
    doc: Doc = {
        "domainName": name,
        "domainNameStatus": "AVAILABLE",
        "securityPolicy": inp.get("securityPolicy") or "TLS_1_2",
        "endpointConfiguration": validate_endpoint(inp.get("endpointConfiguration")),
        "certificateUploadDate": now(),
    }
    doc.update(
        pick(
            inp,
            "certificateName",
            "certificateArn",
            "regionalCertificateName",
            "regionalCertificateArn",
            "mutualTlsAuthentication",
            "policy",
            "routingMode",
            "ownershipVerificationCertificateArn",
        )
    )
    # A self-hosted gateway serves custom domains itself: the target is the data plane.
    target = ctx.settings.data_plane_domain
    if "REGIONAL" in doc["endpointConfiguration"]["types"]:
        doc["regionalDomainName"] = target
    else:
        doc["distributionDomainName"] = target
    if "PRIVATE" in doc["endpointConfiguration"]["types"]:
        doc["domainNameId"] = ids.short_id()
        doc["domainNameArn"] = ctx.arn(f"/domainnames/{name}+{doc['domainNameId']}")
    if inp.get("tags"):
        doc["tags"] = arn_tags(inp)
    # Uploaded certificate material stays internal (the data plane's TLS), never echoed.
    for member in ("certificateBody", "certificatePrivateKey", "certificateChain"):
        if inp.get(member):
            doc["_" + member] = inp[member]
    doc = seal_member(ctx.settings.keyring, kinds.DOMAIN_NAME, name, doc, "_certificatePrivateKey")
    async with ctx.tx() as tx:
        if await tx.get(ctx.region, kinds.DOMAIN_NAME, "", name) is not None:
            raise Conflict("The domain name you provided already exists.")
        await tx.put(ctx.region, kinds.DOMAIN_NAME, "", name, doc)
    return doc


@operation("GetDomainName")
async def get_domain_name(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await need(ctx.store, ctx, kinds.DOMAIN_NAME, "", inp["domainName"].lower(), NOT_FOUND)


@operation("GetDomainNames")
async def get_domain_names(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await store_page(ctx, kinds.DOMAIN_NAME, "", inp)


@operation("UpdateDomainName")
async def update_domain_name(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    name = inp["domainName"].lower()
    async with ctx.tx() as tx:
        doc = await need(tx, ctx, kinds.DOMAIN_NAME, "", name, NOT_FOUND)
        doc = apply_patch(doc, inp.get("patchOperations"), _RULES)
        conf = doc.get("endpointConfiguration") or {}
        if isinstance(conf.get("types"), dict):  # the /types/0 patch wrote a map entry
            conf["types"] = [conf["types"]["0"]]
        await tx.put(ctx.region, kinds.DOMAIN_NAME, "", name, doc)
    return doc


@operation("DeleteDomainName")
async def delete_domain_name(ctx: Ctx, inp: dict[str, Any]) -> None:
    name = inp["domainName"].lower()
    async with ctx.tx() as tx:
        await need(tx, ctx, kinds.DOMAIN_NAME, "", name, NOT_FOUND)
        await tx.delete(ctx.region, kinds.DOMAIN_NAME, "", name)
        await tx.delete_children(ctx.region, name)  # its base path mappings


def _association_arn(ctx: Ctx, domain_arn: str, kind: str, source: str) -> str:
    domain = domain_arn.rsplit("/domainnames/", 1)[-1]
    return ctx.arn(f"/domainnameaccessassociations/domainname/{domain}/{kind.lower()}/{source}")


@operation("CreateDomainNameAccessAssociation")
async def create_domain_name_access_association(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    arn = _association_arn(
        ctx,
        inp["domainNameArn"],
        inp["accessAssociationSourceType"],
        inp["accessAssociationSource"],
    )
    doc: Doc = {"domainNameAccessAssociationArn": arn}
    doc.update(
        pick(inp, "domainNameArn", "accessAssociationSourceType", "accessAssociationSource", "tags")
    )
    async with ctx.tx() as tx:
        domains = await tx.list(ctx.region, kinds.DOMAIN_NAME)
        if not any(d.get("domainNameArn") == inp["domainNameArn"] for d in domains):
            raise NotFound(NOT_FOUND)
        if await tx.get(ctx.region, kinds.DOMAIN_ACCESS_ASSOCIATION, "", arn) is not None:
            raise Conflict("The domain name access association already exists.")
        await tx.put(ctx.region, kinds.DOMAIN_ACCESS_ASSOCIATION, "", arn, doc)
    return doc


@operation("GetDomainNameAccessAssociations")
async def get_domain_name_access_associations(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    # Every association here is the caller's own (one account): OTHER_ACCOUNTS lists none.
    if inp.get("resourceOwner") == "OTHER_ACCOUNTS":
        return {"items": []}
    return await store_page(ctx, kinds.DOMAIN_ACCESS_ASSOCIATION, "", inp)


@operation("DeleteDomainNameAccessAssociation")
async def delete_domain_name_access_association(ctx: Ctx, inp: dict[str, Any]) -> None:
    arn = inp["domainNameAccessAssociationArn"]
    async with ctx.tx() as tx:
        if not await tx.delete(ctx.region, kinds.DOMAIN_ACCESS_ASSOCIATION, "", arn):
            raise NotFound("Invalid domain name access association identifier specified")


@operation("RejectDomainNameAccessAssociation")
async def reject_domain_name_access_association(ctx: Ctx, inp: dict[str, Any]) -> None:
    await delete_domain_name_access_association(ctx, inp)
