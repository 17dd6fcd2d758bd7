"""JWT (JWS compact) parsing and signature verification against JWKs, with cryptography.

Only asymmetric algorithms are accepted: ``none`` and every HS* algorithm are refused, and a key is
used only with the algorithm family of its type, so an RSA public key can never act as an HMAC
secret (the classic HS/RS confusion)."""

from __future__ import annotations

import base64
import json
from typing import Any, TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_TOKEN = 16 * 1024  # larger "tokens" are refused before any decoding work

_HASH: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_CURVES = {"P-256": (ec.SECP256R1, 32), "P-384": (ec.SECP384R1, 48), "P-521": (ec.SECP521R1, 66)}
_EC_ALG = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)

# Explicit alias: where cryptography is not installed (pip's isolated build environment, which
# mypyc type-checks in) its classes are Any, and an implicit alias would be a plain variable.
PublicKey: TypeAlias = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


class JwtError(Exception):
    """A token that must not be accepted. ``expired`` selects AWS's expired-token message."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired


def _b64(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (ValueError, TypeError):
        raise JwtError("malformed base64url") from None


def _int(part: str) -> int:
    return int.from_bytes(_b64(part), "big")


def split(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, claims, signing input, signature) — nothing verified yet."""
    if len(token) > MAX_TOKEN:
        raise JwtError("token too large")
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("not a JWS compact token")
    try:
        header = json.loads(_b64(parts[0]))
        claims = json.loads(_b64(parts[1]))
    except ValueError:
        raise JwtError("malformed token JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtError("malformed token JSON")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise JwtError(f"algorithm {alg!r} not allowed")
    return header, claims, (parts[0] + "." + parts[1]).encode(), _b64(parts[2])


def load_jwk(jwk: dict[str, Any]) -> tuple[str, PublicKey]:
    """A JWK's key family ("RSA", "EC:P-256", "OKP") and public key. Raises JwtError."""
    kty = jwk.get("kty")
    try:
        if kty == "RSA":
            return "RSA", rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"])).public_key()
        if kty == "EC":
            crv = str(jwk.get("crv"))
            curve, _size = _CURVES[crv]
            nums = ec.EllipticCurvePublicNumbers(_int(jwk["x"]), _int(jwk["y"]), curve())
            return f"EC:{crv}", nums.public_key()
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            return "OKP", ed25519.Ed25519PublicKey.from_public_bytes(_b64(jwk["x"]))
    except (KeyError, ValueError) as exc:
        raise JwtError(f"unusable JWK: {exc}") from None
    raise JwtError(f"unsupported key type {kty!r}")


def family_of(alg: str) -> str:
    if alg[:2] in ("RS", "PS"):
        return "RSA"
    if alg.startswith("ES"):
        return "EC:" + _EC_ALG[alg]
    return "OKP"


def verify_signature(alg: str, key: PublicKey, signing_input: bytes, signature: bytes) -> None:
    """Raises JwtError unless ``signature`` is ``alg`` over ``signing_input`` by ``key``."""
    try:
        if alg.startswith("RS") and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signing_input, padding.PKCS1v15(), _HASH[alg[2:]]())
            return
        if alg.startswith("PS") and isinstance(key, rsa.RSAPublicKey):
            algo = _HASH[alg[2:]]()
            pss = padding.PSS(padding.MGF1(algo), algo.digest_size)
            key.verify(signature, signing_input, pss, algo)
            return
        if alg.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            size = _CURVES[_EC_ALG[alg]][1]
            if len(signature) != 2 * size:
                raise JwtError("bad ECDSA signature length")
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(_HASH[alg[2:]]()))
            return
        if alg == "EdDSA" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, signing_input)
            return
    except InvalidSignature:
        raise JwtError("signature does not verify") from None
    raise JwtError(f"key does not fit algorithm {alg}")
