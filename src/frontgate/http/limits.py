"""Size and time limits of the data-plane HTTP listener. Defaults follow Amazon API Gateway's
REST API quotas (developer guide, "Amazon API Gateway quotas": 10 MB payload, 10,240 bytes of
headers, 10,240-character URLs for regional endpoints) unless noted."""

from __future__ import annotations

from dataclasses import dataclass

MAX_BODY_BYTES = 10 * 1024 * 1024  # REST API payload quota: 10 MB (413 above it).
MAX_HEADER_BYTES = 10_240  # "Total combined size of all header values" quota.
MAX_URL_CHARS = 10_240  # Regional endpoint URL length quota.
# The admin listener (management APIs): Lambda takes a 50 MB zip in CreateFunction's JSON body,
# base64-encoded (~67 MB), and answers RequestEntityTooLargeException above 70,167,211 bytes
# ("Request must be smaller than 70167211 bytes for the CreateFunction operation", AWS-recorded).
ADMIN_MAX_BODY_BYTES = 70_167_211
ADMIN_BODY_TIMEOUT = 300.0  # 70 MB at 250 KB/s.


@dataclass(frozen=True, slots=True)
class Limits:
    max_body_bytes: int = MAX_BODY_BYTES
    max_header_bytes: int = MAX_HEADER_BYTES
    max_url_chars: int = MAX_URL_CHARS
    max_headers: int = 200  # Field count cap; AWS states none, this bounds per-request work.
    header_timeout: float = 30.0  # From the first byte of a request to the end of its headers.
    body_timeout: float = 60.0  # From the end of the headers to the end of the body.
    keepalive_timeout: float = 60.0  # Idle time between requests on a kept-alive connection.
    max_pipelined: int = 32  # Requests queued on one connection before reading pauses.
