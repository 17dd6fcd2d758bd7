"""WebSocket APIs behind custom domain names: a handshake whose Host is a custom domain
(``Snapshot.domains``, compiled by ``compile.domains`` from ``CreateApiMapping``) goes to the
API and stage of the mapping whose key is the longest prefix of its path, as HTTP requests do
(``pipeline.custom_domains``): ``ws://chat.example.com/`` under the empty key, or
``ws://chat.example.com/v1`` under ``v1``. Whatever follows the key is ignored, as after the
stage of an ``execute-api`` URL.

The events' ``domainName`` is the Host as sent (the custom domain), as on AWS; the
``@connections`` API is reached at ``{domain}/{key}/@connections/{connectionId}`` through the
same mapping (the HTTP pipeline resolves it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontgate.snapshot.snapshot import Snapshot, Stage


def mapped_stage(snap: Snapshot, name: str, host: str, path: str) -> tuple[Stage, str] | None:
    """(the WebSocket stage, the events' ``domainName``) a handshake to the custom domain
    ``name`` (lower case, no port) at ``path`` names; None when ``name`` is no custom domain,
    no mapping takes the path, or the mapping is not a WebSocket API's."""
    domain = snap.domains.get(name)
    if domain is None:
        return None
    mapping = domain.match(tuple(path[1:].split("/")))
    if mapping is None or not mapping.stage:
        return None
    stage = snap.stages.get((mapping.api_id, mapping.stage))
    if stage is None or stage.websocket is None:
        return None
    return stage, host
