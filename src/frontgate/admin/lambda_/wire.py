"""Lambda's dialect of the shared rest-json wire layer (``admin/wire``): its error types
(``InvalidRequestContentException`` for what cannot be read, ``ValidationException``), its
texts, and member paths that are the member's own name (``functionName``, nested
``environment.variables``)."""

from __future__ import annotations

from typing import Any, ClassVar, Final

from frontgate.admin.wire.restjson import Dialect
from frontgate.admin.wire.routes import Router
from frontgate.functions.errors import InvalidRequestContent, Validation

SERVICE: Final = "lambda"


class LambdaDialect(Dialect):
    malformed: ClassVar[type[Exception]] = InvalidRequestContent
    invalid: ClassVar[type[Exception]] = Validation
    coral_paths: ClassVar[bool] = False
    body_errors_first: ClassVar[bool] = False
    whole_list_enums: ClassVar[bool] = False

    def wrong_type(self, value: Any, kind: str, where: str) -> str:
        return f"Could not parse request body into json: {where}"

    def out_of_range(self, value: Any, kind: str, where: str) -> str:
        return f"Could not parse request body into json: {where}"

    def bad_json(self, error: str | None) -> str:
        return "Could not parse request body into json"

    def bad_query_number(self, raw: str, wire: str) -> str:
        return f"Invalid value for {wire}: {raw}"


DIALECT: Final = LambdaDialect()


def router(names: frozenset[str] | None = None) -> Router:
    """The router for ``names`` (default: every operation of Lambda's model). A URI label may
    be empty: the model's constraints then refuse it."""
    return Router(SERVICE, names, empty_labels=True)
