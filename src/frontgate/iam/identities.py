"""The IAM users, access keys and policies Frontgate manages, indexed for the data plane: one dict
lookup per signed request. Built from the store with each snapshot, or from the config file."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from frontgate.definition import kinds
from frontgate.iam.policy import Policy, PolicyError, compile_policy
from frontgate.state.store import ConfigStore

if TYPE_CHECKING:
    from frontgate.state.keyring import Keyring, SecretCache

log = logging.getLogger("frontgate.iam")


@dataclass(frozen=True, slots=True)
class Identity:
    user_name: str
    user_id: str
    arn: str
    account: str
    policies: tuple[Policy, ...]


@dataclass(frozen=True, slots=True)
class KeyEntry:
    key_id: str
    secret: str
    identity: Identity
    active: bool = True
    token: str | None = None  # set for temporary (session) credentials
    expires: float | None = None


@dataclass(slots=True)
class IamIndex:
    keys: dict[str, KeyEntry] = field(default_factory=dict)
    # Derived SigV4 signing keys, reused across requests signed on the same day.
    signing_keys: dict[tuple[str, str, str, str], bytes] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        # The derived signing keys are a per-process cache: not shipped.
        return (IamIndex, (self.keys,))

    def key(self, key_id: str) -> KeyEntry | None:
        return self.keys.get(key_id)


def _policy(text: Any, where: str) -> Policy | None:
    try:
        return compile_policy(text)
    except PolicyError as exc:
        log.warning("ignoring invalid IAM policy %s: %s", where, exc)
        return None


def _identity(user: dict[str, Any], managed: dict[str, str], account: str) -> Identity:
    docs: list[tuple[Any, str]] = [
        (text, f"{user['UserName']}/{name}") for name, text in (user.get("_inline") or {}).items()
    ]
    docs += [(managed[arn], arn) for arn in user.get("_attached") or () if arn in managed]
    policies = tuple(p for text, where in docs if (p := _policy(text, where)) is not None)
    return Identity(
        user_name=str(user["UserName"]),
        user_id=str(user.get("UserId", user["UserName"])),
        arn=str(user.get("Arn") or f"arn:aws:iam::{account}:user/{user['UserName']}"),
        account=account,
        policies=policies,
    )


def build_index(
    users: list[dict[str, Any]],
    keys: list[dict[str, Any]],
    policies: list[dict[str, Any]],
    account: str,
) -> IamIndex:
    managed = {str(p["Arn"]): str(p.get("_document") or "{}") for p in policies}
    identities = {str(u["UserName"]): _identity(u, managed, account) for u in users}
    index = IamIndex()
    now = time.time()
    for key in keys:
        ident = identities.get(str(key.get("UserName")))
        expires = key.get("_expires")
        if ident is None or (expires is not None and expires < now - 86400):
            continue
        if "_secret" not in key:
            continue  # encrypted and not opened (see load_index)
        index.keys[str(key["AccessKeyId"])] = KeyEntry(
            key_id=str(key["AccessKeyId"]),
            secret=str(key["_secret"]),
            identity=ident,
            active=key.get("Status", "Active") == "Active",
            token=key.get("_token"),
            expires=expires,
        )
    return index


async def load_index(
    store: ConfigStore,
    account: str,
    keyring: Keyring | None = None,
    opened: SecretCache | None = None,
) -> IamIndex:
    """The managed identities as stored now (called by the compiler for each snapshot). Secret
    keys are decrypted here, into memory only; ``opened`` keeps them across calls (the caller
    keeps it)."""
    docs = await store.list(kinds.IAM_REGION, kinds.IAM_ACCESS_KEY)
    keys = [k for doc in docs if (k := open_secret(doc, keyring, opened)) is not None]
    if opened is not None:
        opened.sweep()  # forget deleted keys (and expired session keys)
    return build_index(
        await store.list(kinds.IAM_REGION, kinds.IAM_USER),
        keys,
        await store.list(kinds.IAM_REGION, kinds.IAM_MANAGED_POLICY),
        account,
    )


def open_secret(
    doc: dict[str, Any],
    keyring: Keyring | None,
    opened: SecretCache | None = None,
) -> dict[str, Any] | None:
    """An access key document with its plain ``_secret`` (None: it cannot be decrypted here)."""
    from frontgate.state.keyring import SecretCache, context

    enc = doc.get("_secretEnc")
    if "_secret" in doc or not isinstance(enc, str):
        return doc
    key_id = str(doc.get("AccessKeyId"))
    cache = opened if opened is not None else SecretCache()
    try:
        secret = cache.open(keyring, context(kinds.IAM_ACCESS_KEY, key_id), key_id, enc)
    except Exception:
        # Start-up checked the data key, so this is a damaged document: it never matches, and
        # is logged once (the cache keeps it as ""), not at every rebuild.
        log.error("IAM access key %s cannot be decrypted", key_id)
        secret = ""
    return {**doc, "_secret": secret} if secret else None


def config_index(users: dict[str, Any], account: str) -> IamIndex:
    """Users declared in the config file::

    iam_users:
      alice:
        access_keys: [{id: AKIA..., secret: ..., session_token: optional}]
        policies: [{Version: "2012-10-17", Statement: [...]}]
    """
    user_docs, key_docs = [], []
    for name, spec in (users or {}).items():
        spec = spec or {}
        inline = {
            f"config-{i}": json.dumps(p) if not isinstance(p, str) else p
            for i, p in enumerate(spec.get("policies") or ())
        }
        user_docs.append({"UserName": str(name), "_inline": inline})
        for key in spec.get("access_keys") or ():
            key_docs.append(
                {
                    "UserName": str(name),
                    "AccessKeyId": str(key["id"]),
                    "_secret": str(key["secret"]),
                    "_token": key.get("session_token"),
                }
            )
    return build_index(user_docs, key_docs, [], account)
