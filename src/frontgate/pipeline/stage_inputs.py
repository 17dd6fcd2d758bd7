"""What the policy stages need to plan one stage's methods, as the compiler hands it to
``pipeline.plan``: the frozen definition (models, validators, authorizers, policy), where the
stage lives, and per-stage shared state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontgate.definition.model import ApiDefinition


@dataclass(slots=True)
class StageInputs:
    defn: ApiDefinition
    region: str
    account_id: str
    stage_name: str
    variables: dict[str, str]
    # Built lazily by the planners and shared by every method of the stage: compiled models,
    # the resource policy. Used while compiling only (runtime caches live in pipeline.env.Runtime).
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def api_id(self) -> str:
        return str(self.defn.rest_api.get("id", ""))

    def method_arn(self, verb: str, resource_path: str) -> str:
        """``arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}``; the path
        has no leading slash (the root resource gives a trailing slash, as on AWS)."""
        return (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/"
            f"{self.stage_name}/{verb}/{resource_path.lstrip('/')}"
        )

    def memo(self, key: str, build: Any) -> Any:
        """The shared value under ``key``, built once per stage compile by ``build()``."""
        value = self.shared.get(key)
        if value is None:
            value = self.shared[key] = build()
        return value
