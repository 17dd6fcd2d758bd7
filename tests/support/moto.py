"""An AWS-compatible server on loopback for the tests of AWS integrations: moto in server mode
(``moto[server]``, a test dependency), started once per test session in a thread of the test
process. Locally a missing moto skips the tests that need it; under CI it fails them
(``tests/conftest.service_unavailable``), like PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MOTO_HINT = "moto's server mode is not installed: pip install 'moto[server]' (in frontgate[test])"

# Any key signs a call moto accepts; these are the ones tests hand the gateway and boto3.
ACCESS_KEY = "AKIDMOTOTESTKEY00001"
SECRET_KEY = "moto-test-secret-key"


def start_moto() -> tuple[Any, str] | None:
    """(server, endpoint URL) of a new moto server on 127.0.0.1 and a free port, or None when
    moto's server mode is not installed."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        return None
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def client(endpoint: str, service: str, region: str = "us-east-1") -> Any:
    """A boto3 client for ``service`` on the moto server (to set up and check state)."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def serve(start: Any) -> Iterator[str]:
    """Generator body of the session fixture: yields the endpoint, stops the server after."""
    started = start_moto()
    if started is None:
        start(MOTO_HINT)
        return
    server, endpoint = started
    try:
        yield endpoint
    finally:
        server.stop()
