"""``AWS::ApiGateway::RestApi`` (from an inline OpenAPI ``Body`` or empty), ``Deployment`` and
``Stage`` through the ``apigateway`` API.

A REST API made from a ``Body`` carries the tag ``frontgate:body-sha256``: a second run with the
same body leaves the API (and so its deployments) as they are. A ``Deployment`` is made anew
when its API changed this run or its stage has none yet (CloudFormation only redeploys when the
Deployment resource itself changes, the well-known trap; redeploying a changed API is what the
second run is for)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from frontgate.cli.deploy.base import (
    Context,
    Made,
    ResourceType,
    found,
    need,
    refuse,
    register,
)
from frontgate.cli.deploy.method_settings import method_setting_ops
from frontgate.cli.deploy.template import TemplateError

REST_API = "AWS::ApiGateway::RestApi"
DEPLOYMENT = "AWS::ApiGateway::Deployment"
STAGE = "AWS::ApiGateway::Stage"
BODY_TAG = "frontgate:body-sha256"


def cfn_tags(props: dict[str, Any]) -> dict[str, str]:
    """CloudFormation's ``Tags: [{Key, Value}]`` (or a mapping) as a tag map."""
    tags = props.get("Tags") or []
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t["Value"]) for t in tags}


def api_arn(ctx: Context, path: str) -> str:
    return f"arn:aws:apigateway:{ctx.region}::{path}"


def _check_api(logical: str, props: dict[str, Any]) -> None:
    refuse(logical, props, "BodyS3Location", "put the OpenAPI document in Body")
    refuse(logical, props, "CloneFrom", "cloning an API is not supported")
    if "Body" not in props:
        need(logical, props, "Name")


def _body_bytes(body: Any) -> bytes:
    return (body if isinstance(body, str) else json.dumps(body, sort_keys=True)).encode()


def _patch(current: dict[str, Any], wanted: dict[str, Any]) -> list[dict[str, str]]:
    ops: list[dict[str, str]] = []
    for key, value in wanted.items():
        if current.get(key) != value:
            ops.append({"op": "replace", "path": f"/{key}", "value": str(value)})
    return ops


def _esc(media_type: str) -> str:
    return media_type.replace("~", "~0").replace("/", "~1")


def _binary_ops(current: list[str], wanted: list[str]) -> list[dict[str, str]]:
    ops = [
        {"op": "add", "path": f"/binaryMediaTypes/{_esc(t)}"} for t in wanted if t not in current
    ]
    ops += [
        {"op": "remove", "path": f"/binaryMediaTypes/{_esc(t)}"} for t in current if t not in wanted
    ]
    return ops


def sync_tags(
    ctx: Context, client: Any, arn: str, have: dict[str, str], want: dict[str, str]
) -> bool:
    if have == want:
        return False
    client.tag_resource(resourceArn=arn, tags=want)
    gone = [k for k in have if k not in want]
    if gone:
        client.untag_resource(resourceArn=arn, tagKeys=gone)
    return True


def apply_api(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    agw = ctx.client("apigateway")
    api_id = ctx.previous(REST_API, logical)
    tags = {**cfn_tags(props), **ctx.tags(logical)}
    body = props.get("Body")
    if body is not None:
        data = _body_bytes(body)
        tags[BODY_TAG] = hashlib.sha256(data).hexdigest()
        params = {str(k): str(v) for k, v in (props.get("Parameters") or {}).items()}
        fail = bool(props.get("FailOnWarnings", False))
    plain: dict[str, Any] = {}
    for key, wire in (
        ("Name", "name"),
        ("Description", "description"),
        ("ApiKeySourceType", "apiKeySource"),
        ("MinimumCompressionSize", "minimumCompressionSize"),
        ("DisableExecuteApiEndpoint", "disableExecuteApiEndpoint"),
    ):
        if key in props:
            plain[wire] = props[key]
    policy = props.get("Policy")
    if policy is not None:
        plain["policy"] = policy if isinstance(policy, str) else json.dumps(policy)
    binary = [str(t) for t in props.get("BinaryMediaTypes") or []]
    action = "unchanged"
    if api_id is None:
        if body is not None:
            api = agw.import_rest_api(body=data, failOnWarnings=fail, parameters=params)
            api_id = api["id"]
            agw.tag_resource(resourceArn=api_arn(ctx, f"/restapis/{api_id}"), tags=tags)
        else:
            extra: dict[str, Any] = {}
            types = (props.get("EndpointConfiguration") or {}).get("Types")
            if types:
                extra["endpointConfiguration"] = {"types": types}
            if binary:
                extra["binaryMediaTypes"] = binary
            api = agw.create_rest_api(**plain, **extra, tags=tags)
            api_id = api["id"]
        action = "created"
    else:
        current = agw.get_rest_api(restApiId=api_id)
        if body is not None and (current.get("tags") or {}).get(BODY_TAG) != tags[BODY_TAG]:
            agw.put_rest_api(
                restApiId=api_id,
                mode="overwrite",
                body=data,
                failOnWarnings=fail,
                parameters=params,
            )
            action = "updated"
        if sync_tags(
            ctx, agw, api_arn(ctx, f"/restapis/{api_id}"), current.get("tags") or {}, tags
        ):
            action = "updated"
    current = agw.get_rest_api(restApiId=api_id)
    ops = _patch(current, plain) + _binary_ops(current.get("binaryMediaTypes") or [], binary)
    if ops:
        agw.update_rest_api(restApiId=api_id, patchOperations=ops)
        action = "updated" if action == "unchanged" else action
    root = next(
        r["id"]
        for r in agw.get_resources(restApiId=api_id, limit=500)["items"]
        if r.get("path") == "/"
    )
    if action != "unchanged":
        ctx.touched.add(api_id)
    return Made(api_id, {"RestApiId": api_id, "RootResourceId": root}, action)


def _previous_deployment(agw: Any, api_id: str, stage_name: Any) -> dict[str, Any] | None:
    """The deployment an earlier run made: its stage's, or (no stage named) the newest."""
    if not stage_name:
        made = agw.get_deployments(restApiId=api_id, limit=500).get("items", [])
        return max(made, key=lambda d: d["createdDate"]) if made else None
    stage = found(agw.get_stage, restApiId=api_id, stageName=str(stage_name))
    if stage is None or not stage.get("deploymentId"):
        return None
    return dict(agw.get_deployment(restApiId=api_id, deploymentId=stage["deploymentId"]))


def apply_deployment(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    agw = ctx.client("apigateway")
    api_id = str(props["RestApiId"])
    stage_name = props.get("StageName")
    if stage_name:
        ctx.claim(api_id, "stages", str(stage_name))
    if api_id not in ctx.touched:
        previous = _previous_deployment(agw, api_id, stage_name)
        if previous and previous.get("description") == props.get("Description"):
            return Made(previous["id"], {"DeploymentId": previous["id"]})
    args: dict[str, Any] = {"restApiId": api_id}
    if stage_name:
        args["stageName"] = str(stage_name)
    if props.get("Description"):
        args["description"] = str(props["Description"])
    stage_desc = props.get("StageDescription") or {}
    if stage_desc.get("Description"):
        args["stageDescription"] = str(stage_desc["Description"])
    if stage_desc.get("Variables"):
        args["variables"] = {str(k): str(v) for k, v in stage_desc["Variables"].items()}
    if "TracingEnabled" in stage_desc:
        args["tracingEnabled"] = bool(stage_desc["TracingEnabled"])
    dep = agw.create_deployment(**args)
    return Made(dep["id"], {"DeploymentId": dep["id"]}, "created")


def apply_stage(ctx: Context, logical: str, props: dict[str, Any]) -> Made:
    agw = ctx.client("apigateway")
    api_id, name = str(props["RestApiId"]), str(props["StageName"])
    ctx.claim(api_id, "stages", name)
    tags = {**cfn_tags(props), **ctx.tags(logical)}
    variables = {str(k): str(v) for k, v in (props.get("Variables") or {}).items()}
    current = found(agw.get_stage, restApiId=api_id, stageName=name)
    if current is None:
        args: dict[str, Any] = {"restApiId": api_id, "stageName": name, "tags": tags}
        args["deploymentId"] = str(props["DeploymentId"])
        if props.get("Description"):
            args["description"] = str(props["Description"])
        if variables:
            args["variables"] = variables
        if "TracingEnabled" in props:
            args["tracingEnabled"] = bool(props["TracingEnabled"])
        agw.create_stage(**args)
        ops = method_setting_ops({}, props.get("MethodSettings") or [])
        if ops:
            agw.update_stage(restApiId=api_id, stageName=name, patchOperations=ops)
        return Made(name, {}, "created")
    wanted = {"deploymentId": str(props["DeploymentId"])}
    if "Description" in props:
        wanted["description"] = str(props["Description"])
    if "TracingEnabled" in props:
        wanted["tracingEnabled"] = str(bool(props["TracingEnabled"])).lower()
    have = {k: str(v).lower() if isinstance(v, bool) else v for k, v in current.items()}
    ops = _patch(have, wanted)
    old = current.get("variables") or {}
    ops += [
        {"op": "replace", "path": f"/variables/{k}", "value": v}
        for k, v in variables.items()
        if old.get(k) != v
    ]
    ops += [{"op": "remove", "path": f"/variables/{k}"} for k in old if k not in variables]
    settings = props.get("MethodSettings") or []
    ops += method_setting_ops(current.get("methodSettings") or {}, settings)
    action = "unchanged"
    if ops:
        agw.update_stage(restApiId=api_id, stageName=name, patchOperations=ops)
        action = "updated"
    arn = api_arn(ctx, f"/restapis/{api_id}/stages/{name}")
    if sync_tags(
        ctx,
        agw,
        arn,
        {
            k: v
            for k, v in (current.get("tags") or {}).items()
            if not k.startswith("frontgate:unservable")
        },
        tags,
    ):
        action = "updated"
    return Made(name, {}, action)


def _check_deployment(logical: str, props: dict[str, Any]) -> None:
    need(logical, props, "RestApiId")


def _check_stage(logical: str, props: dict[str, Any]) -> None:
    need(logical, props, "RestApiId", "StageName", "DeploymentId")
    if not isinstance(props.get("MethodSettings", []), list):
        raise TemplateError(f"resource {logical}: MethodSettings must be a list")


def discover(ctx: Context) -> None:
    agw = ctx.client("apigateway")
    owned = ctx.owned.setdefault(REST_API, {})
    for page in agw.get_paginator("get_rest_apis").paginate():
        for api in page.get("items", []):
            if ctx.is_ours(api.get("tags")):
                owned[api["tags"].get("frontgate:logical-id", "")] = api["id"]


def sweep(ctx: Context) -> None:
    agw = ctx.client("apigateway")
    for logical, api_id in ctx.owned.get(REST_API, {}).items():
        made = ctx.made.get(logical)
        if ctx.types.get(logical) != REST_API or made is None or made.ref != api_id:
            agw.delete_rest_api(restApiId=api_id)
            ctx.say(f"  deleted {REST_API} {logical} ({api_id})")
            continue
        for stage in agw.get_stages(restApiId=api_id).get("item", []):
            if stage["stageName"] not in ctx.claimed_ids(api_id, "stages"):
                agw.delete_stage(restApiId=api_id, stageName=stage["stageName"])
                ctx.say(f"  deleted stage {stage['stageName']} of {api_id}")


register(
    ResourceType(REST_API, apply_api, frozenset({"RestApiId", "RootResourceId"}), _check_api),
    ResourceType(DEPLOYMENT, apply_deployment, frozenset({"DeploymentId"}), _check_deployment),
    ResourceType(STAGE, apply_stage, frozenset(), _check_stage),
)
