"""The ``frontgate`` command: ``serve`` runs the gateway; ``import``, ``export`` and ``status``
talk to a running node's admin API (``admin_client``), as ``deploy`` does with a CloudFormation
template (``deploy/``); ``logs`` prints a function's log."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from frontgate import __version__
from frontgate.config import load_settings

DEMO_API = Path(__file__).parent.parent / "demo" / "demo-api.yaml"


def _serve_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the gateway (data plane and admin API)")
    p.add_argument("--config", help="YAML config file (keys as the long options)")
    p.add_argument("--host", help="data-plane bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="data-plane port (default 8080; 0 = any free)")
    p.add_argument("--admin-host", help="admin API bind address (default 127.0.0.1)")
    p.add_argument("--admin-port", type=int, help="admin API port (default 9090; 0 = any free)")
    p.add_argument(
        "--no-admin",
        action="store_false",
        dest="admin",
        default=None,
        help="no admin listener: this node only serves traffic (from a shared --state)",
    )
    p.add_argument("--tls-port", type=int, help="also serve the data plane over TLS here")
    p.add_argument("--tls-cert", help="PEM certificate (default: a local development CA's)")
    p.add_argument("--tls-key", help="PEM private key for --tls-cert")
    p.add_argument("--data-dir", help="state directory (default ./frontgate-data)")
    p.add_argument("--state", help="sqlite (default), sqlite:///PATH or postgresql://…")
    p.add_argument(
        "--master-key-file",
        help="the master key every node sharing --state needs (default DATA_DIR/master.key; "
        "or set FRONTGATE_MASTER_KEY)",
    )
    p.add_argument(
        "--api",
        action="append",
        dest="apis",
        metavar="FILE",
        help="import an OpenAPI file and deploy it (repeatable)",
    )
    p.add_argument(
        "--demo", action="store_true", default=None, help="also deploy the bundled demo API"
    )
    p.add_argument("--stage", help="stage for --api files (default dev)")
    p.add_argument(
        "--workers", type=int, help="data-plane processes (default 1; plus one control process)"
    )
    p.add_argument("--domain", help="invoke-URL domain (default localhost)")
    p.add_argument("--region", help="default region (default us-east-1)")
    p.add_argument(
        "--regions", help="further regions the admin API serves (comma-separated; default none)"
    )
    p.add_argument("--account-id", help="account id used in ARNs (default 123456789012)")
    p.add_argument("--access-log", help="stdout or a file: one JSON line per request")
    p.add_argument("--log-level", help="debug, info, warning, error")
    p.add_argument(
        "--otlp-endpoint", help="OTLP/HTTP collector for traces and logs (http://host:4318)"
    )
    p.add_argument(
        "--otlp-logs-endpoint", help="OTLP/HTTP collector for access logs (default: the above; off)"
    )
    p.add_argument(
        "--log-rotate-bytes", type=int, help="rotate stage and function log files at this size"
    )
    p.add_argument(
        "--log-rotate-age", type=float, help="rotate stage and function log files after SECONDS"
    )
    p.add_argument(
        "--max-connections",
        type=int,
        help="open data-plane connections per worker (default: from the open-file limit)",
    )
    p.add_argument(
        "--max-connections-per-client",
        type=int,
        help="open data-plane connections per client address and worker (default 1024; 0 = any)",
    )
    p.add_argument(
        "--header-timeout", type=float, help="seconds to send a request's headers (default 30)"
    )
    p.add_argument(
        "--keepalive-timeout",
        type=float,
        help="seconds an idle client connection is kept open (default 60)",
    )
    p.add_argument("--functions-dir", help="declare every handler directory in DIR as a function")
    p.add_argument("--lambda-endpoint", help="Lambda endpoint URL for function ARNs not local")
    p.add_argument(
        "--aws-endpoint",
        action="append",
        dest="aws_endpoints",
        metavar="SERVICE=URL",
        help="endpoint of an AWS service for AWS integrations (repeatable; default AWS's)",
    )
    p.add_argument(
        "--function-cpus", help="run function workers on these CPUs only (1, 0,2 or 2-5)"
    )
    p.add_argument("--redis", help="redis://host:port/db: share throttle and quota counters")
    p.add_argument(
        "--redis-failure",
        choices=("open", "closed"),
        help="while Redis is unreachable: admit (open, default) or refuse with 500 (closed)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="frontgate", description=__doc__)
    parser.add_argument("--version", action="version", version=f"frontgate {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    from frontgate.observe.top import add_top_command

    add_top_command(sub)
    from frontgate.cli.admin_client import add_remote_commands

    add_remote_commands(sub)
    from frontgate.cli.deploy import add_deploy_command

    add_deploy_command(sub)
    from frontgate.cli.logs import add_logs_command

    add_logs_command(sub)
    from frontgate.serve.secrets import add_rotate_command

    add_rotate_command(sub)
    args = parser.parse_args(argv)
    if args.command == "serve":
        cli = {k: v for k, v in vars(args).items() if k not in ("command", "config")}
        try:
            settings = load_settings(args.config, cli)
        except (ValueError, OSError) as exc:
            print(f"frontgate: {exc}", file=sys.stderr)
            return 2
        if settings.demo and str(DEMO_API) not in settings.apis:
            settings = replace(settings, apis=(*settings.apis, str(DEMO_API)))
        from frontgate.serve.main import serve

        try:
            return serve(settings)
        except KeyboardInterrupt:  # Ctrl-C before the workers handle it: stop, no traceback
            print("frontgate: interrupted", file=sys.stderr)
            return 130
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
