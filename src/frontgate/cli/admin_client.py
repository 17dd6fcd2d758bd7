"""CLI commands that drive a running node through its admin API with botocore — the same wire
protocol the AWS CLI uses — so they work against a remote node too."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any

DEFAULT_ADMIN = "http://127.0.0.1:9090"


def node_client(service: str, admin_url: str, region: str, config: Any = None) -> Any:
    """A botocore client for one service of the node's admin API (credentials from the
    environment, else placeholders)."""
    import botocore.session

    session = botocore.session.get_session()
    return session.create_client(
        service,
        endpoint_url=admin_url,
        region_name=region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "frontgate"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "frontgate"),
        config=config,
    )


def _client(args: argparse.Namespace) -> Any:
    if not args.region:  # the node's own region: another one would be refused (403)
        info = _node_info(args.admin_url)
        args.region = str(info.get("region") or "us-east-1") if info else "us-east-1"
    return node_client("apigateway", args.admin_url, args.region)


def node_options(p: argparse.ArgumentParser, region_help: str = "region of the APIs") -> None:
    """``--admin-url`` and ``--region``, the options of every command that drives a node."""
    p.add_argument(
        "--admin-url",
        default=os.environ.get("FRONTGATE_ADMIN_URL", DEFAULT_ADMIN),
        help=f"admin API of the node (default {DEFAULT_ADMIN})",
    )
    p.add_argument(
        "--region",
        default=os.environ.get("AWS_DEFAULT_REGION"),
        help=f"{region_help} (default: AWS_DEFAULT_REGION, else the node's --region)",
    )


def add_remote_commands(sub: Any) -> None:
    p = sub.add_parser("import", help="import an OpenAPI file as a new REST API and deploy it")
    p.add_argument("file")
    p.add_argument("--stage", default="dev", help="stage to deploy to (default dev)")
    node_options(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export a deployed stage as OpenAPI")
    p.add_argument("api_id")
    p.add_argument("--stage", required=True)
    p.add_argument("--type", default="oas30", choices=["oas30", "swagger"])
    p.add_argument("--format", default="yaml", choices=["yaml", "json"])
    p.add_argument("--output", "-o", help="file to write (default stdout)")
    node_options(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "status", help="list APIs (REST, HTTP, WebSocket), stages and invoke URLs of a node"
    )
    node_options(p)
    p.set_defaults(func=cmd_status)


def _fail(exc: Exception) -> int:
    print(f"frontgate: {exc}", file=sys.stderr)
    return 1


def cmd_import(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        body = Path(args.file).read_bytes()
        client = _client(args)
        api = client.import_rest_api(body=body, failOnWarnings=False)
    except (OSError, BotoCoreError, ClientError) as exc:
        return _fail(exc)
    try:
        client.create_deployment(restApiId=api["id"], stageName=args.stage)
    except (BotoCoreError, ClientError) as exc:
        print(
            f"frontgate: imported {args.file} as {api['id']} but NOT deployed: {exc}",
            file=sys.stderr,
        )
        return 1
    info = _node_info(args.admin_url)
    print(f"imported {args.file} as {api['id']} ({api.get('name', '')}), deployed to {args.stage}")
    if info:
        print(_invoke_url(info, api["id"], args.stage))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    accepts = "application/yaml" if args.format == "yaml" else "application/json"
    try:
        resp = _client(args).get_export(
            restApiId=args.api_id,
            stageName=args.stage,
            exportType=args.type,
            parameters={"extensions": "integrations"},
            accepts=accepts,
        )
        data = resp["body"].read()
    except (BotoCoreError, ClientError) as exc:
        return _fail(exc)
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.write(data.decode())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    info = _node_info(args.admin_url)
    try:
        client = _client(args)
        apis = client.get_rest_apis(limit=500).get("items", [])
        rows: list[tuple[str, str, str, str | None, str]] = []
        for api in apis:
            for stage in client.get_stages(restApiId=api["id"]).get("item", []):
                row = (api["id"], api.get("name", ""), stage["stageName"],
                       stage.get("deploymentId"), "REST")  # fmt: skip
                rows.append(row)
        rows += _v2_rows(node_client("apigatewayv2", args.admin_url, args.region))
    except (BotoCoreError, ClientError) as exc:
        return _fail(exc)
    if info:
        print(
            f"node {args.admin_url}: data plane port {info['dataPlanePort']}, "
            f"region {args.region}, snapshot generation {info['generation']}"
        )
        lagging = [w for w in info.get("workers", []) if w["generation"] < info["generation"]]
        print(
            f"control process {info.get('controlPid', '?')}, "
            f"{len(info.get('workers', []))} data-plane workers"
            + (
                ", behind: "
                + ", ".join(f"{w['pid']} (generation {w['generation']})" for w in lagging)
                if lagging
                else ", all serving it"
            )
        )
    if not rows:
        print("no deployed stages")
    broken = {(a, st): why for a, st, why in (info or {}).get("unservable", [])}
    served = {tuple(k) for k in (info or {}).get("stages", [])}
    for api_id, api_name, name, deployment, protocol in rows:
        url = _invoke_url(info, api_id, name, protocol) if info else ""
        why = broken.get((api_id, name))
        if why is not None:
            # Said plainly: listing its URL would claim it is served.
            url = (
                "NOT SERVED, deployment does not compile"
                if (api_id, name) not in served
                else "STILL SERVING ITS PREVIOUS DEPLOYMENT, this one does not compile"
            ) + f": {why}"
        elif deployment is None:
            url = "NOT DEPLOYED"
        print(
            f"{api_id}  {api_name:<24} {name:<12} {protocol:<9} "
            f"deployment {deployment or '-'}  {url}"
        )
    return 1 if broken else 0


def _v2_rows(v2: Any) -> list[tuple[str, str, str, str | None, str]]:
    """(api id, name, stage, deployment id, protocol) of every HTTP and WebSocket API stage."""
    rows: list[tuple[str, str, str, str | None, str]] = []
    token = None
    while True:
        page = v2.get_apis(MaxResults="500", **({"NextToken": token} if token else {}))
        for api in page.get("Items", []):
            for stage in v2.get_stages(ApiId=api["ApiId"], MaxResults="500").get("Items", []):
                row = (api["ApiId"], api.get("Name", ""), stage["StageName"],
                       stage.get("DeploymentId"), api.get("ProtocolType", "HTTP"))  # fmt: skip
                rows.append(row)
        token = page.get("NextToken")
        if not token:
            return rows


def _node_info(admin_url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(admin_url.rstrip("/") + "/_frontgate/status", timeout=5) as r:
            return dict(json.load(r))
    except (OSError, ValueError):
        return None


def _invoke_url(info: dict[str, Any], api_id: str, stage: str, protocol: str = "REST") -> str:
    base = f"{api_id}.execute-api.{info['domain']}:{info['dataPlanePort']}"
    if protocol == "WEBSOCKET":
        return f"ws://{base}/{stage}"
    if protocol == "HTTP" and stage == "$default":
        return f"http://{base}/"  # an HTTP API's $default stage has no path prefix
    return f"http://{base}/{stage}/"
