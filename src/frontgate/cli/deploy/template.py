"""Loading a CloudFormation template (YAML with the ``!Ref``-style short forms, or JSON) and the
checks made before any call: known resource types, parameters, references that exist."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class TemplateError(Exception):
    """The template cannot be deployed as written; nothing has been created."""


# The short forms CloudFormation's YAML accepts, as their long ``Fn::`` names.
_SHORT = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "GetAtt",
            "Sub",
            "Join",
            "Select",
            "Split",
            "If",
            "Equals",
            "Not",
            "And",
            "Or",
            "FindInMap",
            "Base64",
            "GetAZs",
            "ImportValue",
            "Cidr",
            "Length",
            "ToJsonString",
        )
    },
}


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads ``!Name value`` as ``{"Fn::Name": value}``."""


def _short_form(loader: _Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = _SHORT.get(suffix)
    if name is None:
        raise TemplateError(f"unknown YAML tag !{suffix} at line {node.start_mark.line + 1}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt":  # !GetAtt Resource.Attribute
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_Loader.add_multi_constructor("!", _short_form)


@dataclass
class Template:
    """The parts of a template that ``frontgate deploy`` reads."""

    path: Path
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)


def load(path: Path) -> Template:
    """Parse ``path`` (YAML or JSON); raise :class:`TemplateError` on a malformed template."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise TemplateError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        doc = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path} is not valid YAML or JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise TemplateError(f"{path}: a template is a mapping with a Resources section")
    resources = doc.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError(f"{path}: the template has no Resources")
    tpl = Template(path=path)
    for section, target in (
        ("Parameters", tpl.parameters),
        ("Mappings", tpl.mappings),
        ("Conditions", tpl.conditions),
        ("Resources", tpl.resources),
        ("Outputs", tpl.outputs),
    ):
        value = doc.get(section) or {}
        if not isinstance(value, dict):
            raise TemplateError(f"{path}: {section} must be a mapping")
        target.update(value)
    for logical, res in tpl.resources.items():
        if not logical.isalnum():
            raise TemplateError(f"resource name {logical} is not alphanumeric")
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            raise TemplateError(f"resource {logical} has no Type")
        props = res.get("Properties", {})
        if not isinstance(props, dict):
            raise TemplateError(f"resource {logical}: Properties must be a mapping")
    return tpl


def dumps(value: Any) -> str:
    """A value for an error message."""
    return json.dumps(value, default=str)


def resolve_parameters(
    tpl: Template, overrides: dict[str, str], pseudo: dict[str, Any]
) -> dict[str, Any]:
    """Parameter values from ``overrides`` or their ``Default``, checked against ``Type``,
    ``AllowedValues`` and ``AllowedPattern``; every failure is reported at once."""
    problems: list[str] = []
    values: dict[str, Any] = {}
    for name in overrides:
        if name not in tpl.parameters:
            problems.append(f"parameter override {name} is not a parameter of the template")
    for name, spec in tpl.parameters.items():
        spec = spec or {}
        if name in overrides:
            raw: Any = overrides[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            problems.append(f"parameter {name} has no Default and no --parameter-overrides value")
            continue
        kind = str(spec.get("Type", "String"))
        if kind == "Number":
            try:
                float(str(raw))
            except ValueError:
                problems.append(f"parameter {name} must be a Number, not {dumps(raw)}")
                continue
            value: Any = str(raw)
        elif kind in ("CommaDelimitedList", "List<Number>") or kind.startswith("List<"):
            value = raw if isinstance(raw, list) else [s.strip() for s in str(raw).split(",")]
        else:
            value = str(raw)
        allowed = spec.get("AllowedValues")
        if allowed is not None and str(raw) not in [str(a) for a in allowed]:
            problems.append(
                f"parameter {name} must be one of {dumps([str(a) for a in allowed])}, "
                f"not {dumps(str(raw))}"
            )
        pattern = spec.get("AllowedPattern")
        if pattern is not None:
            import re

            if not re.fullmatch(str(pattern), str(raw)):
                problems.append(f"parameter {name} must match {pattern}")
        values[name] = value
    if problems:
        raise TemplateError("; ".join(problems))
    return {**pseudo, **values}
