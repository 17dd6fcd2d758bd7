"""The development CA: real TLS handshakes verify against it; files are reused or reissued."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from frontgate.tls import DevCert, ensure_dev_certificate, server_ssl_context, trust_instructions
from frontgate.tls.devca import CA_COMMON_NAME


async def _handshake(cert: DevCert, server_hostname: str, host: str = "127.0.0.1") -> str | None:
    """Serve one TLS connection on loopback and connect to it verifying against the CA."""
    server_ctx = server_ssl_context(cert.cert_path, cert.key_path)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, host, 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        client_ctx = ssl.create_default_context(cafile=str(cert.ca_path))
        client_ctx.set_alpn_protocols(["h2", "http/1.1"])
        reader, writer = await asyncio.open_connection(
            host, port, ssl=client_ctx, server_hostname=server_hostname
        )
        try:
            assert await reader.read() == b"hello"
            ssl_obj = writer.get_extra_info("ssl_object")
            assert ssl_obj.version() in ("TLSv1.2", "TLSv1.3")
            alpn: str | None = ssl_obj.selected_alpn_protocol()
            return alpn
        finally:
            writer.close()
            # The server may close first; how the close goes is irrelevant here.
            with contextlib.suppress(ssl.SSLError, ConnectionError):
                await writer.wait_closed()
    finally:
        server.close()
        await server.wait_closed()


def test_chain_verifies_over_a_real_handshake(tmp_path: Path) -> None:
    cert = ensure_dev_certificate(tmp_path)
    assert cert.ca_created and cert.issued
    assert asyncio.run(_handshake(cert, "abc123.execute-api.localhost")) == "http/1.1"
    assert asyncio.run(_handshake(cert, "execute-api.localhost")) is not None
    assert asyncio.run(_handshake(cert, "localhost")) is not None
    # IP SANs: clients that connect by address verify too.
    assert asyncio.run(_handshake(cert, "127.0.0.1")) is not None


def test_wrong_name_and_untrusted_ca_fail(tmp_path: Path) -> None:
    cert = ensure_dev_certificate(tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(_handshake(cert, "abc123.execute-api.example.com"))
    # Wildcards cover exactly one label.
    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(_handshake(cert, "a.b.execute-api.localhost"))
    # A different CA (another data dir) does not vouch for this certificate.
    other = ensure_dev_certificate(tmp_path / "other")
    mixed = DevCert(other.ca_path, cert.cert_path, cert.key_path, other.ca_key_path)
    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(_handshake(mixed, "abc123.execute-api.localhost"))


def test_certificate_contents_and_file_modes(tmp_path: Path) -> None:
    cert = ensure_dev_certificate(tmp_path)
    assert cert.ca_path == tmp_path / "tls" / "ca.pem"
    assert cert.cert_path == tmp_path / "tls" / "cert.pem"
    assert cert.key_path == tmp_path / "tls" / "key.pem"
    for key in (cert.key_path, cert.ca_key_path):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600

    ca = x509.load_pem_x509_certificate(cert.ca_path.read_bytes())
    assert ca.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == CA_COMMON_NAME
    bc = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    ca_days = (ca.not_valid_after_utc - ca.not_valid_before_utc).days
    assert 3650 <= ca_days <= 3651

    leaf = x509.load_pem_x509_certificate(cert.cert_path.read_bytes())
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(san.get_values_for_type(x509.DNSName)) == sorted(
        ["*.execute-api.localhost", "execute-api.localhost", "localhost"]
    )
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    leaf_days = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert dt.timedelta(days=825) <= leaf_days <= dt.timedelta(days=825, hours=2)


def test_second_call_reuses_everything(tmp_path: Path) -> None:
    first = ensure_dev_certificate(tmp_path)
    before = {p: p.read_bytes() for p in (first.ca_path, first.cert_path, first.key_path)}
    second = ensure_dev_certificate(tmp_path)
    assert not second.ca_created and not second.issued
    assert {p: p.read_bytes() for p in before} == before


def test_domain_change_reissues_leaf_but_keeps_ca(tmp_path: Path) -> None:
    first = ensure_dev_certificate(tmp_path)
    ca_before = first.ca_path.read_bytes()
    leaf_before = first.cert_path.read_bytes()

    second = ensure_dev_certificate(tmp_path, domain="gw.test")
    assert second.issued and not second.ca_created
    assert second.ca_path.read_bytes() == ca_before  # existing trust keeps working
    assert second.cert_path.read_bytes() != leaf_before
    assert asyncio.run(_handshake(second, "abc123.execute-api.gw.test")) == "http/1.1"
    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(_handshake(second, "abc123.execute-api.localhost"))
    assert not ensure_dev_certificate(tmp_path, domain="gw.test").issued


def test_expiring_leaf_is_reissued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = ensure_dev_certificate(tmp_path)
    leaf_before = first.cert_path.read_bytes()
    # Move the module's clock 800 days ahead: inside the renewal window of the 825-day leaf,
    # still well within the 10-year CA.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=800)
    monkeypatch.setattr("frontgate.tls.devca._now", lambda: later)
    second = ensure_dev_certificate(tmp_path)
    assert second.issued and not second.ca_created
    assert second.cert_path.read_bytes() != leaf_before


def test_missing_or_corrupt_files_are_recreated(tmp_path: Path) -> None:
    first = ensure_dev_certificate(tmp_path)
    first.key_path.write_bytes(b"not a key")
    second = ensure_dev_certificate(tmp_path)
    assert second.issued and not second.ca_created
    assert asyncio.run(_handshake(second, "abc123.execute-api.localhost")) == "http/1.1"

    first.ca_key_path.unlink()
    third = ensure_dev_certificate(tmp_path)
    assert third.ca_created and third.issued  # a new CA means a new leaf signed by it
    assert asyncio.run(_handshake(third, "abc123.execute-api.localhost")) == "http/1.1"


def test_trust_instructions_mention_each_way(tmp_path: Path) -> None:
    ca = ensure_dev_certificate(tmp_path).ca_path
    text = trust_instructions(ca)
    for needle in (
        f"--cacert {ca}",
        "SSL_CERT_FILE",
        "/usr/local/share/ca-certificates",
        "update-ca-certificates",
        "security add-trusted-cert",
    ):
        assert needle in text


def test_server_context_refuses_old_tls(tmp_path: Path) -> None:
    cert = ensure_dev_certificate(tmp_path)
    ctx = server_ssl_context(cert.cert_path, cert.key_path)
    assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2
