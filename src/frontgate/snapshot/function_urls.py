"""What the data plane serves a Lambda function URL from: per URL id, an HTTP-API-like stage
(``$default``, one ``ANY`` method on every path, whose integration invokes the function with
the payload format 2.0 event) and the URL's CORS rules. Built by ``compile.function_urls``;
``Snapshot.function_urls`` holds them by URL id; ``pipeline.function_urls`` routes to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frontgate.snapshot.snapshot import Method, Stage


@dataclass(frozen=True, slots=True)
class UrlCors:
    """A function URL's ``Cors`` configuration, names lower-cased where HTTP compares them so."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...]
    max_age: int | None
    allow_credentials: bool

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            UrlCors,
            (self.allow_origins, self.allow_methods, self.allow_headers, self.expose_headers,
             self.max_age, self.allow_credentials),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class FunctionUrl:
    """One function URL, served at ``{urlId}.lambda-url.{stage.region}.{domain}``;
    ``stage.root.methods["ANY"]`` serves every request."""

    url_id: str
    function_arn: str
    auth_type: str  # NONE | AWS_IAM
    stage: Stage
    cors: UrlCors | None = None

    @property
    def method(self) -> Method:
        return self.stage.root.methods["ANY"]

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.url_id, self.function_arn, self.auth_type, self.stage)
        return (FunctionUrl, (*args, self.cors))
