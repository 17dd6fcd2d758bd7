"""Settings for ``frontgate serve``: defaults, then a config file, then FRONTGATE_* environment
variables, then command-line options — each later source overrides the earlier ones."""

from __future__ import annotations

import json
import math
import os
import re
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
    # False: no admin listener on this node (it serves traffic only; another node's management
    # API writes the shared store, and this node's control process compiles what it holds).
    admin: bool = True
    tls_port: int | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    data_dir: str = "./frontgate-data"
    state: str | None = None  # sqlite (default) | sqlite:///path | postgresql://…
    # The cluster's master key (frontgate.state.keyring): base64 of 32 bytes (env
    # FRONTGATE_MASTER_KEY, config file), else this file, else {data_dir}/master.key.
    master_key: str | None = field(default=None, repr=False)
    master_key_file: str | None = None
    apis: tuple[str, ...] = ()
    demo: bool = False  # also deploy the bundled demo API
    stage: str = "dev"
    workers: int = 1
    domain: str = "localhost"
    region: str = "us-east-1"
    # Further regions the admin API serves (each its own namespace, as on AWS). A request signed
    # for a region outside region + regions is refused (403), never given a new namespace.
    regions: tuple[str, ...] = ()
    account_id: str = "123456789012"
    access_log: str | None = None  # stdout | a file path | None (off)
    admin_access_keys: dict[str, str] = field(default_factory=dict)  # access key → secret
    reload_interval: float = 0.25  # seconds between store generation checks
    shutdown_timeout: float = 10.0
    log_level: str = "info"
    # COGNITO_USER_POOLS: user pool ARN or id → issuer URL, or {issuer, jwks_url?, audience?}.
    cognito_issuers: dict[str, Any] = field(default_factory=dict)
    # AWS_IAM users declared here: {name: {access_keys: [{id, secret}], policies: [...]}}.
    iam_users: dict[str, Any] = field(default_factory=dict)
    vpce_header: str | None = None  # request header whose value is aws:SourceVpce
    redis: str | None = None  # redis://host:port/db: counters shared by several nodes
    redis_failure: str = "open"  # open | closed: admit or refuse (500) while Redis is down
    usage_flush_interval: float = 1.0  # seconds between writes of usage counts (GetUsage)
    # Functions (frontgate.functions): a directory of handlers to declare, a Lambda endpoint for
    # function ARNs that are not local, and per-function worker limits.
    functions_dir: str | None = None
    lambda_endpoint: str | None = None
    # Concurrent invocations per function and gateway process when unreserved (Lambda: 1,000 per
    # account). A quick handler serves them with a few warm workers (functions/pool.py).
    function_concurrency: int = 100
    function_idle_timeout: float = 300.0  # seconds an idle function worker is kept warm
    # Seconds before a failed asynchronous (Event) invocation's first retry; the second waits
    # twice as long (Lambda: one and two minutes).
    function_retry_delay: float = 60.0
    # CPUs function workers run on ("1", "2-3", "1,3"); default: wherever the gateway runs.
    # Keeps handler code off the cores that serve traffic, as Lambda runs beside API Gateway.
    function_cpus: str | None = None
    # Observability (frontgate.observe): OTLP/HTTP collector for traces, and rotation of the log
    # files stages write (access logs, execution logs).
    otlp_endpoint: str | None = None
    # Where access-log lines go as OTLP LogRecords: default the otlp_endpoint, "off" for none.
    otlp_logs_endpoint: str | None = None
    log_rotate_bytes: int = 100 * 1024 * 1024
    log_rotate_age: float = 86400.0  # seconds
    # Connection limits of the data plane, per worker process (serve/listeners.py): in total
    # (default: derived from the open-file limit) and per client address (0: no cap); and how
    # long a client may take to send a request's headers, or stay idle between requests.
    max_connections: int | None = None
    max_connections_per_client: int = 1024
    header_timeout: float = 30.0
    keepalive_timeout: float = 60.0
    # AWS integrations (frontgate.awscall): service → endpoint URL (else AWS_ENDPOINT_URL_<ID>,
    # AWS_ENDPOINT_URL, then AWS's regional endpoint); role ARN or "*" → {access_key_id,
    # secret_access_key, session_token?} (else botocore's default credential chain).
    aws_endpoints: dict[str, str] = field(default_factory=dict)
    aws_credentials: dict[str, Any] = field(default_factory=dict, repr=False)
    # WebSocket APIs (frontgate.websocket): AWS's idle timeout (10 minutes) and maximum
    # connection duration (2 hours), in seconds.
    websocket_idle_timeout: float = 600.0
    websocket_max_duration: float = 7200.0
    # Slow readers (frontgate.websocket.flow): unsent outbound bytes a connection may hold, how
    # long it may stay over that before it is closed (1008), and how many of its messages may
    # be at their integrations at once (reading pauses at the cap).
    websocket_max_backlog: int = 1024 * 1024
    websocket_stall_timeout: float = 30.0
    websocket_max_in_flight: int = 64
    # With --redis: seconds after which the connections of a worker that stopped answering
    # (its node died) are gone for @connections calls made elsewhere (its heartbeat's TTL).
    websocket_node_ttl: float = 15.0

    @property
    def otlp_logs_url(self) -> str | None:
        url = self.otlp_logs_endpoint or self.otlp_endpoint
        return None if not url or url.lower() in ("off", "none") else url

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()


_INT = {
    "port",
    "admin_port",
    "tls_port",
    "workers",
    "function_concurrency",
    "log_rotate_bytes",
    "max_connections",
    "max_connections_per_client",
    "websocket_max_backlog",
    "websocket_max_in_flight",
}
_FLOAT = {
    "reload_interval",
    "shutdown_timeout",
    "usage_flush_interval",
    "function_idle_timeout",
    "function_retry_delay",
    "log_rotate_age",
    "header_timeout",
    "keepalive_timeout",
    "websocket_idle_timeout",
    "websocket_max_duration",
    "websocket_stall_timeout",
    "websocket_node_ttl",
}
_PORT = {"port", "admin_port", "tls_port"}
_BOOL = {"demo", "admin"}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")
_REGION = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _coerce(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _BOOL:
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in _TRUE + _FALSE:
            return str(value).strip().lower() in _TRUE
        raise ValueError(value)
    if name in _INT:
        number = int(value)
        if name in _PORT and not 0 <= number <= 65535:
            raise ValueError(value)
        return number
    if name in _FLOAT:
        real = float(value)
        if not math.isfinite(real):
            raise ValueError(value)
        return real
    if name == "regions":
        items = value.split(",") if isinstance(value, str) else value
        return tuple(s for s in (str(v).strip() for v in items) if s)
    if name == "apis":
        if isinstance(value, str):
            return tuple(v for v in value.split(",") if v)
        return tuple(str(v) for v in value)
    if name == "aws_endpoints":
        return _endpoints(value)
    if name == "aws_credentials":
        doc = json.loads(value) if isinstance(value, str) else dict(value)
        if not isinstance(doc, dict):
            raise ValueError(value)
        from frontgate.awscall.credentials import parse_configured

        parse_configured(doc)  # a bad entry is refused at start-up (ValueError names it)
        return doc
    if name in ("cognito_issuers", "iam_users"):
        # A mapping in the config file; JSON text from the environment or the command line.
        return json.loads(value) if isinstance(value, str) else dict(value)
    if name == "admin_access_keys":
        if isinstance(value, str):  # "AKID:SECRET,AKID2:SECRET2"
            return dict(pair.split(":", 1) for pair in value.split(",") if ":" in pair)
        return {str(k): str(v) for k, v in dict(value).items()}
    return str(value)


def _endpoints(value: Any) -> dict[str, str]:
    """``{service: url}`` from a mapping, JSON text, or ``SERVICE=URL`` items (the CLI)."""
    if isinstance(value, str):
        value = json.loads(value)
    if isinstance(value, (list, tuple)):
        pairs = [str(item).split("=", 1) for item in value]
        if any(len(p) != 2 or not p[0] or not p[1] for p in pairs):
            raise ValueError(value)
        value = dict(pairs)
    if not isinstance(value, dict):
        raise ValueError(value)
    out = {str(k): str(v) for k, v in value.items()}
    for url in out.values():
        if not url.startswith(("http://", "https://")):
            raise ValueError(value)
    return out


def _setting(name: str, value: Any, source: str) -> Any:
    """``_coerce``, with an error naming where the value came from and what it must be."""
    try:
        return _coerce(name, value)
    except (ValueError, TypeError) as exc:
        if name == "aws_credentials":  # never echo the value: it holds secrets
            why = str(exc) if str(exc).startswith("aws_credentials[") else "a JSON object"
            raise ValueError(f"{source}: must be {why}") from None
        if name == "aws_endpoints":
            what = "a mapping of service to http(s) URL (SERVICE=URL on the command line)"
            source = "--aws-endpoint" if source == "--aws-endpoints" else source  # the flag
            raise ValueError(f"{source}: must be {what}, got {value!r}") from None
        if name in _BOOL:
            what = "true or false (1/0, yes/no, on/off)"
        elif name in _PORT and str(value).strip().lstrip("+-").isdigit():
            what = "a port number (0 to 65535)"
        elif name in _INT:
            what = "an integer"
        elif name in _FLOAT:
            what = "a number"
        else:
            what = "a JSON object" if isinstance(value, str) else "a mapping"
        raise ValueError(f"{source}: must be {what}, got {value!r}") from None


def parse_cpus(text: str) -> frozenset[int]:
    """A CPU list as taskset and cgroups write it: "1", "0,2", "2-5"."""
    cpus: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"function_cpus: {text!r} is not a CPU list such as 1 or 0,2 or 2-5")
        cpus.update(range(int(first), int(last or first) + 1))
    if not cpus:
        raise ValueError("function_cpus: empty CPU list")
    return frozenset(cpus)


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
            values[name] = _setting(name, value, f"{path}: {key}")
    for name in names:
        var = "FRONTGATE_" + name.upper()
        env = os.environ.get(var)
        if env is not None:
            values[name] = _setting(name, env, var)
    for name, value in cli.items():
        if value is not None and name in names:
            values[name] = _setting(name, value, "--" + name.replace("_", "-"))
    settings = replace(Settings(), **values)
    if settings.workers < 1:
        raise ValueError("--workers must be at least 1")
    if settings.admin and not settings.admin_access_keys and not _is_loopback(settings.admin_host):
        # Security by default: an admin API reachable from other machines must verify SigV4.
        raise ValueError(
            f"the admin API would listen on {settings.admin_host}, which is not loopback: "
            "configure admin_access_keys (FRONTGATE_ADMIN_ACCESS_KEYS=AKID:SECRET) first"
        )
    for region in (settings.region, *settings.regions):
        if not _REGION.fullmatch(region):
            raise ValueError(f"region {region!r}: expected a region name such as eu-west-1")
    if settings.max_connections is not None and settings.max_connections < 1:
        raise ValueError("--max-connections must be at least 1")
    if settings.max_connections_per_client < 0:
        raise ValueError("--max-connections-per-client must be 0 (no cap) or more")
    if settings.header_timeout <= 0 or settings.keepalive_timeout <= 0:
        raise ValueError("--header-timeout and --keepalive-timeout must be positive")
    if settings.websocket_max_backlog < 1024 or settings.websocket_max_in_flight < 1:
        raise ValueError("websocket_max_backlog must be >= 1024 and websocket_max_in_flight >= 1")
    if settings.websocket_stall_timeout <= 0:
        raise ValueError("websocket_stall_timeout must be positive")
    if settings.websocket_node_ttl <= 0:
        raise ValueError("websocket_node_ttl must be positive")
    if settings.redis_failure not in ("open", "closed"):
        raise ValueError("--redis-failure must be open or closed")
    if settings.function_cpus:
        cpus = parse_cpus(settings.function_cpus)
        count = os.cpu_count() or 1
        if max(cpus) >= count:
            raise ValueError(
                f"--function-cpus {settings.function_cpus}: this machine has CPUs 0-{count - 1}"
            )
    return settings


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
