"""Schemas to model documents: named schemas become models, inline ones get generated names."""

from __future__ import annotations

import json
import re
from typing import Any

from frontgate import ids
from frontgate.definition.model import Doc

from .document import AWS_MODEL_URL, LOCAL_SCHEMA_RE, obj_at, rewrite_refs, schema_ref_name
from .errors import Findings

_MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9]+$")  # AWS: "Model name must be alphanumeric".


class ModelRegistry:
    """The API's models by name; ``$ref`` targets are rewritten to AWS's absolute model URLs."""

    def __init__(self, api_id: str, findings: Findings) -> None:
        self.api_id = api_id
        self.findings = findings
        self.models: dict[str, Doc] = {}

    def add_named(self, raw: Any, where: str) -> None:
        for name, schema in obj_at(raw, self.findings, where).items():
            if not _MODEL_NAME_RE.match(name):
                raise self.findings.error(f"model name {name!r} must be alphanumeric", where)
            self._add(name, obj_at(schema, self.findings, f"{where}.{name}"))
        for name, schema in obj_at(raw, self.findings, where).items():
            rewrite_refs(schema, lambda ref, at=f"{where}.{name}": self._check_ref(ref, at))

    def _check_ref(self, ref: str, where: str) -> str:
        match = LOCAL_SCHEMA_RE.match(ref)
        if match and match.group(1) not in self.models:
            raise self.findings.error(f"$ref names unknown model {match.group(1)!r}", where)
        return ref

    def _add(self, name: str, schema: Doc) -> None:
        self.models[name] = {
            "id": ids.short_id(),
            "name": name,
            "contentType": "application/json",
            "schema": json.dumps(rewrite_refs(schema, self._aws_ref)),
        }
        if isinstance(schema.get("description"), str) and schema["description"]:
            self.models[name]["description"] = schema["description"]  # as AWS imports it

    def _aws_ref(self, ref: str) -> str:
        match = LOCAL_SCHEMA_RE.match(ref)
        if not match:
            return ref
        return AWS_MODEL_URL.format(api_id=self.api_id, name=match.group(1))

    def model_for(self, schema: Any, hint: str, where: str) -> str | None:
        """The model name for a request/response schema, creating a model for inline schemas."""
        if not isinstance(schema, dict) or not schema:
            return None
        name = schema_ref_name(schema)
        if name is not None:
            if name not in self.models:
                raise self.findings.error(f"schema $ref names unknown model {name!r}", where)
            return name
        # AWS needs a model to validate against, so an inline schema gets a generated one.
        base = re.sub(r"[^A-Za-z0-9]", "", hint) or "Model"
        name, n = base, 1
        while name in self.models:
            n += 1
            name = f"{base}{n}"
        self._add(name, schema)
        return name

    def documents(self) -> list[Doc]:
        return [self.models[n] for n in sorted(self.models)]
