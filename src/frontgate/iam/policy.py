"""The IAM policy language subset API Gateway uses, compiled once and evaluated per request:
Effect, Principal/NotPrincipal, Action/NotAction, Resource/NotResource (wildcards), Condition.

Used for resource policies, IAM identity policies and Lambda authorizer policies alike."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from frontgate import safejson
from frontgate.iam.conditions import Lookup, PolicyError, Predicate, compile_conditions, glob

__all__ = ["ALLOW", "DENY", "NONE", "Caller", "Policy", "PolicyError", "compile_policy"]

ALLOW, NONE, DENY = 1, 0, -1
_ANY = "*"
_ELEMENTS = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}
_ACCOUNT = re.compile(r"\d{12}")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: ``arn`` None means anonymous (no AWS_IAM signature)."""

    account: str | None = None
    arn: str | None = None


ANONYMOUS = Caller()


def _list(raw: Any, what: str) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(i, str) and i for i in items):
        raise PolicyError(f"{what} must be a string or a list of strings")
    return items


def _patterns(items: list[str], flags: int = 0) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{glob(i).pattern})" for i in items), flags | re.DOTALL)


def _principals(raw: Any) -> frozenset[str]:
    if raw == _ANY:
        return frozenset({_ANY})
    if not isinstance(raw, dict) or not raw:
        raise PolicyError('Principal must be "*" or a map such as {"AWS": [...]}')
    out: set[str] = set()
    for kind, value in raw.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise PolicyError(f"Unknown principal type: {kind}")
        for item in _list(value, "Principal"):
            if kind != "AWS":
                out.add(f"{kind}:{item}")  # such callers never reach the data plane
            elif item == _ANY or _ACCOUNT.fullmatch(item):
                out.add(item)
            elif item.startswith("arn:aws:iam::") and item.endswith(":root"):
                out.add(item.split(":")[4])
            elif item.startswith("arn:"):
                out.add(item)
            else:
                raise PolicyError(f"Invalid principal in policy: {item}")
    return frozenset(out)


def _principal_matches(allowed: frozenset[str], caller: Caller) -> bool:
    if _ANY in allowed:
        return True
    if caller.arn is None:
        return False
    return caller.arn in allowed or (caller.account is not None and caller.account in allowed)


@dataclass(frozen=True, slots=True)
class Statement:
    allow: bool
    principals: frozenset[str] | None
    not_principals: frozenset[str] | None
    actions: re.Pattern[str] | None
    not_actions: re.Pattern[str] | None
    resources: re.Pattern[str] | None
    not_resources: re.Pattern[str] | None
    conditions: tuple[Predicate, ...]

    def applies(self, caller: Caller, action: str, resource: str, get: Lookup) -> bool:
        if self.principals is not None and not _principal_matches(self.principals, caller):
            return False
        if self.not_principals is not None and _principal_matches(self.not_principals, caller):
            return False
        if self.actions is not None and not self.actions.fullmatch(action):
            return False
        if self.not_actions is not None and self.not_actions.fullmatch(action):
            return False
        if self.resources is not None and not self.resources.fullmatch(resource):
            return False
        if self.not_resources is not None and self.not_resources.fullmatch(resource):
            return False
        return all(pred(get) for pred in self.conditions)


@dataclass(frozen=True, slots=True)
class Policy:
    statements: tuple[Statement, ...]
    # What compile_policy built it from (document, resource prefix, need_principal): a policy
    # pickles as that recipe, since its conditions are closures (snapshot.image).
    source: tuple[Any, str | None, bool] | None = field(default=None, compare=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        if self.source is None:
            return (Policy, (self.statements,))
        doc, prefix, need_principal = self.source
        text = doc if isinstance(doc, str) else json.dumps(doc)  # at dump time, not per request
        return (policy_from_source, (text, prefix, need_principal))

    def evaluate(self, caller: Caller, action: str, resource: str, get: Lookup) -> int:
        """DENY if any statement explicitly denies, ALLOW if one allows, else NONE."""
        allowed = False
        for st in self.statements:
            if st.applies(caller, action, resource, get):
                if not st.allow:
                    return DENY
                allowed = True
        return ALLOW if allowed else NONE


def _expand(resource: str, prefix: str | None) -> str:
    # Resource policies may say "execute-api:/stage/GET/path"; AWS expands it to the API's ARN.
    if prefix is not None and resource.startswith("execute-api:/"):
        return prefix + resource[len("execute-api:/") :]
    return resource


def _statement(raw: Any, prefix: str | None, need_principal: bool) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError("Each Statement must be an object")
    unknown = set(raw) - _ELEMENTS
    if unknown:
        raise PolicyError(f"Unknown policy element: {sorted(unknown)[0]}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"Invalid effect: {effect}")
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError("A statement needs exactly one of Action and NotAction")
    if ("Resource" in raw) and ("NotResource" in raw):
        raise PolicyError("A statement cannot have both Resource and NotResource")
    if need_principal and "Principal" not in raw and "NotPrincipal" not in raw:
        raise PolicyError("Resource policy statements need a Principal")

    def res(key: str) -> re.Pattern[str] | None:
        if key not in raw:
            return None
        return _patterns([_expand(r, prefix) for r in _list(raw[key], key)])

    def act(key: str) -> re.Pattern[str] | None:
        return _patterns(_list(raw[key], key), re.IGNORECASE) if key in raw else None

    return Statement(
        allow=effect == "Allow",
        principals=_principals(raw["Principal"]) if "Principal" in raw else None,
        not_principals=_principals(raw["NotPrincipal"]) if "NotPrincipal" in raw else None,
        actions=act("Action"),
        not_actions=act("NotAction"),
        resources=res("Resource"),
        not_resources=res("NotResource"),
        conditions=compile_conditions(raw.get("Condition")),
    )


def compile_policy(
    doc: str | dict[str, Any],
    *,
    resource_prefix: str | None = None,
    need_principal: bool = False,
) -> Policy:
    """Parse and compile a policy document (JSON text or decoded). Raises PolicyError.

    ``resource_prefix`` (``arn:aws:execute-api:{region}:{account}:{apiId}/``) expands the
    ``execute-api:/…`` shorthand of resource policies."""
    source = (doc, resource_prefix, need_principal)
    if isinstance(doc, str):
        try:
            doc = safejson.loads(doc)
        except ValueError:
            raise PolicyError("Policy is not valid JSON") from None
    if not isinstance(doc, dict):
        raise PolicyError("Policy must be a JSON object")
    unknown = set(doc) - {"Version", "Id", "Statement"}
    if unknown:
        raise PolicyError(f"Unknown policy element: {sorted(unknown)[0]}")
    raw = doc.get("Statement")
    if raw is None:
        raise PolicyError("Policy has no Statement")
    items = raw if isinstance(raw, list) else [raw]
    statements = tuple(_statement(s, resource_prefix, need_principal) for s in items)
    return Policy(statements, source)


@functools.lru_cache(maxsize=1024)
def policy_from_source(text: str, resource_prefix: str | None, need_principal: bool) -> Policy:
    """A policy rebuilt from its recipe (``Policy.source``): shared while its text is the same,
    so a stage loaded in parts compiles its resource policy once."""
    return compile_policy(text, resource_prefix=resource_prefix, need_principal=need_principal)
