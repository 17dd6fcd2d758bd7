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


# An integration's ``credentials``: an IAM role (or user) ARN, or ``arn:aws:iam::*:user/*``.
_CREDENTIALS: Final = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|\*):(role|user)/.+")


def valid_credentials(value: str) -> bool:
    """Whether ``value`` is what AWS accepts as an integration's ``credentials`` (it answers
    "Invalid ARN specified in the request" otherwise, even for ``NONE``)."""
    return _CREDENTIALS.fullmatch(value) is not None


@functools.lru_cache(maxsize=1024)
def parse(uri: str) -> ServiceUri | None:
    """The parts of an AWS integration URI, or None when it is not one."""
    m = _ARN.fullmatch(uri)
    if m is None:
        return None
    region, service, kind, target = m.groups()
    return ServiceUri(region, service, kind, target)
