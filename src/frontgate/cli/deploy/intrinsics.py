"""CloudFormation's intrinsic functions: ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` (both forms),
``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::FindInMap``, ``Fn::Base64``, ``Fn::If`` and
the condition functions, and the dependencies they create between resources.

A resolver built with ``pending=True`` stands a :class:`Pending` placeholder in for every
resource's ``Ref`` and attributes: resolving the whole template that way before any call finds
every bad reference and malformed function while nothing has been created yet."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from frontgate.cli.deploy.template import Template, TemplateError, dumps

_SUB_VAR = re.compile(r"\$\{([^}!]*)\}|\$\{!([^}]*)\}")
_CONDITION_FNS = ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition")


class _NoValue:
    """``Ref: AWS::NoValue``: the property is removed."""


NO_VALUE: Any = _NoValue()


class Pending(str):
    """A resource's ``Ref`` or attribute before the resource exists (validation pass)."""

    __slots__ = ()


def references(value: Any) -> set[str]:
    """Names that ``value`` refers to through ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub``."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        if len(value) == 1:
            (key, arg), *_ = value.items()
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                if isinstance(arg, list) and arg and isinstance(arg[0], str):
                    found.add(arg[0])
                elif isinstance(arg, str):
                    found.add(arg.split(".", 1)[0])
            elif key == "Fn::Sub":
                text, local = (arg[0], arg[1]) if isinstance(arg, list) and arg else (arg, {})
                if isinstance(text, str):
                    for m in _SUB_VAR.finditer(text):
                        if m.group(1) is not None and m.group(1) not in (local or {}):
                            found.add(m.group(1).split(".", 1)[0])
        for item in value.values():
            found |= references(item)
    return found


class Resolver:
    """Resolves intrinsic functions against parameters, conditions and resources made so far.

    ``refs[logical]`` is a resource's ``Ref`` value, ``attrs(logical, name)`` one of its
    attributes (raising :class:`TemplateError` for an attribute its type does not have)."""

    def __init__(
        self,
        tpl: Template,
        parameters: dict[str, Any],
        refs: dict[str, Any],
        attrs: Callable[[str, str], Any],
    ) -> None:
        self.tpl = tpl
        self.parameters = parameters
        self.refs = refs
        self.attrs = attrs
        self._conditions: dict[str, bool] = {}

    # -- conditions --------------------------------------------------------------------------

    def condition(self, name: str, where: str) -> bool:
        if name not in self._conditions:
            if name not in self.tpl.conditions:
                raise TemplateError(f"{where}: condition {name} is not defined in Conditions")
            self._conditions[name] = False  # a condition naming itself is refused below
            self._conditions[name] = self._truth(
                self.tpl.conditions[name], f"condition {name}", set()
            )
        return self._conditions[name]

    def _truth(self, value: Any, where: str, seen: set[str]) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, dict) and len(value) == 1:
            (fn, arg), *_ = value.items()
            if fn == "Condition" and isinstance(arg, str):
                if arg in seen:
                    raise TemplateError(f"{where}: conditions refer to each other ({arg})")
                if arg not in self.tpl.conditions:
                    raise TemplateError(f"{where}: condition {arg} is not defined in Conditions")
                return self._truth(self.tpl.conditions[arg], where, seen | {arg})
            if fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                left, right = (self.resolve(a, where) for a in arg)
                return str(left) == str(right)
            if fn == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
                return not self._truth(arg[0], where, seen)
            if fn in ("Fn::And", "Fn::Or") and isinstance(arg, list) and 2 <= len(arg) <= 10:
                parts = [self._truth(a, where, seen) for a in arg]
                return all(parts) if fn == "Fn::And" else any(parts)
        raise TemplateError(f"{where}: {dumps(value)} is not a condition")

    # -- values ------------------------------------------------------------------------------

    def resolve(self, value: Any, where: str) -> Any:
        """``value`` with every intrinsic function replaced by its result."""
        if isinstance(value, list):
            items = [self.resolve(v, where) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), *_ = value.items()
            if key == "Ref":
                return self._ref(arg, where)
            if key.startswith("Fn::") or key == "Condition":
                return self._function(key, arg, where)
        out = {k: self.resolve(v, f"{where}.{k}") for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not NO_VALUE}

    def _ref(self, name: Any, where: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if not isinstance(name, str):
            raise TemplateError(f"{where}: Ref takes a name, not {dumps(name)}")
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        if name in self.tpl.resources:  # a resource skipped by its Condition
            raise TemplateError(f"{where}: Ref {name}: the resource is not created (Condition)")
        raise TemplateError(f"{where}: Ref {name}: no parameter or resource has that name")

    def _function(self, fn: str, arg: Any, where: str) -> Any:
        bad = TemplateError(f"{where}: malformed {fn}: {dumps(arg)}")
        if fn == "Fn::GetAtt":
            if isinstance(arg, str):
                arg = arg.split(".", 1)
            if not (
                isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg)
            ):
                raise bad
            return self._getatt(arg[0], arg[1], where)
        if fn == "Fn::Sub":
            return self._sub(arg, where, bad)
        if fn == "Fn::Join":
            if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
                raise bad
            items = self.resolve(arg[1], where)
            if not isinstance(items, list):
                raise bad
            return arg[0].join(str(_scalar(i, where)) for i in items)
        if fn == "Fn::Select":
            if not (isinstance(arg, list) and len(arg) == 2):
                raise bad
            index, items = self.resolve(arg[0], where), self.resolve(arg[1], where)
            if not isinstance(items, list) or not str(index).isdigit():
                raise bad
            if int(index) >= len(items):
                if any(isinstance(i, Pending) for i in items):
                    return Pending(f"{{Fn::Select {index}}}")
                raise TemplateError(f"{where}: Fn::Select index {index} is out of range")
            return items[int(index)]
        if fn == "Fn::Split":
            if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
                raise bad
            text = self.resolve(arg[1], where)
            if isinstance(text, Pending):
                return [text]
            if not isinstance(text, str) or not arg[0]:
                raise bad
            return text.split(arg[0])
        if fn == "Fn::If":
            if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
                raise bad
            chosen = arg[1] if self.condition(arg[0], where) else arg[2]
            return self.resolve(chosen, where)
        if fn in _CONDITION_FNS:
            return self._truth({fn: arg}, where, set())
        if fn == "Fn::FindInMap":
            if not (isinstance(arg, list) and len(arg) == 3):
                raise bad
            top, second, third = (str(self.resolve(a, where)) for a in arg)
            try:
                return self.tpl.mappings[top][second][third]
            except (KeyError, TypeError):
                raise TemplateError(
                    f"{where}: Fn::FindInMap {top}/{second}/{third} not found"
                ) from None
        if fn == "Fn::Base64":
            text = self.resolve(arg, where)
            return base64.b64encode(str(text).encode()).decode()
        if fn == "Fn::ToJsonString":
            return json.dumps(self.resolve(arg, where), separators=(",", ":"))
        raise TemplateError(f"{where}: {fn} is not supported by frontgate deploy")

    def _getatt(self, logical: str, attribute: str, where: str) -> Any:
        if logical not in self.tpl.resources:
            raise TemplateError(f"{where}: Fn::GetAtt {logical}.{attribute}: no such resource")
        if logical not in self.refs:
            raise TemplateError(
                f"{where}: Fn::GetAtt {logical}.{attribute}: the resource is not created "
                "(Condition)"
            )
        return self.attrs(logical, attribute)

    def _sub(self, arg: Any, where: str, bad: TemplateError) -> str:
        local: dict[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[0], str) or not isinstance(arg[1], dict):
                raise bad
            text = arg[0]
            local = {k: self.resolve(v, where) for k, v in arg[1].items()}
        elif isinstance(arg, str):
            text = arg
        else:
            raise bad

        def one(m: re.Match[str]) -> str:
            if m.group(2) is not None:  # ${!Literal}
                return "${" + m.group(2) + "}"
            name = m.group(1).strip()
            if name in local:
                return str(_scalar(local[name], where))
            if "." in name and name.split(".", 1)[0] in self.tpl.resources:
                logical, attribute = name.split(".", 1)
                return str(_scalar(self._getatt(logical, attribute, where), where))
            return str(_scalar(self._ref(name, where), where))

        return _SUB_VAR.sub(one, text)


def _scalar(value: Any, where: str) -> Any:
    if isinstance(value, (dict, list)) or value is NO_VALUE:
        raise TemplateError(f"{where}: {dumps(value)} cannot be used as a string")
    return value
