"""An IAM-compatible subset on the admin listener (users, access keys, inline and managed policies)
plus STS GetCallerIdentity/GetSessionToken, for the keys AWS_IAM methods verify."""

from __future__ import annotations

import logging
import secrets
import string
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from frontgate.admin.iam import wire
from frontgate.admin.iam.wire import QueryError, no_such_entity
from frontgate.admin.wire import query
from frontgate.admin.wire.query import timestamp
from frontgate.definition import kinds
from frontgate.definition.secret_fields import seal_member
from frontgate.http.message import Request, Response
from frontgate.iam import sigv4
from frontgate.iam.identities import IamIndex, Identity
from frontgate.iam.identities import load_index as load_iam
from frontgate.iam.policy import PolicyError, compile_policy
from frontgate.outage import StoreRequests, store_unreachable
from frontgate.state.keyring import Keyring
from frontgate.state.store import ConfigStore

log = logging.getLogger("frontgate.iam")
_STORE_DOWN = "The state store is unreachable; try again later."
_SERVED = {"iam": " (it serves users, access keys and policies for AWS_IAM methods)."}

_ALNUM = string.ascii_uppercase + string.digits
Handler = Callable[["IamApi", dict[str, str]], Awaitable[dict[str, Any] | None]]
_OPS: dict[str, Handler] = {}


def _op(fn: Handler) -> Handler:
    _OPS[fn.__name__.title().replace("_", "")] = fn
    return fn


def _id(prefix: str, n: int) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(n))


def is_query_request(request: Request) -> bool:
    return request.method == "POST" and request.target in ("/", "/?") and b"Action=" in request.body


def _user_out(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


class IamApi:
    def __init__(
        self,
        store: ConfigStore,
        account_id: str,
        verify_admin: Callable[[Request], None],
        on_change: Callable[[], None] | None,
        static: Callable[[], IamIndex] | None = None,
        keyring: Keyring | None = None,
    ) -> None:
        self.store = store
        self.keyring = keyring  # secret access keys are stored encrypted with it
        self.account = account_id
        self.verify_admin = verify_admin
        self.on_change = on_change
        self.static = static
        self.request: Request | None = None
        self.outage = StoreRequests(log, "iam API")

    async def handle(self, request: Request) -> Response:
        params = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        service = wire.VERSIONS.get(params.get("Version", ""), "iam")
        action = params.get("Action", "")
        rid = _id("", 8).lower() + "-" + secrets.token_hex(6)
        try:
            handler = _OPS.get(action)
            if handler is None or action not in wire.operations(service):
                if action in wire.operations(service):  # one of AWS's, not served here
                    raise QueryError(
                        400,
                        "InvalidAction",
                        f"Frontgate does not implement the {service} operation {action}"
                        + _SERVED.get(service, "."),
                    )
                raise QueryError(400, "InvalidAction", f"Could not find operation {action}")
            if service == "iam":
                self.verify_admin(request)
            self.request = request
            query.validate(service, action, params)
            result = await handler(self, params)
            self.outage.succeeded()
            if service == "iam" and self.on_change is not None:
                self.on_change()  # the data plane's key index follows the store
            return wire.respond(service, action, result, rid)
        except QueryError as exc:
            return wire.error(service, exc, rid)
        except Exception as exc:
            if store_unreachable(exc):
                self.outage.failed(exc, "500 ServiceFailure")
                return wire.error(service, QueryError(500, "ServiceFailure", _STORE_DOWN), rid)
            log.exception("IAM request %s failed", rid)
            return wire.error(service, QueryError(500, "ServiceFailure", "Internal error"), rid)

    async def user(self, name: str) -> dict[str, Any]:
        doc = await self.store.get(kinds.IAM_REGION, kinds.IAM_USER, "", name)
        if doc is None:
            raise no_such_entity(f"The user with name {name} cannot be found.")
        return doc

    async def put_user(self, doc: dict[str, Any]) -> None:
        async with self.store.transaction() as tx:
            await tx.put(kinds.IAM_REGION, kinds.IAM_USER, "", doc["UserName"], doc)

    async def caller(self) -> tuple[str, str, str]:
        """(account, arn, user name) of the key that signed this request."""
        ident = await self.caller_identity()
        return ident.account, ident.arn, ident.user_name

    def signed_by_admin(self) -> bool:
        """Whether this request passes the management API's own check (an admin key)."""
        assert self.request is not None
        try:
            self.verify_admin(self.request)
        except QueryError:
            return False
        return True

    async def caller_identity(self) -> Identity:
        """The identity of the key that signed this request (403 InvalidClientTokenId etc.)."""
        assert self.request is not None
        headers = {k.lower(): v for k, v in self.request.headers}
        if not headers.get("authorization"):
            raise wire.auth_error("MissingAuthenticationTokenException", "")
        try:
            signed = sigv4.parse_header(headers["authorization"], headers.get)
            sigv4.check_time(signed, time.time())
            index = await load_iam(self.store, self.account, self.keyring)
            entry = index.key(signed.key_id) or (
                self.static().key(signed.key_id) if self.static else None
            )
            if entry is None or not entry.active:
                raise sigv4.invalid_token()
            sigv4.verify(
                signed,
                entry.secret,
                "POST",
                "/",
                "",
                lambda n: [v for k, v in self.request.headers if k.lower() == n],  # type: ignore[union-attr]
                self.request.body,
            )
        except sigv4.SigV4Error as exc:
            raise wire.auth_error(exc.error_type, exc.message) from None
        return entry.identity


def _check_document(text: str) -> None:
    try:
        compile_policy(text)
    except PolicyError as exc:
        raise QueryError(400, "MalformedPolicyDocument", str(exc)) from None


@_op
async def create_user(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    name = p.get("UserName", "")
    if not name:
        raise QueryError(400, "ValidationError", "UserName is required")
    if await api.store.get(kinds.IAM_REGION, kinds.IAM_USER, "", name) is not None:
        raise QueryError(409, "EntityAlreadyExists", f"User with name {name} already exists.")
    path = p.get("Path", "/")
    doc = {
        "UserName": name,
        "UserId": _id("AIDA", 17),
        "Path": path,
        "CreateDate": timestamp(),
        "Arn": f"arn:aws:iam::{api.account}:user{path}{name}",
        "_inline": {},
        "_attached": [],
    }
    await api.put_user(doc)
    return {"User": _user_out(doc)}


@_op
async def get_user(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    name = p.get("UserName") or (await api.caller_identity()).user_name  # AWS: the caller
    return {"User": _user_out(await api.user(name))}


@_op
async def list_users(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    users = await api.store.list(kinds.IAM_REGION, kinds.IAM_USER)
    return {"Users": [_user_out(u) for u in users], "IsTruncated": False}


@_op
async def delete_user(api: IamApi, p: dict[str, str]) -> None:
    user = await api.user(p.get("UserName", ""))
    keys = [
        k
        for k in await api.store.list(kinds.IAM_REGION, kinds.IAM_ACCESS_KEY)
        if k["UserName"] == user["UserName"]
    ]
    if keys or user.get("_inline") or user.get("_attached"):
        raise QueryError(
            409,
            "DeleteConflict",
            "Cannot delete entity, must delete policies and access keys first.",
        )
    async with api.store.transaction() as tx:
        await tx.delete(kinds.IAM_REGION, kinds.IAM_USER, "", user["UserName"])


@_op
async def create_access_key(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    user = await api.user(p.get("UserName", ""))
    doc = {
        "UserName": user["UserName"],
        "AccessKeyId": _id("AKIA", 16),
        "Status": "Active",
        "CreateDate": timestamp(),
        "_secret": secrets.token_urlsafe(30)[:40],
    }
    await _put_new_key(api, doc)
    return {"AccessKey": {**_user_out(doc), "SecretAccessKey": doc["_secret"]}}


async def _put_new_key(api: IamApi, doc: dict[str, Any]) -> None:
    """Store a new access key, its secret encrypted (frontgate.state.keyring)."""
    key_id = doc["AccessKeyId"]
    stored = seal_member(api.keyring, kinds.IAM_ACCESS_KEY, key_id, doc, "_secret")
    async with api.store.transaction() as tx:
        await tx.put(kinds.IAM_REGION, kinds.IAM_ACCESS_KEY, "", key_id, stored)


async def _key(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    doc = await api.store.get(kinds.IAM_REGION, kinds.IAM_ACCESS_KEY, "", p.get("AccessKeyId", ""))
    if doc is None or (p.get("UserName") and doc["UserName"] != p["UserName"]):
        raise no_such_entity(f"The Access Key with id {p.get('AccessKeyId')} cannot be found.")
    return doc


@_op
async def list_access_keys(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    user = await api.user(p.get("UserName", ""))
    keys = [
        _user_out(k)
        for k in await api.store.list(kinds.IAM_REGION, kinds.IAM_ACCESS_KEY)
        if k["UserName"] == user["UserName"] and "_token" not in k
    ]
    return {"AccessKeyMetadata": keys, "IsTruncated": False}


@_op
async def update_access_key(api: IamApi, p: dict[str, str]) -> None:
    doc = await _key(api, p)
    if p.get("Status") not in ("Active", "Inactive"):
        raise QueryError(400, "ValidationError", "Status must be Active or Inactive")
    doc["Status"] = p["Status"]
    async with api.store.transaction() as tx:
        await tx.put(kinds.IAM_REGION, kinds.IAM_ACCESS_KEY, "", doc["AccessKeyId"], doc)


@_op
async def delete_access_key(api: IamApi, p: dict[str, str]) -> None:
    doc = await _key(api, p)
    async with api.store.transaction() as tx:
        await tx.delete(kinds.IAM_REGION, kinds.IAM_ACCESS_KEY, "", doc["AccessKeyId"])


@_op
async def put_user_policy(api: IamApi, p: dict[str, str]) -> None:
    user = await api.user(p.get("UserName", ""))
    _check_document(p.get("PolicyDocument", ""))
    user.setdefault("_inline", {})[p.get("PolicyName", "")] = p["PolicyDocument"]
    await api.put_user(user)


@_op
async def get_user_policy(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    user = await api.user(p.get("UserName", ""))
    text = (user.get("_inline") or {}).get(p.get("PolicyName", ""))
    if text is None:
        raise no_such_entity(f"The user policy with name {p.get('PolicyName')} cannot be found.")
    return {"UserName": user["UserName"], "PolicyName": p["PolicyName"], "PolicyDocument": text}


@_op
async def list_user_policies(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    user = await api.user(p.get("UserName", ""))
    return {"PolicyNames": sorted(user.get("_inline") or {}), "IsTruncated": False}


@_op
async def delete_user_policy(api: IamApi, p: dict[str, str]) -> None:
    user = await api.user(p.get("UserName", ""))
    if (user.get("_inline") or {}).pop(p.get("PolicyName", ""), None) is None:
        raise no_such_entity(f"The user policy with name {p.get('PolicyName')} cannot be found.")
    await api.put_user(user)


@_op
async def create_policy(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    name, path = p.get("PolicyName", ""), p.get("Path", "/")
    arn = f"arn:aws:iam::{api.account}:policy{path}{name}"
    if await api.store.get(kinds.IAM_REGION, kinds.IAM_MANAGED_POLICY, "", arn) is not None:
        raise QueryError(409, "EntityAlreadyExists", f"A policy called {name} already exists.")
    _check_document(p.get("PolicyDocument", ""))
    doc = {
        "PolicyName": name,
        "PolicyId": _id("ANPA", 17),
        "Arn": arn,
        "Path": path,
        "DefaultVersionId": "v1",
        "AttachmentCount": 0,
        "IsAttachable": True,
        "CreateDate": timestamp(),
        "UpdateDate": timestamp(),
        "_document": p["PolicyDocument"],
    }
    async with api.store.transaction() as tx:
        await tx.put(kinds.IAM_REGION, kinds.IAM_MANAGED_POLICY, "", arn, doc)
    return {"Policy": _user_out(doc)}


async def _policy(api: IamApi, arn: str) -> dict[str, Any]:
    doc = await api.store.get(kinds.IAM_REGION, kinds.IAM_MANAGED_POLICY, "", arn)
    if doc is None:
        raise no_such_entity(f"Policy {arn} does not exist or is not attachable.")
    return doc


@_op
async def get_policy(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    return {"Policy": _user_out(await _policy(api, p.get("PolicyArn", "")))}


@_op
async def delete_policy(api: IamApi, p: dict[str, str]) -> None:
    doc = await _policy(api, p.get("PolicyArn", ""))
    if doc.get("AttachmentCount"):
        raise QueryError(409, "DeleteConflict", "Cannot delete a policy attached to entities.")
    async with api.store.transaction() as tx:
        await tx.delete(kinds.IAM_REGION, kinds.IAM_MANAGED_POLICY, "", doc["Arn"])


async def _attach(api: IamApi, p: dict[str, str], attach: bool) -> None:
    user = await api.user(p.get("UserName", ""))
    policy = await _policy(api, p.get("PolicyArn", ""))
    attached: list[str] = user.setdefault("_attached", [])
    if attach and policy["Arn"] not in attached:
        attached.append(policy["Arn"])
        policy["AttachmentCount"] = policy.get("AttachmentCount", 0) + 1
    elif not attach:
        if policy["Arn"] not in attached:
            raise no_such_entity(f"Policy {policy['Arn']} was not found.")
        attached.remove(policy["Arn"])
        policy["AttachmentCount"] = max(0, policy.get("AttachmentCount", 1) - 1)
    async with api.store.transaction() as tx:
        await tx.put(kinds.IAM_REGION, kinds.IAM_USER, "", user["UserName"], user)
        await tx.put(kinds.IAM_REGION, kinds.IAM_MANAGED_POLICY, "", policy["Arn"], policy)


@_op
async def attach_user_policy(api: IamApi, p: dict[str, str]) -> None:
    await _attach(api, p, True)


@_op
async def detach_user_policy(api: IamApi, p: dict[str, str]) -> None:
    await _attach(api, p, False)


@_op
async def list_attached_user_policies(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    user = await api.user(p.get("UserName", ""))
    out = [
        {"PolicyArn": a, "PolicyName": a.rsplit("/", 1)[-1]} for a in user.get("_attached") or ()
    ]
    return {"AttachedPolicies": out, "IsTruncated": False}


@_op
async def get_caller_identity(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    try:
        ident = await api.caller_identity()
    except QueryError as exc:
        # Not an IAM user's key: the operator's admin key (or, without admin keys, any key the
        # management API accepts) is the account's root, as root credentials are on AWS.
        if exc.code != "InvalidClientTokenId" or not api.signed_by_admin():
            raise
        return {"Account": api.account, "Arn": f"arn:aws:iam::{api.account}:root",
                "UserId": api.account}  # fmt: skip
    return {"Account": ident.account, "Arn": ident.arn, "UserId": ident.user_id}


@_op
async def get_session_token(api: IamApi, p: dict[str, str]) -> dict[str, Any]:
    """Temporary credentials for the signing user (AWS: 900 s to 36 h, default 12 h)."""
    _account, _arn, user = await api.caller()
    seconds = max(900, min(int(p.get("DurationSeconds") or 43200), 129600))
    expires = time.time() + seconds
    doc: dict[str, Any] = {
        "UserName": user,
        "AccessKeyId": _id("ASIA", 16),
        "Status": "Active",
        "CreateDate": timestamp(),
        "_secret": secrets.token_urlsafe(30)[:40],
        "_token": secrets.token_urlsafe(96),
        "_expires": expires,
    }
    await _put_new_key(api, doc)
    if api.on_change is not None:
        api.on_change()
    creds = {
        "AccessKeyId": doc["AccessKeyId"],
        "SecretAccessKey": doc["_secret"],
        "SessionToken": doc["_token"],
        "Expiration": expires,
    }
    return {"Credentials": creds}
