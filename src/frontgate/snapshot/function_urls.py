"""What the data plane serves a Lambda function URL from: per URL id, an HTTP-API-like stage
(``$default``, one ``ANY`` method on every path, whose integration invokes the function with
the payload format 2.0 event) and the URL's CORS policy (``pipeline.cors``, as HTTP APIs).
Built by ``compile.function_urls``; ``Snapshot.function_urls`` holds them by URL id;
``pipeline.function_urls`` routes to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frontgate.snapshot.snapshot import Method, Stage


@dataclass(frozen=True, slots=True)
class FunctionUrl:
    """One function URL, served at ``{urlId}.lambda-url.{stage.region}.{domain}``;
    ``stage.root.methods["ANY"]`` serves every request."""

    url_id: str
    function_arn: str
    auth_type: str  # NONE | AWS_IAM
    stage: Stage
    cors: Any = None  # pipeline.cors.CorsPolicy, or None: no CORS handling

    @property
    def method(self) -> Method:
        return self.stage.root.methods["ANY"]

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.url_id, self.function_arn, self.auth_type, self.stage)
        return (FunctionUrl, (*args, self.cors))
