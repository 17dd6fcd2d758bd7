"""Secrets a cluster can share: ``frontgate serve`` nodes on one state store decrypt each other's
API keys and IAM secrets (one data key per store, wrapped by the master key every node holds);
a node with another key refuses to start and says what to do; no secret is stored in clear,
the API-key lookup hash is keyed, and rows written in clear by an older version are encrypted
at start-up.

PostgreSQL tests get a fresh database each (``CREATE DATABASE frontgate_<random>``)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from tests.functions.conftest import client
from tests.support.gateway import Gateway, serve_command
from tests.support.postgres import fresh_database, query

REGION = "us-east-1"
# Issue 12: "a key created on one [node] works on the other within 1 s". Keys reach the data
# plane in the snapshot built at each store generation, which every node polls every
# reload_interval: tests/serve/test_reload.py proves on a virtual clock that a change is served
# at the first poll, at most 0.25 s after it is written. Here, between real processes, the
# test checks the key travelled that way (the other node serves it from a newer generation),
# records the latency, and gives up only after HANG seconds, which no slow machine reaches.
HANG = 30.0
PRIVATE_KEY_MARK = "PRIVATE KEY-----"


@pytest.fixture
def pg(postgres_dsn: str) -> Iterator[str]:
    """DSN of a brand-new database on the local server (dropped after the test)."""
    with fresh_database(postgres_dsn) as dsn:
        yield dsn


def _rows(state: str | Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, id, body) of every stored document, read from the database itself."""
    if isinstance(state, Path):
        with sqlite3.connect(state) as conn:
            rows = conn.execute("SELECT kind, id, body FROM docs").fetchall()
    else:
        rows = [tuple(r) for r in query(state, "SELECT kind, id, body FROM docs")]
    return [(str(k), str(i), json.loads(b)) for k, i, b in rows]


def _client(node: Gateway, service: str = "apigateway", **kw: Any) -> Any:
    return client(service, node.admin_port, kw.pop("key", "test"), kw.pop("secret", "test"))


def _key_api(c: Any) -> tuple[str, str]:
    """A deployed API: ``GET /pets`` requires an API key, ``GET /iam`` AWS_IAM; and a usage
    plan on its stage. Returns (api id, plan id)."""
    api_id = c.create_rest_api(name="secrets")["id"]
    root = c.get_resources(restApiId=api_id)["items"][0]["id"]
    for part, auth, key in (("pets", "NONE", True), ("iam", "AWS_IAM", False)):
        res = c.create_resource(restApiId=api_id, parentId=root, pathPart=part)["id"]
        c.put_method(restApiId=api_id, resourceId=res, httpMethod="GET",
                     authorizationType=auth, apiKeyRequired=key)  # fmt: skip
        c.put_integration(restApiId=api_id, resourceId=res, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})  # fmt: skip
        c.put_method_response(restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200")
        c.put_integration_response(
            restApiId=api_id, resourceId=res, httpMethod="GET", statusCode="200",
            responseTemplates={"application/json": '{"ok": true}'},
        )  # fmt: skip
    c.create_deployment(restApiId=api_id, stageName="dev")
    plan_id = c.create_usage_plan(name="plan", apiStages=[{"apiId": api_id, "stage": "dev"}])["id"]
    return api_id, plan_id


def _new_key(c: Any, plan_id: str, name: str) -> dict[str, Any]:
    key: dict[str, Any] = c.create_api_key(name=name, enabled=True)
    c.create_usage_plan_key(usagePlanId=plan_id, keyId=key["id"], keyType="API_KEY")
    return key


def _accepted_after(node: Gateway, api_id: str, value: str, since: float) -> float:
    last = 0
    while (elapsed := time.monotonic() - since) < HANG:
        last = node.request("GET", "/dev/pets", api_id=api_id, headers={"x-api-key": value})[0]
        if last == 200:
            return elapsed
        time.sleep(0.02)
    raise AssertionError(f"API key still refused by the other node after {HANG} s (last {last})")


def _generation(node: Gateway) -> int:
    """The store generation of the snapshot ``node`` serves (its admin status)."""
    url = f"http://127.0.0.1:{node.admin_port}/_frontgate/status"
    with urllib.request.urlopen(url, timeout=10) as r:
        return int(json.load(r)["generation"])


def _iam_call(node: Gateway, api_id: str, key_id: str, secret: str) -> int:
    """A SigV4-signed ``GET /dev/iam`` on ``node``'s data plane."""
    host = node.host(api_id)
    req = AWSRequest(method="GET", url=f"http://{host}/dev/iam", headers={"Host": host})
    SigV4Auth(Credentials(key_id, secret), "execute-api", REGION).add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
    try:
        conn.request("GET", "/dev/iam", headers=dict(req.headers.items()))
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def _iam_user(node: Gateway) -> dict[str, Any]:
    iam = _client(node, "iam")
    iam.create_user(UserName="alice")
    allow = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}  # fmt: skip
    iam.put_user_policy(UserName="alice", PolicyName="invoke", PolicyDocument=json.dumps(allow))
    key: dict[str, Any] = iam.create_access_key(UserName="alice")["AccessKey"]
    return key


def _eventually(probe: Any, want: int) -> None:
    deadline = time.monotonic() + HANG
    got = probe()
    while got != want and time.monotonic() < deadline:
        time.sleep(0.05)
        got = probe()
    assert got == want


def _assert_no_secret_in_clear(
    rows: list[tuple[str, str, dict[str, Any]]], values: list[str]
) -> None:
    text = json.dumps(rows)
    for value in values:
        assert value not in text
    assert PRIVATE_KEY_MARK not in text
    for _kind, _id, body in rows:
        assert "value" not in body and "_secret" not in body and "_privateKeyPem" not in body
        assert "_valueSha256" not in body


@pytest.mark.postgres
def test_two_nodes_share_api_keys_and_iam_secrets(
    pg: str, tmp_path: Path, record_property: Any
) -> None:
    # The first node on an empty store creates the master key and says who else needs it.
    with Gateway(tmp_path / "a", "--state", pg) as a:
        key_file = tmp_path / "a" / "master.key"
        banner = "".join(a.lines)
        assert f"created the master key {key_file}" in banner
        assert "Every other node sharing the store needs the same key" in banner
        # The second node gets the same key (a copy of the file).
        with Gateway(tmp_path / "b", "--state", pg, "--master-key-file", str(key_file)) as b:
            ca, cb = _client(a), _client(b)
            api_id, plan_id = _key_api(ca)
            seen_by_b = _generation(b)
            key = _new_key(ca, plan_id, "from-a")
            since = time.monotonic()
            took = _accepted_after(b, api_id, key["value"], since)
            record_property("a_to_b_seconds", round(took, 3))
            assert _generation(b) > seen_by_b  # through the store's change channel
            assert b.request("GET", "/dev/pets", api_id=api_id)[0] == 403  # no key: refused
            # And the other way round.
            seen_by_a = _generation(a)
            other = _new_key(cb, plan_id, "from-b")
            back = _accepted_after(a, api_id, other["value"], time.monotonic())
            record_property("b_to_a_seconds", round(back, 3))
            assert _generation(a) > seen_by_a
            print(f"API key latency: A->B {took * 1000:.0f} ms, B->A {back * 1000:.0f} ms")
            # GetApiKey(s) answers 200 on both nodes, with the values.
            want = {key["id"]: key["value"], other["id"]: other["value"]}
            for c in (ca, cb):
                items = c.get_api_keys(includeValues=True)["items"]
                assert {k["id"]: k["value"] for k in items} == want
                assert c.get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]
            plan_keys = cb.get_usage_plan_keys(usagePlanId=plan_id)["items"]
            assert {k["id"]: k["value"] for k in plan_keys} == want
            # B disables A's key (decrypt, patch, encrypt again): A refuses it.
            cb.update_api_key(apiKey=key["id"], patchOperations=[
                {"op": "replace", "path": "/enabled", "value": "false"}])  # fmt: skip
            _eventually(lambda: a.request("GET", "/dev/pets", api_id=api_id,
                                          headers={"x-api-key": key["value"]})[0], 403)  # fmt: skip
            assert ca.get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]
            # An IAM key made on A signs requests B's data plane and B's STS accept.
            iam_key = _iam_user(a)
            key_id, secret = iam_key["AccessKeyId"], iam_key["SecretAccessKey"]
            _eventually(lambda: _iam_call(b, api_id, key_id, secret), 200)
            assert _iam_call(b, api_id, key_id, "wrong" + secret[5:]) == 403
            sts = _client(b, "sts", key=key_id, secret=secret)
            assert sts.get_caller_identity()["Arn"].endswith(":user/alice")
            cert = ca.generate_client_certificate(description="mtls")
            assert (
                "BEGIN CERTIFICATE"
                in cb.get_client_certificate(clientCertificateId=cert["clientCertificateId"])[
                    "pemEncodedCertificate"
                ]
            )
            # Nothing of that is in the database in clear.
            rows = _rows(pg)
            _assert_no_secret_in_clear(rows, [key["value"], other["value"], secret])
            stored = {i: body for kind, i, body in rows if kind == "apikey"}
            bare = hashlib.sha256(key["value"].encode()).hexdigest()
            assert stored[key["id"]]["_valueHmac"] not in (bare, "")
            assert {kind for kind, _i, body in rows if any(k.endswith("Enc") for k in body)} == {
                "apikey",
                "iamaccesskey",
                "clientcertificate",
            }
        assert not [line for line in b.lines if "cannot be decrypted" in line]


def _refusal(tmp_path: Path, state: str, env: dict[str, str], *args: str) -> str:
    """Start a node that must refuse: its exit status and what it printed."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FRONTGATE_")}, **env}
    proc = subprocess.run(
        serve_command(tmp_path, "--state", state, *args),
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "data plane http" not in proc.stdout  # nothing was served
    return proc.stderr


@pytest.mark.postgres
def test_node_with_another_key_refuses_to_start(pg: str, tmp_path: Path) -> None:
    cluster_key = base64.b64encode(os.urandom(32)).decode()
    with Gateway(tmp_path / "a", "--state", pg, env={"FRONTGATE_MASTER_KEY": cluster_key}) as a:
        key = _new_key(_client(a), _key_api(_client(a))[1], "k")
        # Another key (from the environment) ...
        other = base64.b64encode(os.urandom(32)).decode()
        err = _refusal(tmp_path / "b", pg, {"FRONTGATE_MASTER_KEY": other})
        assert "is not the key that protects the secrets in this state store" in err
        assert "give this node the same FRONTGATE_MASTER_KEY" in err  # as the store's came
        assert "FRONTGATE_MASTER_KEY (master_key)" in err  # where this node's key came from
        # ... or no key at all: a second node never makes its own.
        err = _refusal(tmp_path / "c", pg, {})
        assert (
            f"this node has no master key ({tmp_path / 'c' / 'master.key'} does not exist)" in err
        )
        assert not (tmp_path / "c" / "master.key").exists()
        # A bad value names the variable.
        err = _refusal(tmp_path / "d", pg, {"FRONTGATE_MASTER_KEY": "short"})
        assert "FRONTGATE_MASTER_KEY (master_key): not a 256-bit key" in err
        # The first node still serves its key.
        assert a.request("GET", "/", api_id="x")[0] != 500
        assert _client(a).get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]


def _old_rows(master: bytes) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Documents as the previous version wrote them: an API key value encrypted directly with
    the node's master.key ("v1:") next to its bare SHA-256, an IAM secret key, a client
    certificate's private key and a domain's private key in clear."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    v1 = (
        "v1:"
        + base64.b64encode(
            nonce + AESGCM(master).encrypt(nonce, b"OldEncryptedKeyValue0000001", b"oldkey1")
        ).decode()
    )
    ts = 1700000000
    return [
        ("us-east-1", "apikey", "oldkey1", {"id": "oldkey1", "name": "old1", "enabled": True,
         "createdDate": ts, "lastUpdatedDate": ts, "stageKeys": [], "_valueEnc": v1,
         "_valueSha256": hashlib.sha256(b"OldEncryptedKeyValue0000001").hexdigest()}),
        ("us-east-1", "apikey", "oldkey2", {"id": "oldkey2", "name": "old2", "enabled": True,
         "createdDate": ts, "lastUpdatedDate": ts, "stageKeys": [],
         "value": "OldPlainKeyValue000000002"}),
        ("global", "iamuser", "bob", {"UserName": "bob", "UserId": "AIDABOB", "Path": "/",
         "Arn": "arn:aws:iam::123456789012:user/bob", "_inline": {}, "_attached": []}),
        ("global", "iamaccesskey", "AKIAOLDPLAINSECRET01", {"UserName": "bob",
         "AccessKeyId": "AKIAOLDPLAINSECRET01", "Status": "Active",
         "CreateDate": "2026-01-01T00:00:00Z", "_secret": "old-plain-secret-key-0123456789"}),
        ("us-east-1", "clientcertificate", "oldcrt", {"clientCertificateId": "oldcrt",
         "pemEncodedCertificate": "-----BEGIN CERTIFICATE-----\n...", "createdDate": ts,
         "expirationDate": ts + 86400, "_privateKeyPem":
         "-----BEGIN PRIVATE KEY-----\nold\n-----END PRIVATE KEY-----\n"}),
    ]  # fmt: skip


async def _seed_old_store(state: str | Path, master: bytes) -> None:
    from frontgate.state.postgres import PostgresStore
    from frontgate.state.sqlite import SqliteStore

    store = SqliteStore(state) if isinstance(state, Path) else PostgresStore(state)
    await store.open()
    try:
        async with store.transaction() as tx:
            for region, kind, id, doc in _old_rows(master):
                await tx.put(region, kind, "", id, doc)
    finally:
        await store.close()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_upgrade_encrypts_rows_an_older_version_stored(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    master = os.urandom(32)  # the node's master.key from the older version
    (data / "master.key").write_text(master.hex() + "\n")
    state: str | Path = (
        data / "frontgate.db" if backend == "sqlite" else request.getfixturevalue("pg")
    )
    asyncio.run(_seed_old_store(state, master))
    args = ("--state", state) if isinstance(state, str) else ()
    # On PostgreSQL the upgraded node is given a new shared key, as a cluster would be: the
    # values its old data-directory master.key encrypted are still converted.
    env = {"FRONTGATE_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()} if args else {}
    with Gateway(data, *args, env=env) as gw:
        c = _client(gw)
        values = {k["id"]: k.get("value") for k in c.get_api_keys(includeValues=True)["items"]}
        assert values == {
            "oldkey1": "OldEncryptedKeyValue0000001",
            "oldkey2": "OldPlainKeyValue000000002",
        }
        # The old IAM key still signs (its secret was encrypted in place, not lost).
        sts = _client(
            gw, "sts", key="AKIAOLDPLAINSECRET01", secret="old-plain-secret-key-0123456789"
        )
        assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/bob"
        # The old keys work on the data plane; a duplicate of an old value is still refused.
        api_id, plan_id = _key_api(c)
        for key_id in values:
            c.create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")
        for value in values.values():
            assert value is not None
            _accepted_after(gw, api_id, value, time.monotonic())
        with pytest.raises(c.exceptions.ConflictException):
            c.create_api_key(name="dup", value="OldPlainKeyValue000000002")
    rows = _rows(state)
    _assert_no_secret_in_clear(
        rows, ["OldEncryptedKeyValue0000001", "OldPlainKeyValue000000002",
               "old-plain-secret-key-0123456789"],
    )  # fmt: skip
    encrypted = {(kind, i): body for kind, i, body in rows}
    assert encrypted["apikey", "oldkey1"]["_valueEnc"].startswith("v2:")
    assert "_valueHmac" in encrypted["apikey", "oldkey2"]
    assert encrypted["clientcertificate", "oldcrt"]["_privateKeyPemEnc"].startswith("v2:")
    assert encrypted["iamaccesskey", "AKIAOLDPLAINSECRET01"]["_secretEnc"].startswith("v2:")


def _rotate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTGATE_")}
    return subprocess.run(
        [sys.executable, "-m", "frontgate", "rotate-key", *args],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


@pytest.mark.postgres
def test_rotate_key_rewraps_while_nodes_serve(pg: str, tmp_path: Path) -> None:
    old_file, new_file = tmp_path / "a" / "master.key", tmp_path / "new.key"
    with Gateway(tmp_path / "a", "--state", pg) as a:
        c = _client(a)
        api_id, plan_id = _key_api(c)
        before = _new_key(c, plan_id, "before")
        done = _rotate("--state", pg, "--master-key-file", str(old_file),
                       "--new-key-file", str(new_file))  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "now wrapped by key id" in done.stdout and str(new_file) in done.stdout
        assert new_file.exists() and oct(new_file.stat().st_mode & 0o777) == "0o600"
        # The running node keeps serving, and writing secrets, with the data key it holds.
        after = _new_key(c, plan_id, "after")
        _accepted_after(a, api_id, after["value"], time.monotonic())
        # A node started with the old key is refused; with the new one it reads everything.
        err = _refusal(tmp_path / "b", pg, {}, "--master-key-file", str(old_file))
        assert "after `frontgate rotate-key`, use the new key" in err
        assert f"from {new_file} on host" in err and "copy that key file to this node" in err
        with Gateway(tmp_path / "c", "--state", pg, "--master-key-file", str(new_file)) as n:
            for key in (before, after):
                _accepted_after(n, api_id, key["value"], time.monotonic())
    # Rotating again with the retired key is refused and changes nothing.
    again = _rotate("--state", pg, "--master-key-file", str(old_file),
                    "--new-key-file", str(tmp_path / "third.key"))  # fmt: skip
    assert again.returncode == 2 and "is not the key that protects this state store" in again.stderr


def test_damaged_key_is_logged_once_not_per_reload(tmp_path: Path) -> None:
    with Gateway(tmp_path) as gw:
        c = _client(gw)
        api_id, plan_id = _key_api(c)
        good, bad = _new_key(c, plan_id, "good"), _new_key(c, plan_id, "bad")
        with sqlite3.connect(tmp_path / "frontgate.db") as db:
            (body,) = db.execute("SELECT body FROM docs WHERE id = ?", (bad["id"],)).fetchone()
            doc = json.loads(body)
            doc["_valueEnc"] = "v2:" + base64.b64encode(os.urandom(60)).decode()
            db.execute("UPDATE docs SET body = ? WHERE kind = 'apikey' AND id = ?",
                       (json.dumps(doc), bad["id"]))  # fmt: skip
            db.execute("UPDATE meta SET value = value + 1 WHERE name = 'generation'")
        for i in range(5):  # five more rebuilds
            c.create_api_key(name=f"more{i}", enabled=True)
        _accepted_after(gw, api_id, good["value"], time.monotonic())
        assert (
            gw.request("GET", "/dev/pets", api_id=api_id, headers={"x-api-key": bad["value"]})[0]
            == 403
        )
    assert sum("cannot be decrypted" in line for line in gw.lines) == 1, "".join(gw.lines)
