"""Functions declared in the config file (``functions_dir``): every sub-directory of it is a
function named after it, its code used in place. An optional ``function.json`` in the directory
gives ``Handler`` (default ``app.handler``), ``Timeout``, ``MemorySize``, ``Environment`` and
``Permissions`` (a list of ``SourceArn`` patterns API Gateway may invoke it from)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from frontgate.functions import code, permissions
from frontgate.functions.arns import function_arn
from frontgate.functions.registry import FUNCTION
from frontgate.state.store import ConfigStore


async def declare_functions(store: ConfigStore, directory: str, region: str, account: str) -> int:
    """Create or update one function per handler directory; returns how many."""
    root = Path(directory).expanduser().resolve()
    count = 0
    for path in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        spec_file = path / "function.json"
        spec: dict[str, Any] = json.loads(spec_file.read_text()) if spec_file.exists() else {}
        sha, size = code.directory_digest(path)
        arn = function_arn(region, account, path.name)
        doc: dict[str, Any] = {
            "FunctionName": path.name,
            "FunctionArn": arn,
            "Runtime": spec.get("Runtime", "python3.11"),
            "Role": spec.get("Role", f"arn:aws:iam::{account}:role/frontgate"),
            "Handler": spec.get("Handler", "app.handler"),
            "CodeSize": size,
            "Description": spec.get("Description", f"declared in {root}"),
            "Timeout": int(spec.get("Timeout", 3)),
            "MemorySize": int(spec.get("MemorySize", 128)),
            "LastModified": time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime()),
            "CodeSha256": sha,
            "Version": "$LATEST",
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "RevisionId": str(uuid.uuid4()),
            "_codePath": str(path),
            "_policy": [
                permissions.make_statement(
                    arn,
                    {
                        "StatementId": f"declared-{i}",
                        "Action": "lambda:InvokeFunction",
                        "Principal": permissions.APIGATEWAY,
                        "SourceArn": pattern,
                    },
                )
                for i, pattern in enumerate(spec.get("Permissions") or [])
            ],
        }
        if spec.get("Environment"):
            doc["Environment"] = {"Variables": dict(spec["Environment"])}
        async with store.transaction() as tx:
            await tx.put(region, FUNCTION, "", path.name, doc)
        count += 1
    return count
