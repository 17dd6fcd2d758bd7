"""A local development CA and the gateway's server certificate, created on first start.

Amazon API Gateway serves ``https://{api-id}.execute-api.{region}.amazonaws.com``; Frontgate's
equivalent is ``https://{api-id}.execute-api.{domain}``. One wildcard certificate signed by a
private CA covers every API id, so developers trust the CA once and every API (present or
future) verifies, with no per-API certificates and no ``--insecure``.

Everything lives in ``{data_dir}/tls/``: ``ca.pem``/``ca-key.pem`` (the CA) and
``cert.pem``/``key.pem`` (the server). Private keys are written 0600 in a 0700 directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import ipaddress
import os
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_COMMON_NAME = "Frontgate Development CA"
CA_VALIDITY = dt.timedelta(days=3650)
# 825 days is the longest leaf lifetime Apple platforms accept for a TLS server certificate.
LEAF_VALIDITY = dt.timedelta(days=825)
# Renew a little before expiry so a long-running gateway never serves an expired certificate.
RENEW_BEFORE = dt.timedelta(days=30)
# Tolerate a client clock slightly behind ours right after issuance.
BACKDATE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class DevCert:
    """Where the development CA and server certificate live, and what this call changed."""

    ca_path: Path
    cert_path: Path
    key_path: Path
    ca_key_path: Path
    ca_created: bool = False  # a new CA: anything trusting the old one must trust this one
    issued: bool = False  # the server certificate was (re)issued by this call


def ensure_dev_certificate(data_dir: Path, domain: str = "localhost") -> DevCert:
    """Create (first call) or reuse the development CA and server certificate for ``domain``.

    The CA is kept as long as it is valid, so trust set up once keeps working. The server
    certificate is reissued when missing, expiring, not issued by the current CA, not matching
    its key, or issued for a different domain.
    """
    domain = domain.strip().rstrip(".").lower()
    if not domain:
        raise ValueError("domain must not be empty")
    tls_dir = Path(data_dir) / "tls"
    tls_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths = DevCert(
        ca_path=tls_dir / "ca.pem",
        cert_path=tls_dir / "cert.pem",
        key_path=tls_dir / "key.pem",
        ca_key_path=tls_dir / "ca-key.pem",
    )
    # Several workers or a CLI and a server may start together: without the lock each could
    # mint its own CA and they would overwrite each other's files.
    with _locked(tls_dir / ".lock"):
        now = _now()
        ca = _load_ca(paths, now)
        ca_created = ca is None
        if ca is None:
            ca = _create_ca(paths, now)
        ca_cert, ca_key = ca
        issued = False
        if ca_created or not _leaf_ok(paths, ca_cert, domain, now):
            _issue_leaf(paths, ca_cert, ca_key, domain, now)
            issued = True
    return DevCert(
        ca_path=paths.ca_path,
        cert_path=paths.cert_path,
        key_path=paths.key_path,
        ca_key_path=paths.ca_key_path,
        ca_created=ca_created,
        issued=issued,
    )


def server_names(
    domain: str,
) -> tuple[list[str], list[ipaddress.IPv4Address | ipaddress.IPv6Address]]:
    """The DNS and IP subject alternative names the server certificate carries."""
    dns = [f"*.execute-api.{domain}", f"execute-api.{domain}", domain]
    ips: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [
        ipaddress.IPv4Address("127.0.0.1"),
        ipaddress.IPv6Address("::1"),
    ]
    return dns, ips


def trust_instructions(ca_path: Path | str) -> str:
    """Short text telling a developer how to make clients trust the development CA."""
    ca = str(ca_path)
    return f"""\
Frontgate serves HTTPS with a certificate from its local development CA:
  {ca}
Trust it in one of these ways:
  curl:            curl --cacert {ca} https://API_ID.execute-api.localhost:PORT/...
  Python/AWS CLI:  export SSL_CERT_FILE={ca}   (AWS CLI also: export AWS_CA_BUNDLE={ca})
  Debian/Ubuntu:   sudo cp {ca} /usr/local/share/ca-certificates/frontgate-dev-ca.crt \\
                     && sudo update-ca-certificates
  macOS:           sudo security add-trusted-cert -d -r trustRoot \\
                     -k /Library/Keychains/System.keychain {ca}
The CA key never leaves this machine; do not trust a CA file you did not create yourself.
"""


def server_ssl_context(cert: Path | str, key: Path | str) -> ssl.SSLContext:
    """Server-side context: TLS 1.2 or newer, HTTP/1.1 offered via ALPN."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(certfile=str(cert), keyfile=str(key))
    # Only HTTP/1.1 is implemented; advertising it lets ALPN-speaking clients skip h2 attempts.
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


# --- internals ------------------------------------------------------------------------------


def _now() -> dt.datetime:
    # One seam for the clock, so tests can step into the renewal window.
    return dt.datetime.now(dt.UTC)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _write(path: Path, data: bytes, mode: int) -> None:
    # Write-then-rename: a crash mid-write leaves the previous file (or none), never half a PEM.
    # The temp file is created with the final mode so a key is never briefly world-readable.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)  # O_CREAT's mode is filtered by the umask; be exact
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _same_public_key(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return cert.public_key().public_bytes(*fmt) == key.public_key().public_bytes(*fmt)


def _load(
    cert_path: Path, key_path: Path
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError):
        return None  # missing or unreadable: recreate rather than fail the start
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not _same_public_key(cert, key):
        return None
    return cert, key


def _fresh(cert: x509.Certificate, now: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= now and now + RENEW_BEFORE < cert.not_valid_after_utc


def _load_ca(
    paths: DevCert, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    loaded = _load(paths.ca_path, paths.ca_key_path)
    if loaded is None or not _fresh(loaded[0], now):
        return None
    return loaded


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    """Digital signatures, plus certificate and CRL signing for the CA."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def _create_ca(
    paths: DevCert, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Frontgate"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        # path_length=0: this CA may sign server certificates but no intermediate CAs.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs_certificates=True), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    # Key first: a crash between the two writes then leaves a CA cert without its key
    # (detected and recreated), never a cert paired with a stale key.
    _write(paths.ca_key_path, _key_pem(key), 0o600)
    _write(paths.ca_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert, key


def _leaf_ok(paths: DevCert, ca_cert: x509.Certificate, domain: str, now: dt.datetime) -> bool:
    loaded = _load(paths.cert_path, paths.key_path)
    if loaded is None:
        return False
    cert = loaded[0]
    if not _fresh(cert, now) or cert.issuer != ca_cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False  # signed by an earlier CA that has since been replaced
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    dns, ips = server_names(domain)
    return set(san.get_values_for_type(x509.DNSName)) == set(dns) and set(
        san.get_values_for_type(x509.IPAddress)
    ) == set(ips)


def _issue_leaf(
    paths: DevCert,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    domain: str,
    now: dt.datetime,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    dns, ips = server_names(domain)
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    sans += [x509.IPAddress(ip) for ip in ips]
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + LEAF_VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        # OpenSSL's strict verification (Python 3.13+ default) requires the AKI extension.
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(paths.key_path, _key_pem(key), 0o600)
    _write(paths.cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
