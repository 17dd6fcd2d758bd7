"""ClientCertificate operations: real self-signed certificates the gateway presents to
backends (the private key stays internal, for the data plane's outgoing mTLS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from frontgate import ids
from frontgate.admin.apigateway.context import Ctx, Doc
from frontgate.admin.apigateway.ops.common import arn_tags, check_description, need, store_page
from frontgate.admin.apigateway.patch import apply_patch, rule
from frontgate.admin.apigateway.registry import operation
from frontgate.admin.errors import NotFound
from frontgate.definition import kinds
from frontgate.definition.secret_fields import seal_member

_NOT_FOUND = "Invalid client certificate identifier specified"
_RULES = (rule("/description", "replace", "remove"),)
VALIDITY_DAYS = 365  # AWS-generated client certificates are valid for one year


def generate(common_name: str) -> tuple[str, str, int, int]:
    """A self-signed RSA-2048 certificate: (certificate PEM, key PEM, notBefore, notAfter)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    end = start + dt.timedelta(days=VALIDITY_DAYS)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return cert_pem, key_pem, int(start.timestamp()), int(end.timestamp())


@operation("GenerateClientCertificate")
async def generate_client_certificate(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    check_description(inp)
    cert_id = ids.short_id()
    cert_pem, key_pem, created, expires = generate(f"ApiGateway client certificate {cert_id}")
    doc: Doc = {
        "clientCertificateId": cert_id,
        "pemEncodedCertificate": cert_pem,
        "createdDate": created,
        "expirationDate": expires,
        "_privateKeyPem": key_pem,
    }
    if inp.get("description"):
        doc["description"] = inp["description"]
    if inp.get("tags"):
        doc["tags"] = arn_tags(inp)
    # The private key is stored encrypted (the response never carries "_" members).
    stored = seal_member(
        ctx.settings.keyring, kinds.CLIENT_CERTIFICATE, cert_id, doc, "_privateKeyPem"
    )
    async with ctx.tx() as tx:
        await tx.put(ctx.region, kinds.CLIENT_CERTIFICATE, "", cert_id, stored)
    return doc


@operation("GetClientCertificate")
async def get_client_certificate(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await need(
        ctx.store, ctx, kinds.CLIENT_CERTIFICATE, "", inp["clientCertificateId"], _NOT_FOUND
    )


@operation("GetClientCertificates")
async def get_client_certificates(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    return await store_page(ctx, kinds.CLIENT_CERTIFICATE, "", inp)


@operation("UpdateClientCertificate")
async def update_client_certificate(ctx: Ctx, inp: dict[str, Any]) -> Doc:
    async with ctx.tx() as tx:
        doc = await need(
            tx, ctx, kinds.CLIENT_CERTIFICATE, "", inp["clientCertificateId"], _NOT_FOUND
        )
        doc = apply_patch(doc, inp.get("patchOperations"), _RULES)
        await tx.put(ctx.region, kinds.CLIENT_CERTIFICATE, "", doc["clientCertificateId"], doc)
    return doc


@operation("DeleteClientCertificate")
async def delete_client_certificate(ctx: Ctx, inp: dict[str, Any]) -> None:
    async with ctx.tx() as tx:
        if not await tx.delete(
            ctx.region, kinds.CLIENT_CERTIFICATE, "", inp["clientCertificateId"]
        ):
            raise NotFound(_NOT_FOUND)
