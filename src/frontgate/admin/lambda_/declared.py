"""Functions declared by a directory (``--functions-dir``): every sub-directory of it is a function
named after it, its code used in place, re-read at every start.

An optional ``function.json`` in the sub-directory sets ``Handler``, ``Runtime``, ``Role``,
``Description``, ``Timeout``, ``MemorySize``, ``Environment`` (a map of variables) and
``Permissions`` (a list of ``SourceArn`` patterns API Gateway may invoke the function from).
Without ``Handler``: ``app.handler`` when ``app.py`` exists, else
``lambda_function.lambda_handler`` (``lambda_function.py``, AWS's console default).

The rule for the Lambda API: the directory owns what it declares (code, the ``function.json``
settings and the permissions it lists), so calls that would change those (UpdateFunctionCode,
UpdateFunctionConfiguration, DeleteFunction, RemovePermission of a listed permission) are refused
with a ResourceConflictException naming the directory. What the directory does not declare —
permissions added with AddPermission, reserved concurrency — is kept in the store and survives
restarts. A sub-directory that disappears takes its function with it at the next start."""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

from frontgate.admin.lambda_ import code
from frontgate.functions import errors, permissions
from frontgate.functions.arns import function_arn
from frontgate.functions.registry import FUNCTION
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.functions")

SPEC_FILE = "function.json"
# Handler defaults, in order: the first whose module file exists in the directory.
DEFAULT_HANDLERS = (
    ("app.py", "app.handler"),
    ("lambda_function.py", "lambda_function.lambda_handler"),
)
_SPEC_KEYS = frozenset(
    ("Handler", "Runtime", "Role", "Description", "Timeout", "MemorySize", "Environment",
     "Permissions")
)  # fmt: skip
# The marker on a declared function's document: {"path": its directory, "sids": the statement
# ids of the permissions function.json lists}.
DECLARED = "_declared"
# Members that change on every write; a declaration equal to the stored one but for these is not
# written again (so a restart with nothing changed keeps RevisionId and LastModified).
_VOLATILE = frozenset(("LastModified", "RevisionId"))


class DeclarationError(ValueError):
    """A function directory that cannot be declared; the message names the file."""


def declared_path(doc: dict[str, Any]) -> str | None:
    marker = doc.get(DECLARED)
    return str(marker["path"]) if isinstance(marker, dict) else None


def refuse_if_declared(doc: dict[str, Any], change: str, detail: str = "") -> None:
    """Raise Lambda's 409 for a Lambda API change to what the directory owns: ``change`` is
    ``code``, ``configuration``, ``delete`` or ``permission`` (``detail``: the statement id)."""
    path = declared_path(doc)
    if path is None:
        return
    name = doc["FunctionName"]
    spec = Path(path) / SPEC_FILE
    restart = "restart frontgate serve (the directory is read again at every start)"
    reasons = {
        "code": f"its code is the directory {path}. Change the files there and {restart}",
        "configuration": f"its configuration comes from {spec}. Change it there and {restart}",
        "delete": f"to delete it, remove the directory {path} and restart frontgate serve",
        "permission": f"statement {detail} is one of the Permissions in {spec}. Change it "
        f"there and {restart}",
    }
    raise errors.ResourceConflict(
        f"Function {name} is declared by --functions-dir: {reasons[change]}."
    )


def declared_sids(doc: dict[str, Any]) -> frozenset[str]:
    marker = doc.get(DECLARED)
    return frozenset(marker.get("sids") or ()) if isinstance(marker, dict) else frozenset()


def _spec(path: Path) -> dict[str, Any]:
    spec_file = path / SPEC_FILE
    if not spec_file.exists():
        return {}
    try:
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeclarationError(f"{spec_file}: not valid JSON ({exc})") from None
    if not isinstance(spec, dict):
        raise DeclarationError(f"{spec_file}: must be a JSON object")
    unknown = sorted(set(spec) - _SPEC_KEYS)
    if unknown:
        raise DeclarationError(
            f"{spec_file}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_SPEC_KEYS))})"
        )
    for key in ("Handler", "Runtime", "Role", "Description"):
        if key in spec and not isinstance(spec[key], str):
            raise DeclarationError(f"{spec_file}: {key} must be a string")
    if "Handler" in spec and "." not in spec["Handler"]:
        raise DeclarationError(f"{spec_file}: Handler must be module.function, e.g. app.handler")
    if not str(spec.get("Runtime", "python3")).startswith("python3"):
        raise DeclarationError(
            f"{spec_file}: Runtime {spec['Runtime']} is not supported: functions run on this "
            "node's Python interpreter (python3.x runtimes)"
        )
    for key in ("Timeout", "MemorySize"):
        value = spec.get(key)
        if value is not None and (type(value) is not int or value < 1):
            raise DeclarationError(f"{spec_file}: {key} must be a positive integer")
    env = spec.get("Environment")
    if env is not None and not isinstance(env, dict):
        raise DeclarationError(f"{spec_file}: Environment must be an object of variables")
    perms = spec.get("Permissions")
    if perms is not None and (
        not isinstance(perms, list) or not all(isinstance(p, str) for p in perms)
    ):
        raise DeclarationError(f"{spec_file}: Permissions must be a list of SourceArn patterns")
    return spec


def default_handler(path: Path) -> str | None:
    for module_file, handler in DEFAULT_HANDLERS:
        if (path / module_file).is_file():
            return handler
    return None


def _declaration(path: Path, region: str, account: str) -> dict[str, Any]:
    spec = _spec(path)
    handler = spec.get("Handler") or default_handler(path)
    if handler is None:
        handler = DEFAULT_HANDLERS[0][1]
        log.warning(
            "function %s: %s has no %s and sets no Handler in %s; invoking it will fail",
            path.name,
            path,
            " or ".join(f for f, _h in DEFAULT_HANDLERS),
            SPEC_FILE,
        )
    sha, size = code.directory_digest(path)
    arn = function_arn(region, account, path.name)
    statements = [
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
    ]
    doc: dict[str, Any] = {
        "FunctionName": path.name,
        "FunctionArn": arn,
        "Runtime": spec.get("Runtime", "python3.11"),
        "Role": spec.get("Role", f"arn:aws:iam::{account}:role/frontgate"),
        "Handler": handler,
        "CodeSize": size,
        "Description": spec.get("Description", f"declared in {path.parent}"),
        "Timeout": int(spec.get("Timeout", 3)),
        "MemorySize": int(spec.get("MemorySize", 128)),
        "CodeSha256": sha,
        "Version": "$LATEST",
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "_codePath": str(path),
        "_policy": statements,
        DECLARED: {"path": str(path), "sids": [s["Sid"] for s in statements]},
    }
    if spec.get("Environment"):
        doc["Environment"] = {"Variables": {str(k): str(v) for k, v in spec["Environment"].items()}}
    return doc


def _merge(doc: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, Any]:
    """The declaration plus what the Lambda API added to the stored function (AddPermission
    statements, reserved concurrency, the function URL)."""
    if stored is None:
        return doc
    own = declared_sids(stored)
    added = [s for s in stored.get("_policy") or [] if s.get("Sid") not in own]
    taken = {s["Sid"] for s in doc["_policy"]}
    doc["_policy"] = doc["_policy"] + [s for s in added if s.get("Sid") not in taken]
    if stored.get("_reserved") is not None:
        doc["_reserved"] = stored["_reserved"]
    if stored.get("_url") is not None:  # a function URL made with CreateFunctionUrlConfig
        doc["_url"] = stored["_url"]
    return doc


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {k: v for k, v in a.items() if k not in _VOLATILE} == {
        k: v for k, v in b.items() if k not in _VOLATILE
    }


async def declare_functions(store: ConfigStore, directory: str, region: str, account: str) -> int:
    """Create or update one function per sub-directory and delete the functions declared from
    this directory whose sub-directory is gone; returns how many are declared. Raises
    ``DeclarationError`` (naming the file) for a bad ``function.json``; nothing is stored then."""
    root = Path(directory).expanduser().resolve()
    if not root.is_dir():
        raise DeclarationError(f"--functions-dir {directory}: not a directory")
    paths = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    declarations = [_declaration(path, region, account) for path in paths]
    names = {str(d["FunctionName"]) for d in declarations}
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())
    async with store.transaction() as tx:
        for doc in declarations:
            name = str(doc["FunctionName"])
            stored = await tx.get(region, FUNCTION, "", name)
            doc = _merge(doc, stored)
            if stored is not None and _same(doc, stored):
                continue
            doc["LastModified"] = now
            doc["RevisionId"] = str(uuid.uuid4())
            await tx.put(region, FUNCTION, "", name, doc)
        for stored in await tx.list(region, FUNCTION):
            path = declared_path(stored)
            if path is not None and Path(path).parent == root and Path(path).name not in names:
                log.info(
                    "function %s: its directory %s is gone; deleted", stored["FunctionName"], path
                )
                await tx.delete(region, FUNCTION, "", str(stored["FunctionName"]))
    return len(declarations)
