"""``frontgate serve``: bind, import ``--api`` files, print the invoke URLs, run the workers."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import sys

from frontgate.config import Settings
from frontgate.serve.bootstrap import (
    InvokeTarget,
    deployed_stages,
    import_api_file,
    unserved_regions,
)
from frontgate.serve.listeners import Listeners, bind
from frontgate.state.keyring import Keyring, KeyringError
from frontgate.state.open import open_store


async def _bootstrap(settings: Settings) -> tuple[list[InvokeTarget], Keyring]:
    """Open the store's keyring (refusing a master key that does not fit the store), import
    the API files; return the invoke-URL lines and the keyring. Raises on a bad file."""
    from frontgate.serve.secrets import prepare_keyring

    store = open_store(settings.state, settings.data_path)
    await store.open()
    try:
        keyring = await prepare_keyring(settings, store)
        if settings.functions_dir:
            from frontgate.admin.lambda_.declared import declare_functions

            await declare_functions(
                store, settings.functions_dir, settings.region, settings.account_id
            )
        for path in settings.apis:
            await import_api_file(store, settings.region, path, settings.stage)
        if others := await unserved_regions(store, {settings.region, *settings.regions}):
            print(
                f"frontgate: the state holds APIs in {', '.join(others)}, which the admin API "
                "does not serve: add them to the regions setting (--regions) to manage them",
                file=sys.stderr,
                flush=True,
            )
        stages = await deployed_stages(store, settings.account_id)
        return stages, keyring
    finally:
        await store.close()


def _bind(what: str, host: str, port: int) -> socket.socket:
    """``bind``, with an error naming the address and the listener it was for."""
    try:
        return bind(host, port)
    except OSError as exc:
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        reason = exc.strerror or str(exc)
        raise OSError(f"cannot listen on {address} for the {what}: {reason}") from None


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


def setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def serve(settings: Settings) -> int:
    from frontgate.admin.lambda_.declared import DeclarationError
    from frontgate.openapi.errors import OpenApiImportError

    setup_logging(settings)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    try:
        stages, keyring = asyncio.run(_bootstrap(settings))
    except (OpenApiImportError, DeclarationError, OSError, KeyringError) as exc:
        print(f"frontgate: {exc}", file=sys.stderr)
        return 2
    try:
        listeners = Listeners(
            data=_bind("data plane (--port)", settings.host, settings.port),
            admin=(
                _bind("admin API (--admin-port)", settings.admin_host, settings.admin_port)
                if settings.admin
                else None
            ),
            tls=(
                _bind("data plane TLS (--tls-port)", settings.host, settings.tls_port)
                if settings.tls_port is not None
                else None
            ),
        )
    except OSError as exc:
        print(f"frontgate: {exc}", file=sys.stderr)
        return 2
    tls = _tls_context(settings)
    _print_banner(settings, listeners, stages)
    from frontgate.serve.supervisor import run_supervised

    try:
        return run_supervised(settings, listeners, tls, keyring)
    finally:
        listeners.close()


def _print_banner(settings: Settings, listeners: Listeners, stages: list[InvokeTarget]) -> None:
    port = listeners.data_port
    host = settings.host if settings.host not in ("0.0.0.0", "::") else "127.0.0.1"
    from frontgate import native

    lines = [
        f"frontgate: data plane http://{host}:{port} (request path {native.mode})",
        (
            f"frontgate: admin API http://{settings.admin_host}:{listeners.admin_port}"
            if listeners.admin_port is not None
            else "frontgate: no admin API (--no-admin): this node serves traffic only"
        ),
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
