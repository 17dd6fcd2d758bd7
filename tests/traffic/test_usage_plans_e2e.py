"""Issue 5's done-when flow with real clients: boto3 on the admin API, HTTP on the data plane of a
real ``frontgate serve`` — one worker (in-process counters), two workers (node-shared counters),
and Redis (two nodes sharing one config store and one Redis)."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request
from pathlib import Path

import pytest
from tests.support.gateway import Gateway
from tests.traffic.seed import Seeded, caught_up, seed, wait_for_status


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def get(gw: Gateway, s: Seeded, key: str | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {"x-api-key": key} if key is not None else {}
    return gw.request("GET", "/dev/pets", headers=headers, api_id=s.api_id)


def usage(s: Seeded, expect: int, timeout: float = 5.0) -> list[list[int]]:
    """GetUsage for today, polled until it shows ``expect`` (counts are written every second)."""
    deadline = time.monotonic() + timeout
    while True:
        items = s.client.get_usage(usagePlanId=s.plan_id, startDate=today(), endDate=today())
        series = items["items"].get(s.key_id, [[0, 0]])
        if series[0][0] == expect or time.monotonic() > deadline:
            return list(series)
        time.sleep(0.2)


def test_keys_throttle_quota_usage_one_worker(tmp_path: Path) -> None:
    with Gateway(tmp_path) as gw:
        s = seed(gw, rate=1, burst=3, quota=5)
        wait_for_status(gw, s, 403, {"x-api-key": s.key_value + "x"})
        wait_for_status(gw, s, 200, {"x-api-key": s.key_value})  # 1 used
        status, headers, body = get(gw, s)
        assert (status, body) == (403, b'{"message":"Forbidden"}')
        assert headers["x-amzn-errortype"] == "ForbiddenException"
        # The header name is case-insensitive; $context.identity.apiKeyId reaches templates.
        status, headers, body = gw.request("GET", "/dev/pets", api_id=s.api_id,
                                           headers={"X-API-KEY": s.key_value})  # fmt: skip
        assert (status, json.loads(body)) == (200, {"ok": True})  # 2 used
        assert headers["x-key-id"] == s.key_id
        statuses = [get(gw, s, s.key_value)[0] for _ in range(3)]
        assert statuses.count(429) >= 1  # burst 3, rate 1/s: the bucket ran dry
        status, headers, body = get(gw, s, s.key_value)
        if status == 200:
            status, headers, body = get(gw, s, s.key_value)
        assert (status, body) == (429, b'{"message":"Too Many Requests"}')
        assert headers["x-amzn-errortype"] == "TooManyRequestsException"
        assert int(headers["retry-after"]) >= 1
        assert headers["ratelimit-policy"] == '"throttle";q=3;w=3'
        assert headers["ratelimit"].startswith('"throttle";r=0;t=')
        # Spend the rest of the quota slowly enough not to be throttled.
        admitted = 2 + statuses.count(200)
        while admitted < 5:
            time.sleep(1.05)
            if get(gw, s, s.key_value)[0] == 200:
                admitted += 1
        time.sleep(1.05)
        status, headers, body = get(gw, s, s.key_value)
        assert (status, body) == (429, b'{"message":"Limit Exceeded"}')
        assert headers["x-amzn-errortype"] == "LimitExceededException"
        assert headers["ratelimit-policy"] == '"quota";q=5;w=86400'
        # Rejected requests (403s, 429s) consumed nothing: exactly the 5 admitted ones count.
        assert usage(s, 5) == [[5, 0]]
        # Encrypted at rest, yet GetApiKey --include-value still shows the value.
        got = s.client.get_api_key(apiKey=s.key_id, includeValue=True)
        assert got["value"] == s.key_value and "value" not in s.client.get_api_key(apiKey=s.key_id)
        stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
        assert s.key_value.encode() not in stored
        # Throttled, quota and key refusals are counted in the stage's metrics.
        metrics = _scrape(gw)
        assert metrics["frontgate_throttled_total"] >= 2
        assert metrics["frontgate_quota_exceeded_total"] >= 1
        assert metrics["frontgate_unauthorized_total"] >= 2
    log = "".join(gw.lines)
    assert "invalid API key sha256:" in log
    assert s.key_value not in log  # brute-force logging never writes a key value


def test_update_usage_disable_and_stage_throttle(tmp_path: Path) -> None:
    with Gateway(tmp_path) as gw:
        s = seed(gw, rate=100, burst=100, quota=3)
        wait_for_status(gw, s, 200, {"x-api-key": s.key_value})
        assert [get(gw, s, s.key_value)[0] for _ in range(3)] == [200, 200, 429]
        usage(s, 3)
        # UpdateUsage: 2 more requests today; the data plane enforces it at once.
        out = s.client.update_usage(usagePlanId=s.plan_id, keyId=s.key_id, patchOperations=[
            {"op": "replace", "path": "/remaining", "value": "2"}])  # fmt: skip
        assert out["items"][s.key_id][0][1] == 2
        assert [get(gw, s, s.key_value)[0] for _ in range(3)] == [200, 200, 429]
        # A disabled key is refused like an unknown one.
        s.client.update_api_key(apiKey=s.key_id, patchOperations=[
            {"op": "replace", "path": "/enabled", "value": "false"}])  # fmt: skip
        wait_for_status(gw, s, 403, {"x-api-key": s.key_value})
        # Stage default method throttling (*/*) limits a method with no API key too.
        res = s.client.get_resources(restApiId=s.api_id)["items"]
        root = next(r["id"] for r in res if r["path"] == "/")
        s.client.put_method(restApiId=s.api_id, resourceId=root, httpMethod="GET",
                            authorizationType="NONE")  # fmt: skip
        s.client.put_integration(restApiId=s.api_id, resourceId=root, httpMethod="GET",
                                 type="MOCK", requestTemplates={
                                     "application/json": '{"statusCode": 200}'})  # fmt: skip
        s.client.put_integration_response(restApiId=s.api_id, resourceId=root, httpMethod="GET",
                                          statusCode="200")  # fmt: skip
        s.client.create_deployment(restApiId=s.api_id, stageName="dev")
        s.client.update_stage(restApiId=s.api_id, stageName="dev", patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.5"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "2"}])  # fmt: skip
        caught_up(gw)
        codes = [gw.request("GET", "/dev/", api_id=s.api_id)[0] for _ in range(4)]
        assert codes[:2] == [200, 200] and codes[2:] == [429, 429]


def test_account_throttle(tmp_path: Path) -> None:
    with Gateway(tmp_path) as gw:
        s = seed(gw, rate=100, burst=100)
        wait_for_status(gw, s, 200, {"x-api-key": s.key_value})
        s.client.update_account(patchOperations=[
            {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "0.1"},
            {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "2"}])  # fmt: skip
        caught_up(gw)
        codes = [get(gw, s, s.key_value)[0] for _ in range(3)]
        assert codes == [200, 200, 429]


def test_shared_counters_across_two_workers(tmp_path: Path) -> None:
    with Gateway(tmp_path, "--workers", "2") as gw:
        s = seed(gw, rate=1000, burst=1000, quota=20)
        wait_for_status(gw, s, 200, {"x-api-key": s.key_value})
        time.sleep(1.0)  # the other worker polls the store every 0.25 s
        # New connection per request: the kernel spreads them over both workers; with
        # per-worker counters up to 40 would pass.
        codes = [get(gw, s, s.key_value)[0] for _ in range(30)]
        assert codes.count(200) == 19 and codes.count(429) == 11
        assert usage(s, 20) == [[20, 0]]


@pytest.mark.redis
def test_redis_two_nodes_share_quota(tmp_path: Path, redis_url: str) -> None:
    with Gateway(tmp_path, "--redis", redis_url) as a:
        s = seed(a, rate=1000, burst=1000, quota=10)
        with Gateway(tmp_path, "--redis", redis_url) as b:  # same config store, same Redis
            wait_for_status(a, s, 200, {"x-api-key": s.key_value})
            wait_for_status(b, s, 200, {"x-api-key": s.key_value})
            caught_up(a)
            caught_up(b)
            codes = [(a if i % 2 else b).request("GET", "/dev/pets", api_id=s.api_id,
                      headers={"x-api-key": s.key_value})[0] for i in range(12)]  # fmt: skip
            assert codes.count(200) == 8 and codes.count(429) == 4
            status, _, body = get(a, s, s.key_value)
            assert (status, body) == (429, b'{"message":"Limit Exceeded"}')
            assert usage(s, 10) == [[10, 0]]


@pytest.mark.parametrize(("mode", "expect"), [("open", 200), ("closed", 500)])
def test_redis_unreachable(tmp_path: Path, mode: str, expect: int) -> None:
    # Port 9 (discard) is closed on loopback: every connection attempt is refused at once.
    with Gateway(tmp_path, "--redis", "redis://127.0.0.1:9/0", "--redis-failure", mode) as gw:
        s = seed(gw, rate=1, burst=1, quota=1)
        wait_for_status(gw, s, expect, {"x-api-key": s.key_value})
        for _ in range(3):  # no limit is enforced when open; every keyed call fails when closed
            status, _, body = get(gw, s, s.key_value)
            assert status == expect
        if mode == "closed":
            assert body == b'{"message": "Internal server error"}'
        assert get(gw, s)[0] == 403  # the key check itself needs no Redis


def _scrape(gw: Gateway) -> dict[str, float]:
    """Sum each metric family over its series, from the real /metrics text."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{gw.admin_port}/metrics", timeout=10) as r:
        text = r.read().decode()
    sums: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            sums[sample.name] = sums.get(sample.name, 0.0) + sample.value
    return sums
