"""Custom domain certificates on the TLS listener: an SNI callback that answers a handshake for
a custom domain name with the certificate uploaded for it (REST ``CreateDomainName`` with
``certificateBody``/``certificatePrivateKey``/``certificateChain``), and the listener's own
certificate for every other name (or none).

The certificates come from the current snapshot (``Snapshot.domains``, through ``lookup``), so
a domain created, changed or deleted is served at the next handshake. Each (name, material)
becomes one ``ssl.SSLContext`` (built once, kept while its material is current)."""

from __future__ import annotations

import hashlib
import logging
import os
import ssl
import tempfile
from collections.abc import Callable
from typing import Final

from frontgate.tls.devca import server_ssl_context

log = logging.getLogger("frontgate.tls")

# (certificate chain PEM, private key PEM) for a server name, or None
Lookup = Callable[[str], "tuple[str, str] | None"]
_MAX: Final = 1024  # contexts kept; past this the cache starts over


class SniContexts:
    """``ctx.sni_callback = SniContexts(lookup).callback``."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self._contexts: dict[str, ssl.SSLContext | None] = {}

    def callback(self, sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        if not name:
            return
        try:
            found = self.lookup(name.lower())
            if found is None:
                return
            context = self.context(name.lower(), found)
        except Exception:  # a handshake must never fail for a lookup: the default certificate
            log.exception("SNI lookup for %s failed", name)
            return
        if context is not None:
            sock.context = context

    def context(self, name: str, material: tuple[str, str]) -> ssl.SSLContext | None:
        """The context serving ``material`` (None: it does not load; logged once)."""
        digest = hashlib.sha256("\0".join((name, *material)).encode()).hexdigest()
        if digest in self._contexts:
            return self._contexts[digest]
        if len(self._contexts) >= _MAX:
            self._contexts.clear()
        try:
            built: ssl.SSLContext | None = load_pem_context(*material)
        except (ssl.SSLError, OSError, ValueError) as exc:
            log.error("certificate of custom domain %s does not load: %s", name, exc)
            built = None
        self._contexts[digest] = built
        return built


def load_pem_context(chain: str, key: str) -> ssl.SSLContext:
    """A server context from PEM text (``load_cert_chain`` reads files only: a private
    temporary directory holds them for the call)."""
    with tempfile.TemporaryDirectory(prefix="frontgate-sni-") as tmp:
        cert_path, key_path = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        for path, text in ((cert_path, chain), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(text)
        return server_ssl_context(cert_path, key_path)
