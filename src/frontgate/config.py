"""Settings for ``frontgate serve``: defaults, then a config file, then FRONTGATE_* environment
variables, then command-line options — each later source overrides the earlier ones."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    admin_host: str = "127.0.0.1"
    admin_port: int = 9090
    tls_port: int | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    data_dir: str = "./frontgate-data"
    state: str | None = None  # sqlite (default) | sqlite:///path | postgresql://…
    apis: tuple[str, ...] = ()
    stage: str = "dev"
    workers: int = 1
    domain: str = "localhost"
    region: str = "us-east-1"
    account_id: str = "000000000000"
    access_log: str | None = None  # stdout | a file path | None (off)
    admin_access_keys: dict[str, str] = field(default_factory=dict)  # access key → secret
    reload_interval: float = 0.25  # seconds between store generation checks
    shutdown_timeout: float = 10.0
    log_level: str = "info"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()


_INT = {"port", "admin_port", "tls_port", "workers"}
_FLOAT = {"reload_interval", "shutdown_timeout"}


def _coerce(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _INT:
        return int(value)
    if name in _FLOAT:
        return float(value)
    if name == "apis":
        if isinstance(value, str):
            return tuple(v for v in value.split(",") if v)
        return tuple(str(v) for v in value)
    if name == "admin_access_keys":
        if isinstance(value, str):  # "AKID:SECRET,AKID2:SECRET2"
            return dict(pair.split(":", 1) for pair in value.split(",") if ":" in pair)
        return {str(k): str(v) for k, v in dict(value).items()}
    return str(value)


def load_settings(config_file: str | None, cli: dict[str, Any]) -> Settings:
    """Merge the sources. Unknown keys in the config file are an error (typos must not pass)."""
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    path = config_file or os.environ.get("FRONTGATE_CONFIG")
    if path:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        if not isinstance(doc, dict):
            raise ValueError(f"{path}: the config file must be a mapping")
        for key, value in doc.items():
            name = str(key).replace("-", "_")
            if name == "api":
                name = "apis"
            if name not in names:
                raise ValueError(f"{path}: unknown setting {key!r}")
            values[name] = _coerce(name, value)
    for name in names:
        env = os.environ.get("FRONTGATE_" + name.upper())
        if env is not None:
            values[name] = _coerce(name, env)
    for name, value in cli.items():
        if value is not None and name in names:
            values[name] = _coerce(name, value)
    settings = replace(Settings(), **values)
    if settings.workers < 1:
        raise ValueError("--workers must be at least 1")
    return settings
