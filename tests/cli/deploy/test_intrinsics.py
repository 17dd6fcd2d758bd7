"""Intrinsic functions, the YAML short forms and the creation order, without a node."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from frontgate.cli.deploy.intrinsics import Resolver
from frontgate.cli.deploy.order import creation_order, dependencies
from frontgate.cli.deploy.template import Template, TemplateError, load, resolve_parameters

TEMPLATE = """
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 3}
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
Mappings:
  Sizes: {dev: {mem: 128}, prod: {mem: 1024}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: !Sub "${AWS::StackName}-${Env}"}}
  Key:
    Type: AWS::ApiGateway::ApiKey
    DependsOn: Plan
    Properties:
      Name: !Join ["-", [!Ref Api, !GetAtt Api.RootResourceId]]
  Plan: {Type: AWS::ApiGateway::UsagePlan, Properties: {Description: !Ref Api}}
"""


def _resolver(tmp_path: Path, text: str = TEMPLATE, **overrides: str) -> Resolver:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    tpl = load(path)
    params = resolve_parameters(tpl, overrides, {"AWS::StackName": "st", "AWS::Region": "r"})
    attrs = {"Api": {"RootResourceId": "root1"}}
    return Resolver(tpl, params, {"Api": "api1"}, lambda n, a: attrs[n][a])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Fn::Sub": "${AWS::StackName}-${Env}-${Api}-${Api.RootResourceId}-${!Literal}"},
         "st-dev-api1-root1-${Literal}"),
        ({"Fn::Sub": ["${A}/${Env}", {"A": {"Ref": "Api"}}]}, "x/dev".replace("x", "api1")),
        ({"Fn::Join": [",", [{"Ref": "Api"}, "b"]]}, "api1,b"),
        ({"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}, "b"),
        ({"Fn::Select": [2, {"Ref": "Names"}]}, "c"),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "mem"]}, 128),
        ({"Fn::If": ["IsProd", "big", "small"]}, "small"),
        ({"Fn::If": ["NotProd", "yes", "no"]}, "yes"),
        ({"a": {"Ref": "AWS::NoValue"}, "b": 1}, {"b": 1}),
        ({"Fn::GetAtt": "Api.RootResourceId"}, "root1"),
        ({"Ref": "Size"}, "3"),
    ],
)  # fmt: skip
def test_resolve(tmp_path: Path, value: Any, expected: Any) -> None:
    assert _resolver(tmp_path).resolve(value, "x") == expected


def test_short_forms_and_parameters(tmp_path: Path) -> None:
    resolver = _resolver(tmp_path, Env="prod")
    props = resolver.tpl.resources["Api"]["Properties"]
    assert props == {"Name": {"Fn::Sub": "${AWS::StackName}-${Env}"}}
    assert resolver.resolve(props, "x") == {"Name": "st-prod"}
    assert resolver.resolve({"Fn::If": ["IsProd", "big", "small"]}, "x") == "big"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Ref": "Nope"}, "Ref Nope: no parameter or resource has that name"),
        ({"Fn::Sub": "${Nope.Attr}"}, "Ref Nope.Attr"),
        ({"Fn::Join": ["-"]}, "malformed Fn::Join"),
        ({"Fn::Select": [5, ["a"]]}, "Fn::Select index 5 is out of range"),
        ({"Fn::If": ["Missing", 1, 2]}, "condition Missing is not defined"),
        ({"Fn::GetAZs": ""}, "Fn::GetAZs is not supported"),
        ({"Fn::Join": ["-", [{"a": 1}]]}, "cannot be used as a string"),
    ],
)
def test_errors(tmp_path: Path, value: Any, message: str) -> None:
    with pytest.raises(TemplateError, match=message.replace("(", r"\(").replace("$", r"\$")):
        _resolver(tmp_path).resolve(value, "x")


def test_parameters_checked(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="must be one of"):
        _resolver(tmp_path, Env="qa")
    with pytest.raises(TemplateError, match="must be a Number"):
        _resolver(tmp_path, Size="big")


def test_order_follows_refs_and_depends_on() -> None:
    tpl = Template(
        path=Path("t.yaml"),
        resources={
            "Key": {"Type": "T", "DependsOn": "Plan", "Properties": {"A": {"Ref": "Api"}}},
            "Plan": {"Type": "T", "Properties": {"B": {"Fn::Sub": "${Api.Id}"}}},
            "Api": {"Type": "T"},
        },
    )
    assert creation_order(dependencies(tpl)) == ["Api", "Plan", "Key"]
    tpl.resources["Api"]["Properties"] = {"C": {"Fn::GetAtt": ["Key", "X"]}}
    with pytest.raises(TemplateError, match="circular dependency between resources: Key"):
        creation_order(dependencies(tpl))


def test_malformed_templates(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    for text, message in (
        ("Resources: {}", "has no Resources"),
        ("Resources: {A: {Properties: {}}}", "resource A has no Type"),
        ("Resources: {A-b: {Type: X}}", "is not alphanumeric"),
        ("Resources: {A: {Type: X, Properties: !Bogus 1}}", "unknown YAML tag !Bogus"),
        ("Resources: [", "is not valid YAML"),
    ):
        path.write_text(text)
        with pytest.raises(TemplateError, match=message):
            load(path)
