"""Reading and writing stored documents of the admin server's store from a test (for state no
implemented operation makes yet, such as a route that names an authorizer, and to check what
is stored)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.admin.conftest import AdminServer

from frontgate.state.store import Doc

REGION = "us-east-1"


def put_doc(admin: AdminServer, kind: str, parent: str, id: str, doc: Doc) -> None:
    async def put() -> None:
        async with admin.store.transaction() as tx:
            await tx.put(REGION, kind, parent, id, doc)

    admin.call(put())


def get_doc(admin: AdminServer, kind: str, parent: str, id: str) -> Doc | None:
    found: Doc | None = admin.call(admin.store.get(REGION, kind, parent, id))
    return found


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err: Any = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def quick_api(v2: Any, name: str = "api") -> str:
    """An HTTP API made by quick create (a Lambda target): a route and an auto-deploying
    ``$default`` stage."""
    api = v2.create_api(
        Name=name,
        ProtocolType="HTTP",
        Target="arn:aws:lambda:us-east-1:123456789012:function:fn",
    )
    return str(api["ApiId"])
