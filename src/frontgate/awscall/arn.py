"""An ``AWS`` integration's URI: ``arn:aws:apigateway:{region}:{service}:action/{Action}`` or
``arn:aws:apigateway:{region}:{service}:path/{path}``, where ``{service}`` may carry a
subdomain (``{bucket}.s3``). Parsed once per distinct URI."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

_ARN: Final = re.compile(r"arn:aws[a-z-]*:apigateway:([^:]*):([^:]+):(action|path)/(.*)", re.S)


@dataclass(frozen=True, slots=True)
class ServiceUri:
    region: str
    # The endpoint prefix (sqs, dynamodb, states, runtime.sagemaker), maybe after a subdomain
    # ({bucket}.s3): models.resolve tells them apart.
    service: str
    kind: str  # action | path
    target: str  # the Action, or the path after "path/" (may hold {name} placeholders)


@functools.lru_cache(maxsize=1024)
def parse(uri: str) -> ServiceUri | None:
    """The parts of an AWS integration URI, or None when it is not one."""
    m = _ARN.fullmatch(uri)
    if m is None:
        return None
    region, service, kind, target = m.groups()
    return ServiceUri(region, service, kind, target)
