"""A function's resource-based policy: the statements AddPermission writes and GetPolicy returns.
The check an API (or authorizer) must pass before API Gateway may invoke the function runs on
their reduced form in the function table (``functions.table.Grant``)."""

from __future__ import annotations

import json
import re
from typing import Any

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
    # Function URLs: public access is a statement with this condition (AuthType NONE), and
    # Lambda's newer two-statement form adds InvokeFunction only when invoked via the URL.
    if inp.get("FunctionUrlAuthType"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = inp[
            "FunctionUrlAuthType"
        ]
    if inp.get("InvokedViaFunctionUrl") is not None:
        flag = "true" if inp["InvokedViaFunctionUrl"] else "false"
        condition["Bool"] = {"lambda:InvokedViaFunctionUrl": flag}
    if condition:
        stmt["Condition"] = condition
    return stmt


def policy_json(statements: list[dict[str, Any]]) -> str:
    doc = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
    return json.dumps(doc, separators=(",", ":"))
