"""``AWS::Lambda::Function`` and ``AWS::Lambda::Permission`` through the Lambda API.

``Code`` is ``ZipFile`` (inline source, written as ``index.py`` or ``index.js`` after the
runtime, as CloudFormation does) or, a SAM-like convenience CloudFormation itself lacks, a
local directory (``Code: ./src``, relative to the template) that is zipped. A function without
``FunctionName`` is named ``{stack}-{logicalId}`` (CloudFormation adds a random suffix; a fixed
name keeps the invoke ARNs of a second run the same)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from typing import Any

from frontgate.cli.deploy.base import (
    FAMILIES,
    Context,
    Family,
    Made,
    ResourceType,
    found,
    need,
    register,
)
from frontgate.cli.deploy.template import TemplateError

FUNCTION = "AWS::Lambda::Function"
PERMISSION = "AWS::Lambda::Permission"
_CONFIG = ("Handler", "Runtime", "Timeout", "MemorySize", "Description", "Role")


def _zip(files: dict[str, bytes]) -> bytes:
    """A zip that is the same bytes for the same files, so unchanged code is not re-sent."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    return buf.getvalue()


def _code_zip(ctx: Context, logical: str, props: dict[str, Any]) -> bytes:
    code = props.get("Code")
    if isinstance(code, str):  # a local directory (SAM-like convenience)
        root = (ctx.template_dir / code).resolve()
        if not root.is_dir():
            raise TemplateError(f"resource {logical}: Code directory {root} does not exist")
        files = {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
        return _zip(files)
    if isinstance(code, dict) and isinstance(code.get("ZipFile"), str):
        runtime = str(props.get("Runtime", ""))
        name = "index.js" if runtime.startswith("nodejs") else "index.py"
        return _zip({name: code["ZipFile"].encode()})
    raise TemplateError(
        f"resource {logical}: Code must have ZipFile (inline source) or be a local directory; "
        "S3 locations and images are not supported"
    )


def _check_function(logical: str, props: dict[str, Any]) -> None:
    need(logical, props, "Code")
    code = props["Code"]
    if isinstance(code, dict) and "ZipFile" not in code:
        raise TemplateError(
            f"resource {logical}: Code: only ZipFile or a local directory path is supported "
            f"(not {', '.join(sorted(code))})"
        )
    if not isinstance(code, (dict, str)):
        raise TemplateError(f"resource {logical}: Code must be a mapping or a directory path")


def function_name(ctx: Context, logical: str, props: dict[str, Any]) -> str:
    return str(props.get("FunctionName") or f"{ctx.stack}-{logical}")[:64]


def apply_function(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    lam = ctx.client("lambda")
    name = function_name(ctx, logical, props)
    data = _code_zip(ctx, logical, props)
    config: dict[str, Any] = {k: props[k] for k in _CONFIG if k in props}
    config.setdefault("Role", f"arn:aws:iam::{ctx.account}:role/{ctx.stack}-{logical}")
    config.setdefault("Handler", "index.handler")
    config["Environment"] = {
        "Variables": dict((props.get("Environment") or {}).get("Variables") or {})
    }
    current = found(lam.get_function, "ResourceNotFoundException", FunctionName=name)
    if current is None:
        out = lam.create_function(
            FunctionName=name, Code={"ZipFile": data}, Tags=ctx.tags(logical), **config
        )
        return Made(name, {"Arn": out["FunctionArn"]}, "created")
    if not ctx.is_ours(current.get("Tags")):
        raise TemplateError(
            f"resource {logical}: function {name} already exists and is not part of stack "
            f"{ctx.stack}"
        )
    have = current["Configuration"]
    action = "unchanged"
    sha = base64.b64encode(hashlib.sha256(data).digest()).decode()
    if have.get("CodeSha256") != sha:
        lam.update_function_code(FunctionName=name, ZipFile=data)
        action = "updated"
    have_env = (have.get("Environment") or {}).get("Variables") or {}
    diff = {k: v for k, v in config.items() if k != "Environment" and have.get(k) != v}
    if diff or have_env != config["Environment"]["Variables"]:
        lam.update_function_configuration(
            FunctionName=name, **diff, Environment=config["Environment"]
        )
        action = "updated"
    return Made(name, {"Arn": have["FunctionArn"]}, action)


def _check_permission(logical: str, props: dict[str, Any]) -> None:
    need(logical, props, "Action", "FunctionName", "Principal")


def apply_permission(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    from botocore.exceptions import ClientError

    lam = ctx.client("lambda")
    sid = f"{ctx.stack}-{logical}"
    args: dict[str, Any] = {
        "FunctionName": str(props["FunctionName"]),
        "StatementId": sid,
        "Action": str(props["Action"]),
        "Principal": str(props["Principal"]),
    }
    for key in ("SourceArn", "SourceAccount", "EventSourceToken", "PrincipalOrgID"):
        if props.get(key):
            args[key] = str(props[key])
    action = "created"
    try:
        policy = json.loads(lam.get_policy(FunctionName=args["FunctionName"])["Policy"])
        found = [s for s in policy.get("Statement", []) if s.get("Sid") == sid]
        if found and _same(found[0], args):
            return Made(sid, {})
        if found:
            # No UpdatePermission in Lambda's API: replaced, as CloudFormation does.
            lam.remove_permission(FunctionName=args["FunctionName"], StatementId=sid)
            action = "updated"
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    lam.add_permission(**args)
    return Made(sid, {}, action)


def _same(stmt: dict[str, Any], args: dict[str, Any]) -> bool:
    """Whether a statement already grants what ``args`` asks for."""
    condition = json.dumps(stmt.get("Condition") or {})
    return (
        stmt.get("Action") == args["Action"]
        and args["Principal"] in json.dumps(stmt.get("Principal"))
        and all(str(args[k]) in condition for k in ("SourceArn", "SourceAccount") if k in args)
        and ("SourceArn" in args or "AWS:SourceArn" not in condition)
    )


def _all_functions(ctx: Context) -> list[dict[str, Any]]:
    lam = ctx.client("lambda")
    found: list[dict[str, Any]] = []
    for page in lam.get_paginator("list_functions").paginate():
        found.extend(page.get("Functions", []))
    return found


def discover(ctx: Context) -> None:
    lam = ctx.client("lambda")
    owned = ctx.owned.setdefault(FUNCTION, {})
    for fn in _all_functions(ctx):
        tags = lam.get_function(FunctionName=fn["FunctionName"]).get("Tags") or {}
        if ctx.is_ours(tags):
            owned[tags.get("frontgate:logical-id", "")] = fn["FunctionName"]


def sweep(ctx: Context) -> None:
    from botocore.exceptions import ClientError

    lam = ctx.client("lambda")
    prefix = f"{ctx.stack}-"
    for fn in _all_functions(ctx):
        try:
            policy = json.loads(lam.get_policy(FunctionName=fn["FunctionName"])["Policy"])
        except ClientError:
            continue
        for stmt in policy.get("Statement", []):
            sid = str(stmt.get("Sid", ""))
            rest = sid[len(prefix) :]
            # ``{stack}-{logicalId}``: a logical id has no hyphen, so stack ``a`` never takes
            # stack ``a-b``'s statements.
            if sid.startswith(prefix) and rest.isalnum() and ctx.types.get(rest) != PERMISSION:
                lam.remove_permission(FunctionName=fn["FunctionName"], StatementId=sid)
                ctx.say(f"  deleted {PERMISSION} {rest} ({fn['FunctionName']})")
    for logical, name in ctx.owned.get(FUNCTION, {}).items():
        made = ctx.made.get(logical)
        if ctx.types.get(logical) != FUNCTION or made is None or made.ref != name:
            lam.delete_function(FunctionName=name)
            ctx.say(f"  deleted {FUNCTION} {logical} ({name})")


register(
    ResourceType(FUNCTION, apply_function, frozenset({"Arn"}), _check_function),
    ResourceType(PERMISSION, apply_permission, frozenset(), _check_permission),
)
FAMILIES.append(Family("lambda", frozenset({FUNCTION, PERMISSION}), discover, sweep))
