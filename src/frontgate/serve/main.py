"""``frontgate serve``: bind, import ``--api`` files, print the invoke URLs, run the workers."""

from __future__ import annotations

import asyncio
import ssl
import sys

from frontgate.config import Settings
from frontgate.serve.bootstrap import InvokeTarget, deployed_stages, import_api_file
from frontgate.serve.listeners import Listeners, bind
from frontgate.state.open import open_store


async def _bootstrap(settings: Settings) -> list[InvokeTarget]:
    """Import the API files; return the invoke-URL lines. Raises on a bad file."""
    store = open_store(settings.state, settings.data_path)
    await store.open()
    try:
        if settings.functions_dir:
            from frontgate.functions.declared import declare_functions

            await declare_functions(
                store, settings.functions_dir, settings.region, settings.account_id
            )
        for path in settings.apis:
            await import_api_file(store, settings.region, path, settings.stage)
        return await deployed_stages(store, settings.account_id)
    finally:
        await store.close()


def _tls_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.tls_port is None:
        return None
    from frontgate.tls.devca import ensure_dev_certificate, server_ssl_context, trust_instructions

    if settings.tls_cert and settings.tls_key:
        return server_ssl_context(settings.tls_cert, settings.tls_key)
    dev = ensure_dev_certificate(settings.data_path, settings.domain)
    print(
        f"frontgate: TLS certificate from the development CA {dev.ca_path} "
        "(trust that CA to call the HTTPS invoke URLs)",
        flush=True,
    )
    if dev.ca_created:
        print(trust_instructions(dev.ca_path), flush=True)
    return server_ssl_context(str(dev.cert_path), str(dev.key_path))


def serve(settings: Settings) -> int:
    from frontgate.cli import setup_logging
    from frontgate.openapi.errors import OpenApiImportError

    setup_logging(settings)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    try:
        stages = asyncio.run(_bootstrap(settings))
    except (OpenApiImportError, OSError) as exc:
        print(f"frontgate: {exc}", file=sys.stderr)
        return 2
    try:
        listeners = Listeners(
            data=bind(settings.host, settings.port),
            admin=bind(settings.admin_host, settings.admin_port),
            tls=bind(settings.host, settings.tls_port) if settings.tls_port is not None else None,
        )
    except OSError as exc:
        print(f"frontgate: cannot listen: {exc}", file=sys.stderr)
        return 2
    tls = _tls_context(settings)
    _print_banner(settings, listeners, stages)
    from frontgate.serve.supervisor import run_single, run_supervised

    try:
        if settings.workers == 1:
            return run_single(settings, listeners, tls)
        return run_supervised(settings, listeners, tls)
    finally:
        listeners.close()


def _print_banner(settings: Settings, listeners: Listeners, stages: list[InvokeTarget]) -> None:
    port = listeners.data_port
    host = settings.host if settings.host not in ("0.0.0.0", "::") else "127.0.0.1"
    from frontgate import native

    lines = [
        f"frontgate: data plane http://{host}:{port} (request path {native.mode})",
        f"frontgate: admin API http://{settings.admin_host}:{listeners.admin_port}",
    ]
    if listeners.tls_port is not None:
        lines.append(f"frontgate: data plane (TLS) https://{host}:{listeners.tls_port}")
    for target in stages:
        api_id, stage, _name = target.api_id, target.stage, f"({target.api_name})"
        if target.problem is not None:
            lines.append(
                f"frontgate: NOT SERVED {api_id}/{stage} {_name}: its deployment does not "
                f"compile: {target.problem}"
            )
            continue
        lines.append(
            f"frontgate: invoke URL http://{api_id}.execute-api.{settings.domain}:{port}/{stage}/"
            f"  {_name}"
        )
        if listeners.tls_port is not None:
            lines.append(
                f"frontgate: invoke URL https://{api_id}.execute-api.{settings.domain}:"
                f"{listeners.tls_port}/{stage}/"
            )
        lines.append(
            f"frontgate:   (without Host: http://{host}:{port}/_aws/execute-api/{api_id}/{stage}/)"
        )
    print("\n".join(lines), flush=True)
