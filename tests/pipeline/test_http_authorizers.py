"""HTTP API authorizers (JWT, Lambda REQUEST, AWS_IAM): first as the stages
``http_authorizers.plan`` compiles for a route, run on hand-built requests against a real OIDC
issuer on loopback (the session's, tests/support/access.py), real local Lambda functions and
botocore's SigV4 signer (the failure each path raises, what ``ctx.authorizer`` becomes); then end
to end through the real ``frontgate serve`` of tests/support/access.py (what a client sees, what
a Lambda integration is handed)."""

from __future__ import annotations

import asyncio
import inspect
import json
import pickle
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from tests.support.oidc_issuer import Issuer

from frontgate.auth.runtime import AuthRuntime
from frontgate.functions.invoker import FunctionInvoker
from frontgate.functions.permissions import make_statement
from frontgate.functions.table import FunctionTable, function_def
from frontgate.gateway_errors import DEFAULT_STATUS, GatewayError
from frontgate.http.message import Request
from frontgate.iam.identities import config_index
from frontgate.pipeline import http_authorizers
from frontgate.pipeline.context import Context, StageFn
from frontgate.pipeline.env import Env
from frontgate.readonly import ReadOnlyMap
from frontgate.snapshot.image import _dump
from frontgate.snapshot.recipe import recipe_of
from frontgate.snapshot.snapshot import Method, RouteNode, Snapshot, Stage
from frontgate.upstream.pool import UpstreamPool

REGION = "us-east-1"
ACCOUNT = "123456789012"
API = "a1b2c3d4e5"
HOST = f"{API}.execute-api.localhost"


def plan(route: dict[str, Any], authorizers: list[dict[str, Any]], stage: str = "$default"):  # type: ignore[no-untyped-def]
    steps = http_authorizers.plan(
        route, authorizers, region=REGION, account_id=ACCOUNT, api_id=API, stage_name=stage
    )
    for step in steps:  # every stage ships to workers by pickling
        copy = pickle.loads(_dump(step))
        assert recipe_of(copy) == recipe_of(step)
    return steps


_STAGES: dict[str, Stage] = {}


def make_ctx(
    headers: list[tuple[str, str]] | None = None,
    verb: str = "GET",
    path: str = "/orders",
    query: str = "",
    stage_name: str = "$default",
    variables: dict[str, str] | None = None,
) -> Context:
    stage = _STAGES.get(stage_name)
    if stage is None or variables is not None:
        stage = Stage(API, "orders", REGION, ACCOUNT, stage_name, "d1", variables or {},
                      RouteNode(), {}, (), "HEADER")  # fmt: skip
        _STAGES[stage_name] = stage
    snapshot = Snapshot(1, {(API, stage_name): stage}, frozenset({API}))
    target = path + ("?" + query if query else "")
    hdrs = [("Host", HOST), ("User-Agent", "test"), *(headers or [])]
    request = Request(verb, target, hdrs, client_addr=("127.0.0.1", 40000), server_port=80,
                      host=HOST)  # fmt: skip
    ctx = Context(request, snapshot, "req-1", "ext-1")
    ctx.api_id, ctx.stage_name, ctx.stage = API, stage_name, stage
    ctx.method = Method(verb, "r1", path, "X", False, {}, None, route_key=f"{verb} {path}")
    ctx.path, ctx.raw_query = path, query
    return ctx


async def run(steps: list[StageFn], ctx: Context, env: Env) -> None:
    for step in steps:
        out = step(ctx, env)
        if out is not None:
            await out


async def fails(steps: list[StageFn], ctx: Context, env: Env) -> GatewayError:
    try:
        await run(steps, ctx, env)
    except GatewayError as exc:
        return exc
    raise AssertionError("the request was let through")


def seen(err: GatewayError) -> tuple[int, str | None]:
    """(status, body message) as the client sees them."""
    return err.status_override or DEFAULT_STATUS[err.response_type], err.message


def challenge(err: GatewayError) -> str:
    return dict(err.headers)["www-authenticate"]


# -- JWT ---------------------------------------------------------------------------------------


def jwt_route(issuer: Issuer, scopes: tuple[str, ...] = (), **conf: Any) -> list[StageFn]:
    authorizer = {
        "authorizerId": "jw1",
        "authorizerType": "JWT",
        "identitySource": conf.pop("identitySource", ["$request.header.Authorization"]),
        "jwtConfiguration": {"issuer": issuer.url, "audience": ["client-1", "other"], **conf},
    }
    route = {"routeKey": "GET /orders", "authorizationType": "JWT", "authorizerId": "jw1"}
    if scopes:
        route["authorizationScopes"] = list(scopes)
    return plan(route, [authorizer])


def test_jwt_valid_token_sets_claims_and_is_cached(issuer: Issuer) -> None:
    async def go() -> None:
        env = Env("localhost", UpstreamPool(), auth=AuthRuntime())
        steps = jwt_route(issuer)
        hits = issuer.jwks_hits
        claims = issuer.claims(groups=["admin", "user"], n=5, email_verified=True)
        token = issuer.token(claims)
        for prefix in ("Bearer ", "bearer ", ""):  # the Bearer prefix is optional
            ctx = make_ctx([("Authorization", prefix + token)])
            await run(steps, ctx, env)
            assert ctx.authorizer is not None
            got = ctx.authorizer["jwt"]
            assert got["scopes"] is None
            assert got["claims"]["sub"] == "user-1" and got["claims"]["groups"] == "[admin user]"
            assert got["claims"]["n"] == "5" and got["claims"]["email_verified"] == "true"
            assert got["claims"]["exp"] == str(claims["exp"])
        # The JWKS was fetched once; the second and third requests were synchronous.
        assert issuer.jwks_hits == hits + 1
        assert steps[0](make_ctx([("Authorization", token)]), env) is None

    asyncio.run(go())


def test_jwt_failures_are_401_with_www_authenticate(issuer: Issuer) -> None:
    async def go() -> None:
        env = Env("localhost", UpstreamPool(), auth=AuthRuntime())
        steps = jwt_route(issuer)

        async def reason(headers: list[tuple[str, str]]) -> str:
            err = await fails(steps, make_ctx(headers), env)
            assert seen(err) == (401, "Unauthorized") and err.response_type == "UNAUTHORIZED"
            return challenge(err)

        def auth(token: str) -> list[tuple[str, str]]:
            return [("Authorization", "Bearer " + token)]

        assert await reason([]) == 'Bearer scope=""'
        desc = 'Bearer scope="" error="invalid_token" error_description="{}"'.format
        assert await reason(auth("abc")) == desc("the token is malformed")
        now = int(time.time())
        expired = issuer.claims(exp=now - 10)
        assert await reason(auth(issuer.token(expired))) == desc("the token has expired")
        early = issuer.claims(nbf=now + 600)
        assert await reason(auth(issuer.token(early))) == desc("the token is not valid yet")
        aud = issuer.token(issuer.claims(aud="someone-else"))
        assert await reason(auth(aud)) == desc("the token does not have a valid audience")
        iss = issuer.token(issuer.claims(iss="https://evil.example.com"))
        assert await reason(auth(iss)) == desc("the token does not have a valid issuer")
        assert await reason(auth(issuer.token(alg="ES256", kid="ec1"))) == desc(
            "signing method ES256 is invalid"
        )  # RSA only
        assert await reason(auth(issuer.token(alg="HS256"))) == desc(
            "signing method HS256 is invalid"
        )
        assert await reason(auth(issuer.token(alg="none"))) == desc(
            "signing method none is invalid"
        )
        forged = issuer.token(key=issuer.other)  # signed by a key the issuer does not publish
        assert await reason(auth(forged)) == desc("the token signature is invalid")
        unknown = issuer.token(kid="nope")
        assert await reason(auth(unknown)) == desc(
            "unable to find a signing key that matches 'nope'"
        )

    asyncio.run(go())


def test_jwt_client_id_counts_only_without_aud(issuer: Issuer) -> None:
    async def go() -> None:
        env = Env("localhost", UpstreamPool(), auth=AuthRuntime())
        steps = jwt_route(issuer)
        access = issuer.claims(aud=None, client_id="client-1", token_use="access")
        ctx = make_ctx([("Authorization", issuer.token(access))])
        await run(steps, ctx, env)
        assert ctx.authorizer is not None
        assert ctx.authorizer["jwt"]["claims"]["client_id"] == "client-1"
        both = issuer.claims(aud="someone-else", client_id="client-1")
        err = await fails(steps, make_ctx([("Authorization", issuer.token(both))]), env)
        assert seen(err) == (401, "Unauthorized")

    asyncio.run(go())


def test_jwt_scopes(issuer: Issuer) -> None:
    async def go() -> None:
        env = Env("localhost", UpstreamPool(), auth=AuthRuntime())
        steps = jwt_route(issuer, scopes=("orders/read", "orders/admin"))
        ok = issuer.token(issuer.claims(scope="profile orders/read"))
        ctx = make_ctx([("Authorization", ok)])
        await run(steps, ctx, env)
        assert ctx.authorizer is not None
        assert ctx.authorizer["jwt"]["scopes"] == ["profile", "orders/read"]
        scp = issuer.token(issuer.claims(scp=["orders/admin"]))  # Okta and Entra spell it scp
        await run(steps, make_ctx([("Authorization", scp)]), env)
        for claims in (issuer.claims(scope="profile"), issuer.claims()):
            err = await fails(steps, make_ctx([("Authorization", issuer.token(claims))]), env)
            assert seen(err) == (403, "Forbidden") and err.response_type == "ACCESS_DENIED"
            assert challenge(err) == (
                'Bearer scope="orders/read orders/admin" error="insufficient_scope" '
                'error_description="expected scopes: [orders/read orders/admin]"'
            )
        # An invalid token on a route with scopes is still 401, naming the scopes.
        err = await fails(steps, make_ctx([("Authorization", "x.y")]), env)
        assert seen(err)[0] == 401 and challenge(err).startswith(
            'Bearer scope="orders/read orders/admin" error="invalid_token"'
        )

    asyncio.run(go())


def test_jwt_from_query_string_and_unreachable_issuer(issuer: Issuer) -> None:
    async def go() -> None:
        env = Env("localhost", UpstreamPool(), auth=AuthRuntime())
        steps = jwt_route(issuer, identitySource=["$request.querystring.access_token"])
        ctx = make_ctx(query="access_token=" + issuer.token())
        await run(steps, ctx, env)
        assert ctx.authorizer is not None
        err = await fails(steps, make_ctx([("Authorization", issuer.token())]), env)
        assert seen(err)[0] == 401
        # An issuer whose keys cannot be fetched: 500, not a client error.
        gone = {
            "authorizerId": "jw2",
            "authorizerType": "JWT",
            "jwtConfiguration": {"issuer": "http://127.0.0.1:9/none", "audience": ["client-1"]},
        }
        route = {"routeKey": "GET /orders", "authorizationType": "JWT", "authorizerId": "jw2"}
        err = await fails(plan(route, [gone]), make_ctx([("Authorization", issuer.token())]), env)
        assert seen(err) == (500, "Internal Server Error")

    asyncio.run(go())


# -- Lambda REQUEST ----------------------------------------------------------------------------

AUTHORIZER = """
import json, os

def handler(event, context):
    with open(os.environ["LOG"], "a") as f:
        f.write(json.dumps(event) + "\\n")
    src = event["identitySource"]
    who = src[0] if isinstance(src, list) else src.split(",")[0]
    arn = event.get("routeArn") or event.get("methodArn")
    if who == "unauth":
        raise Exception("Unauthorized")
    if who == "boom":
        raise Exception("boom")
    if who == "bad":
        return {"hello": "world"}
    if who.startswith("policy-"):
        effect = "Deny" if who == "policy-deny" else "Allow"
        resource = arn.split("/")[0] + "/*/GET/orders" if who == "policy-narrow" else arn
        return {"principalId": "p-" + who,
                "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
                "context": {"user": who, "n": 1, "ok": True}}
    return {"isAuthorized": who != "deny",
            "context": {"user": who, "n": 1, "list": ["a", "b"], "map": {"k": "v"}}}
"""


class Functions:
    """Real local Lambda functions: an authorizer that appends each event to ``log``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "events.jsonl"
        code = root / "code" / "authz"
        code.mkdir(parents=True)
        (code / "app.py").write_text(AUTHORIZER)
        docs = {}
        for name, policy in (
            ("authz", [f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/authorizers/*"]),
            ("nopolicy", []),
        ):
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
            statements = [
                make_statement(arn, {"StatementId": "s", "Action": "lambda:InvokeFunction",
                                     "Principal": "apigateway.amazonaws.com", "SourceArn": src})
                for src in policy
            ]  # fmt: skip
            docs[(REGION, name)] = function_def(
                REGION,
                {"FunctionName": name, "FunctionArn": arn, "Handler": "app.handler",
                 "_codePath": str(code), "CodeSha256": "authz", "Timeout": 60,
                 "Environment": {"Variables": {"LOG": str(self.log)}}, "_policy": statements},
            )  # fmt: skip
        self.table = FunctionTable(1, ReadOnlyMap(docs))

    def events(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def lambda_route(
    function: str = "authz", route_key: str = "GET /orders", stage: str = "$default", **conf: Any
) -> list[StageFn]:
    uri = (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}/invocations"
    )
    authorizer = {
        "authorizerId": "la1",
        "authorizerType": "REQUEST",
        "authorizerUri": uri,
        "identitySource": ["$request.header.x-user"],
        "authorizerPayloadFormatVersion": "2.0",
        **conf,
    }
    route = {"routeKey": route_key, "authorizationType": "CUSTOM", "authorizerId": "la1"}
    return plan(route, [authorizer], stage)


async def with_invoker(root: Path, body: Any) -> None:
    functions = Functions(root)
    invoker = FunctionInvoker(root, account_id=ACCOUNT, region=REGION)
    invoker.adopt(functions.table)
    await invoker.start()
    try:
        env = Env("localhost", UpstreamPool(), functions=invoker, auth=AuthRuntime())
        await body(env, functions)
    finally:
        await invoker.close()


def user(name: str) -> list[tuple[str, str]]:
    return [("x-user", name)]


def test_lambda_simple_responses_and_the_2_0_event(tmp_path: Path) -> None:
    async def body(env: Env, fns: Functions) -> None:
        steps = lambda_route(enableSimpleResponses=True)
        ctx = make_ctx([*user("alice"), ("Cookie", "a=1; b=2")], query="q=1&q=2")
        await run(steps, ctx, env)
        assert ctx.authorizer == {
            "lambda": {"user": "alice", "n": 1, "list": ["a", "b"], "map": {"k": "v"}}
        }
        (event,) = fns.events()
        assert event["version"] == "2.0" and event["type"] == "REQUEST"
        assert (
            event["routeArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/$default/GET/orders"
        )
        assert event["identitySource"] == ["alice"] and event["routeKey"] == "GET /orders"
        assert event["rawPath"] == "/orders" and event["rawQueryString"] == "q=1&q=2"
        assert event["cookies"] == ["a=1", "b=2"] and event["headers"]["x-user"] == "alice"
        assert event["queryStringParameters"] == {"q": "1,2"}
        assert event["requestContext"]["http"]["method"] == "GET"
        assert event["requestContext"]["routeKey"] == "GET /orders"
        assert "body" not in event and "authorizer" not in event["requestContext"]
        err = await fails(steps, make_ctx(user("deny")), env)
        assert seen(err) == (403, "Forbidden") and err.response_type == "ACCESS_DENIED"

    asyncio.run(with_invoker(tmp_path, body))


def test_lambda_policy_responses_and_the_1_0_event(tmp_path: Path) -> None:
    async def body(env: Env, fns: Functions) -> None:
        steps = lambda_route(stage="prod", authorizerPayloadFormatVersion="1.0")
        ctx = make_ctx(user("policy-allow"), path="/orders/7", stage_name="prod")
        await run(steps, ctx, env)
        assert ctx.authorizer == {
            "lambda": {"user": "policy-allow", "n": 1, "ok": True},
            "principalId": "p-policy-allow",
        }
        (event,) = fns.events()
        arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/GET/orders/7"
        assert (event["version"], event["type"], event["methodArn"]) == ("1.0", "REQUEST", arn)
        assert event["identitySource"] == event["authorizationToken"] == "policy-allow"
        assert event["httpMethod"] == "GET" and event["headers"]["x-user"] == "policy-allow"
        assert event["requestContext"]["stage"] == "prod" and "body" not in event
        err = await fails(steps, make_ctx(user("policy-deny"), stage_name="prod"), env)
        assert seen(err) == (403, "Forbidden")
        # A policy that allows another route only: 403 here.
        narrow = lambda_route(stage="prod", authorizerPayloadFormatVersion="1.0")
        await run(narrow, make_ctx(user("policy-narrow"), stage_name="prod"), env)
        other = make_ctx(user("policy-narrow"), verb="POST", stage_name="prod")
        assert seen(await fails(narrow, other, env)) == (403, "Forbidden")
        # Payload 2.0 without simple responses takes policies too.
        v2 = lambda_route(stage="prod")
        ctx = make_ctx(user("policy-allow"), stage_name="prod")
        await run(v2, ctx, env)
        assert ctx.authorizer is not None and ctx.authorizer["principalId"] == "p-policy-allow"
        # A simple answer where a policy is expected is a malformed response.
        assert seen(await fails(v2, make_ctx(user("alice"), stage_name="prod"), env)) == (
            500,
            "Internal Server Error",
        )

    asyncio.run(with_invoker(tmp_path, body))


def test_lambda_cache_by_identity_sources(tmp_path: Path) -> None:
    async def body(env: Env, fns: Functions) -> None:
        steps = lambda_route(
            enableSimpleResponses=True,
            authorizerResultTtlInSeconds=300,
            identitySource=["$request.header.x-user", "$request.querystring.tenant"],
        )
        for _ in range(2):
            ctx = make_ctx(user("alice"), query="tenant=t1")
            await run(steps, ctx, env)
            assert ctx.authorizer is not None and ctx.authorizer["lambda"]["user"] == "alice"
        assert len(fns.events()) == 1  # the second request was answered from the cache
        # The cached result needs no invocation: the stage finishes synchronously.
        assert steps[0](make_ctx(user("alice"), query="tenant=t1"), env) is None
        await run(steps, make_ctx(user("alice"), query="tenant=t2"), env)  # another key
        assert len(fns.events()) == 2
        # Shared by every route of the stage using the authorizer (AWS's default).
        other = lambda_route(
            route_key="POST /orders",
            enableSimpleResponses=True,
            authorizerResultTtlInSeconds=300,
            identitySource=["$request.header.x-user", "$request.querystring.tenant"],
        )
        await run(other, make_ctx(user("alice"), verb="POST", query="tenant=t1"), env)
        assert len(fns.events()) == 2
        # Denials are cached too.
        for _ in range(2):
            err = await fails(steps, make_ctx(user("deny"), query="tenant=t1"), env)
            assert seen(err) == (403, "Forbidden")
        assert len(fns.events()) == 3
        # A redeployed stage (a new Stage object) starts with an empty cache.
        await run(steps, make_ctx(user("alice"), query="tenant=t1", variables={"v": "2"}), env)
        assert len(fns.events()) == 4
        # ResetAuthorizersCache (applied from the change channel) empties it.
        env.runtime.flush_authorizers(API, "$default")
        await run(steps, make_ctx(user("alice"), query="tenant=t1"), env)
        assert len(fns.events()) == 5
        # TTL 0: no cache.
        uncached = lambda_route(enableSimpleResponses=True, authorizerResultTtlInSeconds=0)
        for _ in range(2):
            await run(uncached, make_ctx(user("bob")), env)
        assert len(fns.events()) == 7

    asyncio.run(with_invoker(tmp_path, body))


def test_lambda_identity_sources_missing_is_401_without_invoking(tmp_path: Path) -> None:
    async def body(env: Env, fns: Functions) -> None:
        steps = lambda_route(
            enableSimpleResponses=True,
            identitySource=[
                "$request.header.X-User",
                "$request.querystring.tenant",
                "$context.requestId",
                "$context.routeKey",  # AWS's advice for a cache per route
                "$stageVariables.realm",
            ],
        )
        for headers, query, variables in (
            ([], "tenant=t", {"realm": "r"}),
            (user(""), "tenant=t", {"realm": "r"}),
            (user("alice"), "", {"realm": "r"}),
            (user("alice"), "Tenant=t", {"realm": "r"}),  # query names are case-sensitive
            (user("alice"), "tenant=t", {"other": "r"}),
        ):
            ctx = make_ctx(headers, query=query, variables=variables)
            err = await fails(steps, ctx, env)
            assert seen(err) == (401, "Unauthorized")
        assert fns.events() == []
        ctx = make_ctx([("X-USER", "alice")], query="tenant=t", variables={"realm": "r"})
        await run(steps, ctx, env)  # header names are case-insensitive
        (event,) = fns.events()
        assert event["identitySource"] == ["alice", "t", "req-1", "GET /orders", "r"]
        # No identity source at all: the function is called on every request.
        anyone = lambda_route(enableSimpleResponses=True, identitySource=[])
        ctx = make_ctx()
        with pytest.raises(GatewayError):  # the function reads identitySource[0]: it fails
            await run(anyone, ctx, env)
        assert len(fns.events()) == 2

    asyncio.run(with_invoker(tmp_path, body))


def test_lambda_failures(tmp_path: Path) -> None:
    async def body(env: Env, fns: Functions) -> None:
        steps = lambda_route(enableSimpleResponses=True)
        err = await fails(steps, make_ctx(user("unauth")), env)
        assert seen(err) == (401, "Unauthorized")
        for who in ("boom", "bad"):
            err = await fails(steps, make_ctx(user(who)), env)
            assert seen(err) == (500, "Internal Server Error"), who
        # The function's resource policy must allow the authorizer's ARN...
        refused = lambda_route("nopolicy", enableSimpleResponses=True)
        assert seen(await fails(refused, make_ctx(user("alice")), env)) == (
            500,
            "Internal Server Error",
        )
        # ...unless API Gateway calls it with the authorizer's role.
        role = "arn:aws:iam::123456789012:role/invoker"
        with_role = lambda_route(
            "nopolicy", enableSimpleResponses=True, authorizerCredentialsArn=role
        )
        await run(with_role, make_ctx(user("alice")), env)
        missing = lambda_route("nowhere", enableSimpleResponses=True)
        assert seen(await fails(missing, make_ctx(user("alice")), env))[0] == 500
        count = len(fns.events())
        assert count == 4  # unauth, boom, bad, with_role

    asyncio.run(with_invoker(tmp_path, body))


def test_route_naming_a_missing_authorizer_is_500() -> None:
    route = {"routeKey": "GET /x", "authorizationType": "CUSTOM", "authorizerId": "gone"}
    steps = plan(route, [])
    err = asyncio.run(fails(steps, make_ctx(), Env("localhost", UpstreamPool())))
    assert seen(err) == (500, "Internal Server Error")
    assert plan({"routeKey": "GET /x", "authorizationType": "NONE"}, []) == []


# -- AWS_IAM -----------------------------------------------------------------------------------

KEY, SECRET = "AKIAHTTPAPITEST00001", "s3cr3t-http-api"
NOBODY = "AKIAHTTPAPITEST00002"


def iam_env() -> Env:
    allow = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke",
             "Resource": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/*/GET/orders"}
        ],
    }  # fmt: skip
    users = {
        "alice": {"access_keys": [{"id": KEY, "secret": SECRET}], "policies": [allow]},
        "nobody": {"access_keys": [{"id": NOBODY, "secret": SECRET}]},
    }
    return Env(
        "localhost", UpstreamPool(), auth=AuthRuntime(static_iam=config_index(users, ACCOUNT))
    )


def signed(
    verb: str = "GET",
    path: str = "/orders",
    key: str = KEY,
    region: str = REGION,
    body: bytes = b"",
) -> Context:
    req = AWSRequest(method=verb, url=f"http://{HOST}{path}", data=body, headers={"Host": HOST})
    SigV4Auth(Credentials(key, SECRET), "execute-api", region).add_auth(req)
    headers = [(k, str(v)) for k, v in req.headers.items() if k.lower() != "host"]
    return make_ctx(headers, verb=verb, path=path)


def test_iam_sigv4() -> None:
    env = iam_env()
    steps = plan({"routeKey": "GET /orders", "authorizationType": "AWS_IAM"}, [])

    async def go() -> None:
        ctx = signed()
        await run(steps, ctx, env)
        assert ctx.authorizer is not None
        iam = ctx.authorizer["iam"]
        assert iam["accessKey"] == KEY and iam["accountId"] == ACCOUNT
        assert iam["userArn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
        assert iam["userId"] and iam["callerId"] == iam["userId"]
        assert ctx.identity is not None and ctx.identity["userArn"] == iam["userArn"]
        # No signature, or an identity whose policies do not allow the route: 403 Forbidden.
        assert seen(await fails(steps, make_ctx(), env)) == (403, "Forbidden")
        assert seen(await fails(steps, signed("POST"), env)) == (403, "Forbidden")
        assert seen(await fails(steps, signed(key=NOBODY), env)) == (403, "Forbidden")
        # A signature for another region or a tampered request: AWS's SigV4 texts.
        err = await fails(steps, signed(region="eu-west-1"), env)
        assert err.status_override is None and DEFAULT_STATUS[err.response_type] == 403
        assert err.message == "Credential should be scoped to a valid region. "
        tampered = signed()
        tampered.path = "/orders/other"
        tampered.request.target = "/orders/other"
        err = await fails(steps, tampered, env)
        assert DEFAULT_STATUS[err.response_type] == 403
        assert err.message and err.message.startswith("The request signature we calculated")

    asyncio.run(go())


def test_stages_are_plain_functions_or_awaitables() -> None:
    steps = plan({"routeKey": "GET /orders", "authorizationType": "AWS_IAM"}, [])
    out = steps[0](signed(), iam_env())
    assert out is None and not inspect.isawaitable(out)


# -- end to end through ``frontgate serve`` ----------------------------------------------------

E2E_API = "httpauth01"
ECHO = """
import json
def handler(event, context):
    rc = event["requestContext"]
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"authorizer": rc.get("authorizer"), "version": event["version"]})}
"""
E2E_AUTHORIZER = """
import uuid
def handler(event, context):
    src = event["identitySource"]
    who = src[0] if isinstance(src, list) else src
    if who.startswith("policy-"):
        effect = "Deny" if who == "policy-deny" else "Allow"
        return {"principalId": who, "context": {"user": who},
                "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": effect,
                     "Resource": event["methodArn"]}]}}
    return {"isAuthorized": who != "deny", "context": {"user": who, "nonce": uuid.uuid4().hex}}
"""


@pytest.fixture(scope="module")
def served(gw: Any, issuer: Issuer) -> str:
    from tests.support.access import authorizer_function
    from tests.support.httpapis import lambda_proxy, route, serve_http_api

    echo_uri = authorizer_function(gw, "httpAuthEcho", ECHO)
    echo = echo_uri.split("/functions/")[1].split("/invocations")[0]
    authz = authorizer_function(gw, "httpAuthLambda", E2E_AUTHORIZER)
    authorizers = [
        {"authorizerId": "jw", "name": "jw", "authorizerType": "JWT",
         "identitySource": ["$request.header.Authorization"],
         "jwtConfiguration": {"issuer": issuer.url, "audience": ["client-1"]}},
        {"authorizerId": "la", "name": "la", "authorizerType": "REQUEST",
         "authorizerUri": authz, "authorizerPayloadFormatVersion": "2.0",
         "enableSimpleResponses": True, "authorizerResultTtlInSeconds": 300,
         "identitySource": ["$request.header.x-user"]},
        {"authorizerId": "po", "name": "po", "authorizerType": "REQUEST",
         "authorizerUri": authz, "authorizerPayloadFormatVersion": "1.0",
         "authorizerResultTtlInSeconds": 0, "identitySource": ["$request.header.x-user"]},
    ]  # fmt: skip
    routes = [
        route("GET /open", "echo2"),
        route("GET /jwt", "echo2", "JWT", authorizerId="jw"),
        route("GET /jwt/v1", "echo1", "JWT", authorizerId="jw"),
        route("GET /scoped", "echo2", "JWT", authorizerId="jw",
                   authorizationScopes=["orders/read"]),
        route("GET /simple", "echo2", "CUSTOM", authorizerId="la"),
        route("GET /policy", "echo1", "CUSTOM", authorizerId="po"),
        route("GET /iam", "echo2", "AWS_IAM"),
    ]  # fmt: skip
    integrations = [lambda_proxy("echo2", echo), lambda_proxy("echo1", echo, "1.0")]
    serve_http_api(gw, E2E_API, "/open", routes=routes, integrations=integrations,
                   authorizers=authorizers)  # fmt: skip
    return E2E_API


def call(
    gw: Any, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    status, hdrs, body = gw.request("GET", path, api_id=E2E_API, headers=headers)
    assert hdrs.get("apigw-requestid"), "every HTTP API answer has its request id"
    assert "x-amzn-errortype" not in hdrs
    return status, hdrs, json.loads(body)


def test_e2e_jwt(gw: Any, issuer: Issuer, served: str) -> None:
    token = issuer.token(issuer.claims(groups=["a", "b"], scope="orders/read profile"))
    status, _, body = call(gw, "/jwt", {"Authorization": "Bearer " + token})
    assert status == 200 and body["version"] == "2.0"
    jwt_auth = body["authorizer"]["jwt"]
    assert jwt_auth["claims"]["sub"] == "user-1" and jwt_auth["claims"]["groups"] == "[a b]"
    assert jwt_auth["scopes"] is None  # the route asks for no scope
    status, _, body = call(gw, "/jwt/v1", {"Authorization": token})
    assert status == 200 and body["version"] == "1.0"
    assert body["authorizer"]["claims"]["sub"] == "user-1"
    status, _, body = call(gw, "/scoped", {"Authorization": token})
    assert status == 200 and body["authorizer"]["jwt"]["scopes"] == ["orders/read", "profile"]

    status, headers, body = call(gw, "/jwt")
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert headers["www-authenticate"] == 'Bearer scope=""'
    wrong = issuer.token(issuer.claims(aud="nobody"))
    status, headers, body = call(gw, "/jwt", {"Authorization": wrong})
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert headers["www-authenticate"] == (
        'Bearer scope="" error="invalid_token" '
        'error_description="the token does not have a valid audience"'
    )
    status, headers, body = call(gw, "/scoped", {"Authorization": issuer.token()})
    assert (status, body) == (403, {"message": "Forbidden"})
    assert 'error="insufficient_scope"' in headers["www-authenticate"]


def test_e2e_lambda(gw: Any, served: str) -> None:
    status, _, first = call(gw, "/simple", {"x-user": "alice"})
    assert status == 200 and first["authorizer"]["lambda"]["user"] == "alice"
    status, _, again = call(gw, "/simple", {"x-user": "alice"})
    assert status == 200
    # Cached for 300 s: the function ran once for both requests (same per-call nonce).
    assert again["authorizer"]["lambda"]["nonce"] == first["authorizer"]["lambda"]["nonce"]
    assert call(gw, "/simple", {"x-user": "deny"})[::2] == (403, {"message": "Forbidden"})
    assert call(gw, "/simple")[::2] == (401, {"message": "Unauthorized"})
    status, _, body = call(gw, "/policy", {"x-user": "policy-allow"})
    assert status == 200 and body["version"] == "1.0"
    assert body["authorizer"]["user"] == "policy-allow"
    assert body["authorizer"]["principalId"] == "policy-allow"
    assert call(gw, "/policy", {"x-user": "policy-deny"})[::2] == (403, {"message": "Forbidden"})
    assert call(gw, "/policy", {"x-user": "boom"})[::2] == (
        500,
        {"message": "Internal Server Error"},
    )  # a simple answer to an authorizer that expects a policy


def test_e2e_iam(gw: Any, served: str) -> None:
    from tests.support.access import CONFIG_KEY

    def sign(key: tuple[str, str]) -> dict[str, str]:
        url = f"http://{gw.host(E2E_API)}/iam"
        req = AWSRequest(method="GET", url=url, headers={"Host": gw.host(E2E_API)})
        SigV4Auth(Credentials(*key), "execute-api", REGION).add_auth(req)
        return {k: str(v) for k, v in req.headers.items() if k.lower() != "host"}

    status, _, body = call(gw, "/iam", sign(CONFIG_KEY))
    assert status == 200
    assert body["authorizer"]["iam"]["accessKey"] == CONFIG_KEY[0]
    assert body["authorizer"]["iam"]["userArn"].endswith(":user/carol")
    assert call(gw, "/iam")[::2] == (403, {"message": "Forbidden"})
    assert call(gw, "/iam", sign(("AKIAUNKNOWN000000000", "x")))[::2] == (
        403,
        {"message": "Forbidden"},
    )
