"""The API key index compiled into every snapshot: key values, which usage plan binds a key to an
API stage, the plans' throttles and quotas, and the account throttle per region.

API keys, usage plans and the account throttle are live settings on AWS (no redeploy), so they
are compiled at every store generation, never looked up per request.

Timing: the index is a dict keyed by SHA-256 of the key value, not by the value. A dict lookup
compares hashes and then the stored digest with ``==`` (which stops at the first differing
byte), so what its timing could reveal is how much of a *digest* an attacker's guess shares
with a real one — useless without a preimage. The final check of the found record against the
presented value is ``hmac.compare_digest``, constant time in the value.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from typing import Any

from frontgate.counters import Bucket
from frontgate.definition import kinds
from frontgate.state.keyring import Keyring, SecretCache, context
from frontgate.state.store import ConfigStore
from frontgate.traffic.crypto import plain_value

log = logging.getLogger("frontgate.traffic")

# AWS's default account throttle per region (limits.md): 10,000 rps steady, 5,000 burst.
DEFAULT_ACCOUNT_RATE = 10000.0
DEFAULT_ACCOUNT_BURST = 5000.0


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: str
    value: bytes
    enabled: bool

    def __reduce__(self) -> tuple[Any, ...]:  # compiled frozen classes lose dataclass pickling
        return (KeyRecord, (self.id, self.value, self.enabled))


@dataclass(frozen=True, slots=True)
class PlanBinding:
    """One key's usage plan for one API stage, its buckets pre-named for that key."""

    plan_id: str
    region: str
    key_id: str
    key_value: str
    throttle: Bucket | None  # the plan's per-key throttle (shared by all the plan's stages)
    methods: dict[str, Bucket]  # "/pets/GET" -> the plan's per-method throttle for this stage
    quota: tuple[int, str, int] | None  # (limit, period, offset)

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            PlanBinding,
            (self.plan_id, self.region, self.key_id, self.key_value, self.throttle, self.methods,
             self.quota),
        )  # fmt: skip


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


@dataclass(frozen=True, slots=True)
class KeyIndex:
    by_digest: dict[tuple[str, bytes], KeyRecord] = field(default_factory=dict)
    bindings: dict[tuple[str, str, str], PlanBinding] = field(default_factory=dict)
    accounts: dict[str, Bucket] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        return (KeyIndex, (self.by_digest, self.bindings, self.accounts))

    def find(self, region: str, value: str) -> KeyRecord | None:
        raw = value.encode()
        rec = self.by_digest.get((region, hashlib.sha256(raw).digest()))
        if rec is None or not hmac.compare_digest(rec.value, raw):
            return None
        return rec

    def account(self, region: str) -> Bucket:
        bucket = self.accounts.get(region)
        if bucket is None:
            bucket = Bucket("a|" + region, DEFAULT_ACCOUNT_RATE, DEFAULT_ACCOUNT_BURST)
        return bucket


def throttle_bucket(name: str, settings: Any) -> Bucket | None:
    """A bucket from ``{"rateLimit", "burstLimit"}``; no rate means no limit at that level, and
    a missing burst allows one second's worth of requests."""
    if not isinstance(settings, dict) or settings.get("rateLimit") is None:
        return None
    rate = float(settings["rateLimit"])
    burst = settings.get("burstLimit")
    return Bucket(name, rate, float(burst) if burst is not None else max(1.0, rate))


def _quota(plan: dict[str, Any]) -> tuple[int, str, int] | None:
    q = plan.get("quota")
    if not isinstance(q, dict) or q.get("limit") is None:
        return None
    return int(q["limit"]), str(q.get("period") or "DAY"), int(q.get("offset") or 0)


async def build_key_index(
    store: ConfigStore,
    keyring: Keyring | None,
    decrypted: SecretCache | None = None,
) -> KeyIndex:
    """``decrypted`` keeps the values across builds (the caller keeps it); a value that cannot
    be decrypted is logged once, not at every rebuild."""
    by_digest: dict[tuple[str, bytes], KeyRecord] = {}
    values: dict[tuple[str, str], str] = {}
    cache = decrypted if decrypted is not None else SecretCache()
    for region, _parent, doc in await store.list_all(kinds.API_KEY):
        enc = doc.get("_valueEnc")
        value: str | None
        if "value" in doc or not isinstance(enc, str):
            value = plain_value(keyring, doc)  # stored without a keyring
        else:
            doc_id = str(doc.get("id"))
            try:
                value = cache.open(keyring, context(kinds.API_KEY, doc_id), doc_id, enc)
            except Exception:
                # Start-up checked the store's data key, so this is one damaged document: that
                # key never matches (and the data plane keeps serving the others).
                log.error("API key %s cannot be decrypted", doc_id)
                value = ""
        if not value:
            continue
        key_id = str(doc["id"])
        values[region, key_id] = value
        rec = KeyRecord(key_id, value.encode(), bool(doc.get("enabled")))
        by_digest[region, _digest(value)] = rec
    bindings: dict[tuple[str, str, str], PlanBinding] = {}
    for region, _parent, plan in await store.list_all(kinds.USAGE_PLAN):
        plan_id = str(plan["id"])
        stages = plan.get("apiStages") or []
        if not stages:
            continue
        quota = _quota(plan)
        for member in await store.list(region, kinds.USAGE_PLAN_KEY, plan_id):
            key_id = str(member["id"])
            value = values.get((region, key_id))
            if value is None:
                continue
            per_key = throttle_bucket(f"p|{plan_id}|{key_id}", plan.get("throttle"))
            for s in stages:
                api_id, stage = str(s.get("apiId")), str(s.get("stage"))
                methods: dict[str, Bucket] = {}
                for mkey, settings in (s.get("throttle") or {}).items():
                    b = throttle_bucket(f"m|{plan_id}|{key_id}|{api_id}|{stage}|{mkey}", settings)
                    if b is not None:
                        methods[mkey] = b
                bindings[api_id, stage, key_id] = PlanBinding(
                    plan_id, region, key_id, value, per_key, methods, quota
                )
    cache.sweep()
    accounts: dict[str, Bucket] = {}
    for region, _parent, doc in await store.list_all(kinds.ACCOUNT):
        settings = doc.get("throttleSettings")
        bucket = throttle_bucket("a|" + region, settings)
        if bucket is not None:
            accounts[region] = bucket
    return KeyIndex(by_digest, bindings, accounts)
