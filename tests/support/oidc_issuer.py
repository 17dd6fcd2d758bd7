"""A local OIDC issuer for tests: keys made here with cryptography, discovery and JWKS served on
a loopback HTTP server, tokens signed by hand (no JWT library between us and the gateway)."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int(n: int) -> str:
    return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class Issuer:
    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kids = ["rsa1", "ec1"]
        self.jwks_hits = 0
        issuer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.endswith("/.well-known/openid-configuration"):
                    body = json.dumps({"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks"})
                elif self.path.endswith("/jwks"):
                    issuer.jwks_hits += 1
                    body = json.dumps(issuer.jwks())
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pool"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def jwks(self) -> dict[str, Any]:
        keys = []
        if "rsa1" in self.kids:
            n = self.rsa.public_key().public_numbers()
            keys.append(
                {
                    "kty": "RSA",
                    "kid": "rsa1",
                    "alg": "RS256",
                    "use": "sig",
                    "n": _int(n.n),
                    "e": _int(n.e),
                }
            )
        if "ec1" in self.kids:
            e = self.ec.public_key().public_numbers()
            keys.append(
                {
                    "kty": "EC",
                    "kid": "ec1",
                    "crv": "P-256",
                    "use": "sig",
                    "x": b64(e.x.to_bytes(32, "big")),
                    "y": b64(e.y.to_bytes(32, "big")),
                }
            )
        if "rsa2" in self.kids:
            n = self.other.public_key().public_numbers()
            keys.append(
                {
                    "kty": "RSA",
                    "kid": "rsa2",
                    "alg": "RS256",
                    "use": "sig",
                    "n": _int(n.n),
                    "e": _int(n.e),
                }
            )
        return {"keys": keys}

    def claims(self, **over: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {
            "iss": self.url,
            "sub": "user-1",
            "aud": "client-1",
            "token_use": "id",
            "iat": now,
            "exp": now + 600,
            "email": "a@example.com",
            "email_verified": True,
        }
        base.update(over)
        return {k: v for k, v in base.items() if v is not None}

    def token(
        self,
        claims: dict[str, Any] | None = None,
        *,
        alg: str = "RS256",
        kid: str = "rsa1",
        key: Any = None,
        secret: bytes | None = None,
    ) -> str:
        header = b64(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}).encode())
        payload = b64(json.dumps(claims if claims is not None else self.claims()).encode())
        signing = f"{header}.{payload}".encode()
        if alg == "none":
            return f"{header}.{payload}."
        if alg.startswith("HS"):
            mac = hmac.HMAC(secret or b"k", hashes.SHA256())
            mac.update(signing)
            return f"{header}.{payload}.{b64(mac.finalize())}"
        if alg == "ES256":
            der = (key or self.ec).sign(signing, ec.ECDSA(hashes.SHA256()))
            r, s = decode_dss_signature(der)
            return f"{header}.{payload}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
        sig = (key or self.rsa).sign(signing, padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{b64(sig)}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
