"""HTTP API integration subtypes (``integrationSubtype`` of an ``AWS_PROXY`` integration): the
AWS operation each one calls and its request parameters, as AWS's "Integration subtype
reference" lists them (which are required), where each goes in the operation's input (botocore's
member names), and the write-time checks CreateIntegration, UpdateIntegration and ImportApi make.

``check_subtype`` raises ``ValueError`` whose ``str()`` is the ``BadRequestException`` message.
``compile_subtype`` turns a checked integration into ``snapshot.subtypes.SubtypeCall``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from frontgate.definition.model import Doc
from frontgate.snapshot.httpapi import MapOp, Piece
from frontgate.snapshot.subtypes import SubtypeCall, SubtypeParam


@dataclass(frozen=True, slots=True)
class Subtype:
    service: str  # botocore's service name
    operation: str  # botocore's operation name
    # (parameter, required, target in the operation's input); ``Region`` is implied, optional.
    params: tuple[tuple[str, bool, tuple[str | int, ...]], ...]


def _flat(*params: tuple[str, bool]) -> tuple[tuple[str, bool, tuple[str | int, ...]], ...]:
    """Parameters that are members of the input under the same name."""
    return tuple((name, required, (name,)) for name, required in params)


def _entry(*params: tuple[str, bool]) -> tuple[tuple[str, bool, tuple[str | int, ...]], ...]:
    """EventBridge: each parameter is a member of the one entry of ``Entries``."""
    return tuple((name, required, ("Entries", 0, name)) for name, required in params)


def _camel(*params: tuple[str, bool]) -> tuple[tuple[str, bool, tuple[str | int, ...]], ...]:
    """Step Functions: members are camelCase (``StateMachineArn`` is ``stateMachineArn``)."""
    return tuple((name, required, (name[0].lower() + name[1:],)) for name, required in params)


SUBTYPES: dict[str, Subtype] = {
    "EventBridge-PutEvents": Subtype("events", "PutEvents", _entry(
        ("Detail", True), ("DetailType", True), ("Source", True), ("Time", False),
        ("EventBusName", False), ("Resources", False), ("TraceHeader", False),
    )),
    "SQS-SendMessage": Subtype("sqs", "SendMessage", _flat(
        ("QueueUrl", True), ("MessageBody", True), ("DelaySeconds", False),
        ("MessageAttributes", False), ("MessageDeduplicationId", False),
        ("MessageGroupId", False), ("MessageSystemAttributes", False),
    )),
    "SQS-ReceiveMessage": Subtype("sqs", "ReceiveMessage", _flat(
        ("QueueUrl", True), ("AttributeNames", False), ("MaxNumberOfMessages", False),
        ("MessageAttributeNames", False), ("ReceiveRequestAttemptId", False),
        ("VisibilityTimeout", False), ("WaitTimeSeconds", False),
    )),
    "SQS-DeleteMessage": Subtype("sqs", "DeleteMessage", _flat(
        ("ReceiptHandle", True), ("QueueUrl", True),
    )),
    "SQS-PurgeQueue": Subtype("sqs", "PurgeQueue", _flat(("QueueUrl", True))),
    "AppConfig-GetConfiguration": Subtype("appconfig", "GetConfiguration", _flat(
        ("Application", True), ("Environment", True), ("Configuration", True),
        ("ClientId", True), ("ClientConfigurationVersion", False),
    )),
    "Kinesis-PutRecord": Subtype("kinesis", "PutRecord", _flat(
        ("StreamName", True), ("Data", True), ("PartitionKey", True),
        ("SequenceNumberForOrdering", False), ("ExplicitHashKey", False),
    )),
    "StepFunctions-StartExecution": Subtype("stepfunctions", "StartExecution", _camel(
        ("StateMachineArn", True), ("Name", False), ("Input", False),
    )),
    "StepFunctions-StartSyncExecution": Subtype("stepfunctions", "StartSyncExecution", _camel(
        ("StateMachineArn", True), ("Name", False), ("Input", False), ("TraceHeader", False),
    )),
    "StepFunctions-StopExecution": Subtype("stepfunctions", "StopExecution", _camel(
        ("ExecutionArn", True), ("Cause", False), ("Error", False),
    )),
}  # fmt: skip

# Parameters whose value is a JSON object (a map or structure in the operation's input): AWS
# refuses a literal for them, only a selection expression ($request.body.attributes...) will do.
OBJECT_PARAMS = frozenset(("MessageAttributes", "MessageSystemAttributes"))
# A selection expression anywhere in a value: $request..., $context..., $stageVariables...
_SELECTION = re.compile(r"\$\{?(request|context|stageVariables)\.")


def check_subtype(subtype: str, params: object) -> None:
    """AWS's write-time checks of a subtype integration's ``requestParameters``: a known
    subtype, every required parameter, no parameter the operation does not take, and a
    selection expression (not a literal) for the object-valued ones."""
    found = SUBTYPES.get(subtype)
    if found is None:
        raise ValueError(
            f"Operation: {subtype} is not supported. Supported integration subtypes: "
            f"{', '.join(sorted(SUBTYPES))}"
        )
    if not isinstance(params, dict) or not params:
        raise ValueError(
            "RequestParameters are required for integrations with an IntegrationSubtype"
        )
    known = {name: required for name, required, _target in found.params}
    known["Region"] = False
    errors = [
        f"Parameter: {key} is not supported for operation: {subtype}"
        for key in params
        if key not in known
    ]
    for key, value in params.items():
        if not isinstance(value, str) or not value:
            errors.append(f"Invalid source: {value!r} specified for destination: {key}")
        elif key in OBJECT_PARAMS and not _SELECTION.search(value):
            errors.append(f"Invalid source: {value} specified for destination: {key}")
    if errors:
        raise ValueError(
            "Invalid selection expression specified: Validation Result: warnings : [], "
            f"errors : [{', '.join(errors)}]"
        )
    required = [name for name, needed in known.items() if needed]
    if any(name not in params for name in required):
        raise ValueError(
            f"Operation: {subtype} requires enabling passthrough, or defining all of the "
            f"following parameters: {', '.join(required)}"
        )


def compile_subtype(
    doc: Doc,
    region: str,
    compile_value: Callable[[str], tuple[Piece, ...]],
    responses: dict[int, tuple[MapOp, ...]],
) -> SubtypeCall:
    """The call a subtype integration makes; ``compile_value`` compiles a mapping value (stage
    variables resolved), ``responses`` are the integration's compiled response parameters.
    Raises ``ValueError`` when the integration would not pass ``check_subtype``."""
    subtype = str(doc.get("integrationSubtype"))
    params = doc.get("requestParameters") or {}
    check_subtype(subtype, params)
    found = SUBTYPES[subtype]
    compiled = tuple(
        SubtypeParam(name, compile_value(str(params[name])), target, required)
        for name, required, target in found.params
        if name in params
    )
    where = compile_value(str(params["Region"])) if "Region" in params else (("text", region),)
    return SubtypeCall(subtype, found.service, found.operation, compiled, where, responses)
