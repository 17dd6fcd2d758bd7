"""Stage — throttling and quotas, at every level AWS has, in its order: the usage plan's limit for
this method, the plan's per-key limit (both per API key), the stage's limit for this method (or
its ``*/*`` default, which each method gets on its own), then the account's limit for the region.
The plan's quota is checked in the same atomic step; see ``frontgate.traffic.limiter``."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from frontgate.counters import Bucket
from frontgate.pipeline.context import Context
from frontgate.pipeline.env import Env
from frontgate.traffic.keys import throttle_bucket


class Throttle:
    __slots__ = ("method_key", "stage_bucket")

    def __init__(self, method_key: str, stage_bucket: Bucket | None) -> None:
        self.method_key = method_key  # "/pets/GET" as usage plans name methods ("//GET": root)
        self.stage_bucket = stage_bucket

    def __call__(self, ctx: Context, env: Env) -> Awaitable[None] | None:
        limiter = env.limiter
        if limiter is None:
            return None
        binding = ctx.api_key
        buckets: list[Bucket] = []
        if binding is not None:
            if binding.methods:
                per_method = binding.methods.get(self.method_key)
                if per_method is not None:
                    buckets.append(per_method)
            if binding.throttle is not None:
                buckets.append(binding.throttle)
        if self.stage_bucket is not None:
            buckets.append(self.stage_bucket)
        stage = ctx.stage
        assert stage is not None  # route ran first
        return limiter.admit(ctx, buckets, ctx.snapshot.keys.account(stage.region), binding)

    def __reduce__(self) -> tuple[Any, ...]:  # shipped to workers (snapshot.image)
        return (Throttle, (self.method_key, self.stage_bucket))


def plan(api: dict[str, Any], stage: dict[str, Any], resource_path: str,
         method: dict[str, Any]) -> list[Any]:  # fmt: skip
    """The API key check (when required) and the throttle, for one method of one stage."""
    from frontgate.pipeline.api_key import check_api_key

    verb = str(method.get("httpMethod") or "").upper()
    out: list[Any] = [check_api_key] if method.get("apiKeyRequired") else []
    settings = stage.get("methodSettings") or {}
    # UpdateStage stores "pets/{id}/GET" (no leading slash; the root is "/GET") and "*/*".
    entry = settings.get(f"{resource_path.strip('/')}/{verb}") or settings.get("*/*")
    stage_bucket = None
    if entry:
        name = f"s|{api.get('id')}|{stage.get('stageName')}|{resource_path}|{verb}"
        limits = {
            "rateLimit": entry.get("throttlingRateLimit"),
            "burstLimit": entry.get("throttlingBurstLimit"),
        }
        stage_bucket = throttle_bucket(name, limits)
    # Usage plans name methods "/pets/GET"; the root resource is "//GET".
    out.append(Throttle(f"{resource_path}/{verb}", stage_bucket))
    return out


def plan_http(api_id: str, stage: dict[str, Any], route_key: str) -> Throttle:
    """An HTTP API route's throttle: the stage's ``routeSettings[routeKey]`` over its
    ``defaultRouteSettings`` (each route gets its own bucket of the default's size), then the
    account's bucket for the region, shared with REST APIs."""
    settings = {**(stage.get("defaultRouteSettings") or {}),
                **((stage.get("routeSettings") or {}).get(route_key) or {})}  # fmt: skip
    limits = {
        "rateLimit": settings.get("throttlingRateLimit"),
        "burstLimit": settings.get("throttlingBurstLimit"),
    }
    name = f"h|{api_id}|{stage.get('stageName')}|{route_key}"
    return Throttle(route_key, throttle_bucket(name, limits))
