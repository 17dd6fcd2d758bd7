"""Request validation: the method's request validator checks required parameters and/or the body
against its model (compiled once per deployment), before the integration is called."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from frontgate import fastjson
from frontgate.gateway_errors import GatewayError
from frontgate.pipeline.context import Context, StageFn
from frontgate.pipeline.values import query_pairs
from frontgate.snapshot.models import BodyCheck, CompiledModels

if TYPE_CHECKING:
    from frontgate.pipeline.env import Env
    from frontgate.pipeline.stage_inputs import StageInputs


def bad_parameters(names: list[str]) -> GatewayError:
    return GatewayError(
        "BAD_REQUEST_PARAMETERS",
        f"Missing required request parameters: [{', '.join(names)}]",
        "BadRequestException",
        spaced=True,
    )


def bad_body() -> GatewayError:
    return GatewayError(
        "BAD_REQUEST_BODY", "Invalid request body", "BadRequestException", spaced=True
    )


def plan(method: dict[str, Any], inputs: StageInputs) -> list[StageFn]:
    validator_id = method.get("requestValidatorId")
    if not validator_id:
        return []
    validator = next(
        (v for v in inputs.defn.request_validators if v.get("id") == validator_id), None
    )
    if validator is None:
        return []
    stages: list[StageFn] = []
    if validator.get("validateRequestParameters"):
        stage = _parameters_stage(method.get("requestParameters") or {})
        if stage is not None:
            stages.append(stage)
    if validator.get("validateRequestBody") and method.get("requestModels"):
        models: CompiledModels = inputs.memo("models", lambda: CompiledModels(inputs.defn.models))
        checks = {
            str(ctype).lower(): models.check(str(name))
            for ctype, name in method["requestModels"].items()
        }
        stages.append(_body_stage(checks))
    return stages


def _parameters_stage(params: dict[str, Any]) -> StageFn | None:
    # AWS lists missing names headers first, then path, then query strings.
    headers: list[tuple[str, str]] = []
    paths: list[str] = []
    queries: list[str] = []
    for key, required in params.items():
        if not required:
            continue
        _, _, where_name = key.partition("method.request.")
        where, _, name = where_name.partition(".")
        if where == "header":
            headers.append((name.lower(), name))
        elif where == "path":
            paths.append(name)
        elif where in ("querystring", "multivaluequerystring"):
            queries.append(name)
    if not (headers or paths or queries):
        return None
    return CheckParameters(headers, paths, queries)


# The stages are classes rather than closures so that a compiled stage can be shipped to another
# process (snapshot.image): each pickles as its constructor's arguments.


class CheckParameters:
    __slots__ = ("headers", "paths", "queries")

    def __init__(
        self, headers: list[tuple[str, str]], paths: list[str], queries: list[str]
    ) -> None:
        self.headers = headers  # (lower-cased, as declared)
        self.paths = paths
        self.queries = queries

    def __call__(self, ctx: Context, env: Env) -> None:
        missing: list[str] = []
        headers = self.headers
        if headers:
            present = {k.lower() for k, _ in ctx.request.headers}
            missing += [name for lname, name in headers if lname not in present]
        missing += [name for name in self.paths if not ctx.path_params.get(name)]
        queries = self.queries
        if queries:
            given = {k for k, _ in query_pairs(ctx)}
            missing += [name for name in queries if name not in given]
        if missing:
            ctx.validation_error = f"Missing required request parameters: [{', '.join(missing)}]"
            raise bad_parameters(missing)

    def __reduce__(self) -> tuple[Any, ...]:
        return (CheckParameters, (self.headers, self.paths, self.queries))


def _content_type(ctx: Context) -> str:
    for k, v in ctx.request.headers:
        if len(k) == 12 and k.lower() == "content-type":
            return v.split(";", 1)[0].strip().lower()
    return ""


def _body_stage(checks: dict[str, BodyCheck]) -> StageFn:
    default = checks.get("$default")
    if default is None and len(checks) == 1:
        # One model: it applies whatever the Content-Type (AWS's default passthrough mapping).
        default = next(iter(checks.values()))
    return CheckBody(checks, default)


class CheckBody:
    __slots__ = ("checks", "default")

    def __init__(self, checks: dict[str, BodyCheck], default: BodyCheck | None) -> None:
        self.checks = checks  # by lower-cased Content-Type
        self.default = default

    def __call__(self, ctx: Context, env: Env) -> None:
        check = self.checks.get(_content_type(ctx), self.default)
        if check is None:
            return
        body = ctx.request.body
        try:
            # An absent body is validated as an empty object, as AWS does for GETs with a model.
            data = fastjson.loads(body) if body.strip() else {}
            problem = check(data)
        except ValueError as exc:
            ctx.validation_error = f"[Invalid request body: {exc}]"
            raise bad_body() from None
        except RecursionError:
            # Nested deeper than the parser (or a recursive model's validator) can follow.
            ctx.validation_error = "[Invalid request body: JSON nested too deeply]"
            raise bad_body() from None
        if problem is not None:
            ctx.validation_error = problem
            raise bad_body()

    def __reduce__(self) -> tuple[Any, ...]:
        return (CheckBody, (self.checks, self.default))
