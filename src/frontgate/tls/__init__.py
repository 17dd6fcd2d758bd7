"""TLS for the gateway listener: a local development CA and server certificate, SSL contexts."""

from frontgate.tls.devca import (
    DevCert,
    ensure_dev_certificate,
    server_ssl_context,
    trust_instructions,
)

__all__ = ["DevCert", "ensure_dev_certificate", "server_ssl_context", "trust_instructions"]
