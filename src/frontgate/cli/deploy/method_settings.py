"""A REST stage's ``MethodSettings`` (CloudFormation's list) as UpdateStage patch operations."""

from __future__ import annotations

from typing import Any

# MethodSetting property -> (patch path suffix, member of the stage's methodSettings)
_FIELDS = {
    "ThrottlingBurstLimit": ("throttling/burstLimit", "throttlingBurstLimit"),
    "ThrottlingRateLimit": ("throttling/rateLimit", "throttlingRateLimit"),
    "MetricsEnabled": ("metrics/enabled", "metricsEnabled"),
    "LoggingLevel": ("logging/loglevel", "loggingLevel"),
    "DataTraceEnabled": ("logging/dataTrace", "dataTraceEnabled"),
    "CachingEnabled": ("caching/enabled", "cachingEnabled"),
    "CacheTtlInSeconds": ("caching/ttlInSeconds", "cacheTtlInSeconds"),
    "CacheDataEncrypted": ("caching/dataEncrypted", "cacheDataEncrypted"),
}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def method_setting_ops(
    current: dict[str, dict[str, Any]], settings: list[dict[str, Any]]
) -> list[dict[str, str]]:
    """Patch operations that bring ``current`` (GetStage's ``methodSettings``) to
    ``settings``. Settings no longer listed are left as they are."""
    ops: list[dict[str, str]] = []
    for setting in settings:
        path = str(setting.get("ResourcePath", "/*"))
        method = str(setting.get("HttpMethod", "*"))
        if path in ("/*", "*"):
            prefix, key = f"/*/{method}", f"*/{method}"
        else:
            prefix = "/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
            key = f"{path.strip('/')}/{method}"
        have = current.get(key) or {}
        for prop, (suffix, member) in _FIELDS.items():
            if prop in setting and have.get(member) != setting[prop]:
                ops.append(
                    {"op": "replace", "path": f"{prefix}/{suffix}", "value": _text(setting[prop])}
                )
    return ops
