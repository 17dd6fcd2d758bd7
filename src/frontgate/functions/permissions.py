"""A function's resource-based policy: the statements AddPermission writes, GetPolicy returns,
and the check an API (or authorizer) must pass before API Gateway may invoke the function."""

from __future__ import annotations

import json
import re
from typing import Any

from frontgate.functions.arns import arn_like

APIGATEWAY = "apigateway.amazonaws.com"
_ACCOUNT = re.compile(r"\d{12}")


def _principal(principal: str) -> Any:
    if principal == "*":
        return "*"
    if _ACCOUNT.fullmatch(principal):
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if principal.startswith("arn:"):
        return {"AWS": principal}
    return {"Service": principal}


def make_statement(resource: str, inp: dict[str, Any]) -> dict[str, Any]:
    """The policy statement for one AddPermission request, in Lambda's wire shape."""
    action = str(inp["Action"])
    if not action.startswith("lambda:"):
        action = "lambda:" + action
    stmt: dict[str, Any] = {
        "Sid": inp["StatementId"],
        "Effect": "Allow",
        "Principal": _principal(str(inp["Principal"])),
        "Action": action,
        "Resource": resource,
    }
    condition: dict[str, dict[str, str]] = {}
    if inp.get("SourceAccount"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = inp["SourceAccount"]
    if inp.get("PrincipalOrgID"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = inp["PrincipalOrgID"]
    if inp.get("EventSourceToken"):
        condition.setdefault("StringEquals", {})["lambda:EventSourceToken"] = inp[
            "EventSourceToken"
        ]
    if inp.get("SourceArn"):
        condition["ArnLike"] = {"AWS:SourceArn": inp["SourceArn"]}
    if condition:
        stmt["Condition"] = condition
    return stmt


def policy_json(statements: list[dict[str, Any]]) -> str:
    doc = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
    return json.dumps(doc, separators=(",", ":"))


def _principal_matches(principal: Any, service: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        value = principal.get("Service")
        values = value if isinstance(value, list) else [value]
        return service in values
    return False


def _action_matches(action: Any) -> bool:
    actions = action if isinstance(action, list) else [action]
    return any(a in ("lambda:InvokeFunction", "lambda:*", "*") for a in actions)


def allows(
    statements: list[dict[str, Any]], source_arn: str, account: str, service: str = APIGATEWAY
) -> bool:
    """Whether a statement lets ``service`` invoke the function on behalf of ``source_arn``."""
    for stmt in statements:
        if stmt.get("Effect") != "Allow" or not _principal_matches(stmt.get("Principal"), service):
            continue
        if not _action_matches(stmt.get("Action")):
            continue
        cond = stmt.get("Condition") or {}
        pattern = (cond.get("ArnLike") or {}).get("AWS:SourceArn")
        if pattern is None:
            pattern = (cond.get("ArnEquals") or {}).get("AWS:SourceArn")
        if pattern is not None and not arn_like(pattern, source_arn):
            continue
        wanted_account = (cond.get("StringEquals") or {}).get("AWS:SourceAccount")
        if wanted_account is not None and wanted_account != account:
            continue
        return True
    return False
