"""HTTP API integration subtypes, compiled (``Integration.http_mapping`` of an integration with
an ``integrationSubtype``): which AWS operation the route calls and where each of its request
parameters comes from. Built by ``compile.http_subtypes``, read by
``pipeline.integrations.aws_service``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frontgate.snapshot.httpapi import MapOp, Piece


@dataclass(frozen=True, slots=True)
class SubtypeParam:
    """One request parameter (``QueueUrl``, ``Detail``...): its compiled value, and where it
    goes in the operation's input (a path of member names, a number indexing a list)."""

    name: str
    value: tuple[Piece, ...]
    target: tuple[str | int, ...]
    required: bool

    def __reduce__(self) -> tuple[Any, ...]:
        return (SubtypeParam, (self.name, self.value, self.target, self.required))


@dataclass(frozen=True, slots=True)
class SubtypeCall:
    """The AWS operation of a subtype (botocore's service and operation names), its parameters,
    the region to call when no ``Region`` parameter says otherwise (the API's), and the
    integration's response parameter mapping by status code (as ``HttpMapping.responses``)."""

    subtype: str
    service: str
    operation: str
    params: tuple[SubtypeParam, ...]
    region: tuple[Piece, ...]
    responses: dict[int, tuple[MapOp, ...]]

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            SubtypeCall,
            (self.subtype, self.service, self.operation, self.params, self.region,
             self.responses),
        )  # fmt: skip
