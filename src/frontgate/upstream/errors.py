"""Typed failures of an upstream call, one class per way it can go wrong, so the gateway can map
each to its own gateway response (502/504/...) in one place."""

from __future__ import annotations


class UpstreamError(Exception):
    """Base of every error raised by the upstream client."""


class UpstreamConnectError(UpstreamError):
    """No usable connection: DNS failure, refused, reset during connect, TLS handshake or
    certificate verification failure. The message carries the underlying reason."""


class UpstreamTimeout(UpstreamError):
    """The whole call (waiting for a slot, connect, send and full response) missed its deadline."""


class UpstreamProtocolError(UpstreamError):
    """The upstream broke HTTP/1.1: malformed response, or the connection closed mid-response."""


class UpstreamResponseTooLarge(UpstreamError):
    """The response body exceeded the configured maximum; the connection was dropped."""
