"""The validation pass (``Plan.make``) without a node: conditions, types, GetAtt names."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontgate.cli.deploy.run import Plan
from frontgate.cli.deploy.template import TemplateError, load

TEMPLATE = """
Parameters:
  Env: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: api}}
  ProdKey:
    Type: AWS::ApiGateway::ApiKey
    Condition: IsProd
    Properties: {Name: !Sub "${Api}-prod"}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: prod}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
Outputs:
  Key:
    Condition: IsProd
    Value: !Ref ProdKey
"""


def _plan(tmp_path: Path, text: str, **overrides: str) -> Plan:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    return Plan.make(load(path), "st", "us-east-1", "123456789012", overrides)


def test_conditions_choose_resources_and_plans_wait_for_stages(tmp_path: Path) -> None:
    # The plan names the stage the deployment makes: it comes after it, without DependsOn.
    assert _plan(tmp_path, TEMPLATE).order == ["Api", "Deployment", "Plan"]
    assert _plan(tmp_path, TEMPLATE, Env="prod").order == ["Api", "ProdKey", "Deployment", "Plan"]


def test_a_skipped_resource_cannot_be_referenced(tmp_path: Path) -> None:
    text = TEMPLATE.replace("    Condition: IsProd\n    Value", "    Value")
    with pytest.raises(TemplateError, match="Ref ProdKey: the resource is not created"):
        _plan(tmp_path, text)


def test_unknown_types_are_all_listed(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  Q: {Type: AWS::SQS::Queue}\n  T: {Type: AWS::SNS::Topic}\n"
        "  A: {Type: AWS::ApiGateway::ApiKey}\n"
    )
    listed = "not supported by frontgate deploy: AWS::SNS::Topic, AWS::SQS::Queue"
    with pytest.raises(TemplateError, match=listed):
        Plan.check_types(load(path))
