"""Models (JSON Schema draft 4) compiled to validators once per deployment with fastjsonschema.

A ``$ref`` to another model of the API (``https://apigateway.amazonaws.com/restapis/{id}/models/
{Name}``) is resolved from the same deployment at compile time; nothing is fetched."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

import fastjsonschema

from frontgate.definition.model import Doc

log = logging.getLogger("frontgate.models")

# Validates a decoded body: returns None when valid, else AWS-style validationErrorString text.
BodyCheck = Callable[[Any], str | None]


def _accept(_data: Any) -> str | None:
    return None


class CompiledModels:
    """Validators by model name, compiled on first use (a deployment with 500 models pays only
    for the ones a request validator actually uses)."""

    def __init__(self, models: list[Doc]) -> None:
        self._schemas: dict[str, Any] = {}
        for model in models:
            try:
                self._schemas[str(model["name"])] = json.loads(model.get("schema") or "{}")
            except (ValueError, KeyError):
                log.warning("model %r has an invalid schema; bodies are not validated", model)
        self._compiled: dict[str, BodyCheck] = {}
        # The recipe a validator ships as (snapshot.image): the models' texts and their digest.
        self.source = tuple(
            sorted((str(m.get("name")), str(m.get("schema") or "{}")) for m in models)
        )
        self.digest = hashlib.sha256(repr(self.source).encode()).hexdigest()

    def _resolve(self, uri: str) -> Any:
        name = uri.rstrip("/").rsplit("/", 1)[-1]
        schema = self._schemas.get(name)
        if schema is None:
            raise ValueError(f"model reference {uri} names no model of this API")
        return schema

    def check(self, name: str) -> BodyCheck:
        found = self._compiled.get(name)
        if found is not None:
            return found
        schema = self._schemas.get(name)
        check: BodyCheck = _accept
        if schema is not None:
            try:
                validate = fastjsonschema.compile(
                    schema,
                    handlers={"https": self._resolve, "http": self._resolve},
                    use_default=False,  # validation must never change the body
                )
            except Exception as exc:  # a broken schema must not take the stage down
                log.warning("model %s cannot be compiled (%s); bodies are not validated", name, exc)
            else:
                check = ModelCheck(validate, name, self)
        self._compiled[name] = check
        return check


class ModelCheck:
    """A compiled model as a BodyCheck. It pickles as a recipe — the model's name and the API's
    model texts — and is compiled again where it is loaded, once per process per set of models
    (fastjsonschema's validators are generated code and cannot be pickled)."""

    __slots__ = ("models", "name", "validate")

    def __init__(self, validate: Callable[[Any], Any], name: str, models: CompiledModels) -> None:
        self.validate = validate
        self.name = name
        self.models = models

    def __call__(self, data: Any) -> str | None:
        try:
            self.validate(data)
        except fastjsonschema.JsonSchemaValueException as exc:
            return f"[{exc.message}]"
        return None

    def __reduce__(self) -> tuple[Any, ...]:
        return (model_check, (self.name, self.models.digest, self.models.source))


# Models compiled in this process, by the digest of their texts (bounded: oldest dropped first).
_LOADED: dict[str, CompiledModels] = {}
_LOADED_MAX = 64


def model_check(name: str, digest: str, source: tuple[tuple[str, str], ...]) -> BodyCheck:
    """The validator for model ``name`` of the models ``source`` (a ModelCheck's recipe)."""
    models = _LOADED.get(digest)
    if models is None:
        models = CompiledModels([{"name": n, "schema": text} for n, text in source])
        if len(_LOADED) >= _LOADED_MAX:
            del _LOADED[next(iter(_LOADED))]
        _LOADED[digest] = models
    return models.check(name)
