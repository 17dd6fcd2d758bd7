"""Micro-benchmark: what an authorizer adds to one request, through the real pipeline.

Four MOCK methods of one compiled stage are driven through ``Pipeline.run`` in process:
no auth (baseline), a Lambda TOKEN authorizer answered from its result cache, a Cognito
authorizer with the JWKS cached (full RS256 verification each time, and the verified-token
cache hit), and AWS_IAM (SigV4). The figure reported is µs per request above the baseline.

    python bench/micro_auth.py [--n 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from frontgate.auth.jwt import load_jwk
from frontgate.auth.oidc import Issuer
from frontgate.auth.runtime import AuthRuntime
from frontgate.compile.compiler import compile_stage
from frontgate.definition.model import ApiDefinition
from frontgate.functions.invoker import Payload, _json_payload
from frontgate.functions.result import InvokeResult
from frontgate.http.message import Request
from frontgate.iam.identities import config_index
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.pipeline.runner import Pipeline
from frontgate.snapshot.snapshot import Snapshot
from frontgate.upstream.pool import UpstreamPool

ISSUER = "https://issuer.bench/pool"
POOL = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_bench"
HOST = "abc123.execute-api.localhost"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Functions:
    """A stand-in function service for the one invocation that fills the cache. It takes the
    payload as the product's FunctionInvoker does (bytes, or the event as a dict) and answers
    its InvokeResult."""

    async def invoke(
        self, arn: str, payload: Payload, *, source_arn: str | None, timeout: float | None = None
    ) -> InvokeResult:
        event = json.loads(_json_payload(payload))
        doc = {
            "principalId": "u",
            "context": {"k": "v"},
            "policyDocument": {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "execute-api:Invoke",
                        "Resource": event["methodArn"].split("/")[0] + "/*",
                    }
                ]
            },
        }
        return InvokeResult(json.dumps(doc).encode(), None)


def method(auth: str, authorizer: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "httpMethod": "GET",
        "authorizationType": auth,
        "methodIntegration": {
            "type": "MOCK",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "integrationResponses": {"200": {"statusCode": "200"}},
        },
    }
    if authorizer:
        doc["authorizerId"] = authorizer
    return doc


def build() -> tuple[Pipeline, AuthRuntime, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    nums = key.public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "kid": "k1",
        "alg": "RS256",
        "n": b64(nums.n.to_bytes(256, "big")),
        "e": b64(nums.e.to_bytes(3, "big")),
    }
    resources = [{"id": "root", "path": "/"}] + [
        {"id": name, "path": "/" + name, "resourceMethods": {"GET": m}}
        for name, m in (
            ("none", method("NONE")),
            ("lambda", method("CUSTOM", "lam")),
            ("cognito", method("COGNITO_USER_POOLS", "cog")),
            ("iam", method("AWS_IAM")),
        )
    ]
    authorizers = [
        {
            "id": "lam",
            "type": "TOKEN",
            "authorizerUri": "arn:aws:lambda:us-east-1:0:function:a",
            "identitySource": "method.request.header.Authorization",
        },
        {"id": "cog", "type": "COGNITO_USER_POOLS", "providerARNs": [POOL]},
    ]
    defn = ApiDefinition({"id": "abc123", "name": "bench"}, resources, authorizers=authorizers)
    stage = compile_stage(defn, {"stageName": "dev"}, "us-east-1", "000000000000")
    rt = AuthRuntime(issuer_overrides={POOL: ISSUER})
    rt.static_iam = config_index(
        {
            "u": {
                "access_keys": [{"id": "AKIABENCH", "secret": "s"}],
                "policies": [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
            }
        },
        "000000000000",
    )
    jwks = rt.jwks_for(Issuer(ISSUER))
    family, public = load_jwk(jwk)
    jwks.keys = {"k1": (family, "RS256", public)}
    jwks.fetched = jwks.attempted = time.monotonic()
    env = Env(domain="localhost", pool=UpstreamPool(), functions=Functions(), auth=rt)
    pipe = Pipeline(env)
    pipe.swap(Snapshot(1, {("abc123", "dev"): stage}, frozenset({"abc123"})))
    return pipe, rt, key


def token(key: Any) -> str:
    now = int(time.time())
    head = b64(json.dumps({"alg": "RS256", "kid": "k1"}).encode())
    body = b64(
        json.dumps(
            {
                "iss": ISSUER,
                "sub": "s",
                "aud": "c",
                "token_use": "id",
                "iat": now,
                "exp": now + 3600,
            }
        ).encode()
    )
    sig = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64(sig)}"


async def drive(pipe: Pipeline, request: Request, n: int, before: Any = None) -> float:
    for _ in range(50):  # warm up (fills the authorizer cache)
        out = pipe.handle(request)
        if not hasattr(out, "status"):
            out = await out
        assert out.status == 200, (out.status, out.body)
    start = time.perf_counter()
    for _ in range(n):
        if before is not None:
            before()
        out = pipe.run(Context(request, pipe.snapshot, "rid", "ext"))
        if not hasattr(out, "status"):
            out = await out
    return (time.perf_counter() - start) / n * 1e6


def signed_iam() -> Request:
    req = AWSRequest(method="GET", url=f"http://{HOST}/dev/iam", headers={"Host": HOST})
    SigV4Auth(Credentials("AKIABENCH", "s"), "execute-api", "us-east-1").add_auth(req)
    return Request("GET", "/dev/iam", list(req.headers.items()))


async def main(n: int) -> None:
    pipe, rt, key = build()
    tok = token(key)
    base = await drive(pipe, Request("GET", "/dev/none", [("Host", HOST)]), n)
    rows = {
        "Lambda authorizer, cache hit": await drive(
            pipe, Request("GET", "/dev/lambda", [("Host", HOST), ("Authorization", "t")]), n
        ),
        "Cognito/JWT RS256, JWKS cached (full verify)": await drive(
            pipe,
            Request("GET", "/dev/cognito", [("Host", HOST), ("Authorization", tok)]),
            n,
            before=rt.verified.clear,
        ),
        "Cognito/JWT, verified-token cache hit": await drive(
            pipe, Request("GET", "/dev/cognito", [("Host", HOST), ("Authorization", tok)]), n
        ),
        "AWS_IAM SigV4 (header form)": await drive(pipe, signed_iam(), n),
    }
    print(f"baseline MOCK request (no auth): {base:.1f} µs")
    for name, us in rows.items():
        print(f"{name}: {us:.1f} µs/request, +{us - base:.1f} µs over baseline")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    asyncio.run(main(parser.parse_args().n))
