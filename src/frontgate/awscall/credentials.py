"""Whose keys sign a call to an AWS service, from the integration's ``credentials``:

- ``arn:aws:iam::*:user/*``: the caller's own identity. The method uses AWS_IAM, so the
  request was signed with one of the gateway's managed (or config-file) access keys; the call
  is signed with that same key, whose secret the gateway's IAM index holds.
- a role ARN: the keys ``Settings.aws_credentials`` maps it to, else its ``"*"`` entry, else
  the default chain below. (Frontgate cannot assume roles in accounts it does not know; an
  operator maps each role to keys allowed to do what the role may.)
- none: the ``"*"`` entry, else botocore's default chain (environment, shared config and
  credentials files, container or instance role), resolved off the event loop once and kept.

Secrets never appear in a repr or a log line."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

CALLER: Final = "arn:aws:iam::*:user/*"


@dataclass(frozen=True, slots=True)
class Keys:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)


class CredentialsError(Exception):
    """No keys for a call: the message is the execution-log line's reason."""


def parse_configured(doc: Mapping[str, Any]) -> dict[str, Keys]:
    """``Settings.aws_credentials`` ({roleArn or "*": {access_key_id, secret_access_key,
    session_token?}}) as Keys. Raises ValueError naming the entry (never its secret)."""
    out: dict[str, Keys] = {}
    for arn, entry in doc.items():
        if not isinstance(entry, Mapping):
            raise ValueError(f"aws_credentials[{arn!r}]: must be a mapping")
        key_id = entry.get("access_key_id") or entry.get("aws_access_key_id")
        secret = entry.get("secret_access_key") or entry.get("aws_secret_access_key")
        if not key_id or not secret:
            raise ValueError(f"aws_credentials[{arn!r}]: needs access_key_id and secret_access_key")
        token = entry.get("session_token") or entry.get("aws_session_token")
        out[str(arn)] = Keys(str(key_id), str(secret), str(token) if token else None)
    return out


class Credentials:
    """The choice above, per call. ``pick`` answers without I/O, or None when the default
    chain must be consulted: then ``default()`` (a coroutine: off-loop the first time)."""

    def __init__(self, configured: Mapping[str, Keys] | None = None) -> None:
        self._configured = dict(configured or {})
        self._chain: Any = None  # botocore's credentials object, once resolved
        self._resolved = False

    def __repr__(self) -> str:
        return f"Credentials(roles={sorted(self._configured)!r})"

    def pick(self, credentials: str | None, caller: Keys | None) -> Keys | None:
        """Keys for an integration's ``credentials`` value; ``caller`` is the request's own
        SigV4 key (AWS_IAM methods), else None. Raises CredentialsError."""
        if credentials == CALLER:
            if caller is None:
                raise CredentialsError(
                    "Integration credentials arn:aws:iam::*:user/* need the caller's "
                    "credentials, but the method does not use AWS_IAM authorization"
                )
            return caller
        if credentials:
            found = self._configured.get(credentials)
            if found is not None:
                return found
        found = self._configured.get("*")
        if found is not None:
            return found
        frozen = self._frozen_default()
        return frozen

    def _frozen_default(self) -> Keys | None:
        chain = self._chain
        if chain is None:
            if self._resolved:
                raise CredentialsError("Unable to locate credentials")
            return None
        refresh = getattr(chain, "refresh_needed", None)
        if refresh is not None and refresh():
            return None  # refreshing may do I/O: off the loop
        frozen = chain.get_frozen_credentials()
        return Keys(frozen.access_key, frozen.secret_key, frozen.token)

    async def default(self) -> Keys:
        """The default chain's keys, resolving (or refreshing) them in a thread."""
        if not self._resolved:
            self._chain = await asyncio.to_thread(_resolve)
            self._resolved = True
        chain = self._chain
        if chain is None:
            raise CredentialsError("Unable to locate credentials")
        frozen = await asyncio.to_thread(chain.get_frozen_credentials)
        return Keys(frozen.access_key, frozen.secret_key, frozen.token)


def _resolve() -> Any:
    import botocore.session

    return botocore.session.get_session().get_credentials()
