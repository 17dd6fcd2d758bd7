"""The two passes of ``frontgate deploy``: :meth:`Plan.make` checks the whole template with
placeholders standing in for what does not exist yet; :func:`deploy` then makes each resource
in dependency order, deletes what earlier runs made that the template no longer has, and
prints the Outputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Importing the families registers their resource types.
from frontgate.cli.deploy import httpapi, httproutes, lambda_, usage
from frontgate.cli.deploy.base import FAMILIES, REGISTRY, Context, unserved
from frontgate.cli.deploy.intrinsics import NO_VALUE, Pending, Resolver, references
from frontgate.cli.deploy.order import creation_order, dependencies
from frontgate.cli.deploy.template import Template, TemplateError, resolve_parameters

_SWEEP_ORDER = ("apigatewayv2", "apigateway", "lambda")
_MODULES = (httpapi, httproutes, usage, lambda_)


@dataclass
class Plan:
    tpl: Template
    stack: str
    region: str
    account: str
    parameters: dict[str, Any]
    order: list[str]  # resources to make (their Condition holds), in dependency order

    @staticmethod
    def check_types(tpl: Template) -> None:
        unknown = sorted({r["Type"] for r in tpl.resources.values() if r["Type"] not in REGISTRY})
        if unknown:
            raise TemplateError(
                "resource types not supported by frontgate deploy: "
                + ", ".join(unknown)
                + " (supported: "
                + ", ".join(sorted(REGISTRY))
                + ")"
            )

    @classmethod
    def make(
        cls, tpl: Template, stack: str, region: str, account: str, overrides: dict[str, str]
    ) -> Plan:
        cls.check_types(tpl)
        pseudo: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::StackName": stack,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack}/frontgate",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }
        params = resolve_parameters(tpl, overrides, pseudo)
        deps = dependencies(tpl)
        _plan_after_stages(tpl, deps)
        order = creation_order(deps)
        # The validation pass: every resource's Ref and attributes are placeholders.
        refs: dict[str, Any] = {}

        def attrs(logical: str, name: str) -> Any:
            known = REGISTRY[tpl.resources[logical]["Type"]].attributes
            if name not in known:
                raise TemplateError(
                    f"Fn::GetAtt {logical}.{name}: {tpl.resources[logical]['Type']} has no "
                    f"attribute {name} (it has: {', '.join(sorted(known)) or 'none'})"
                )
            return Pending(f"{{{logical}.{name}}}")

        resolver = Resolver(tpl, params, refs, attrs)
        chosen: list[str] = []
        for logical in order:
            res = tpl.resources[logical]
            cond = res.get("Condition")
            if cond is not None and not resolver.condition(str(cond), f"resource {logical}"):
                continue
            refs[logical] = Pending(f"{{{logical}}}")
            chosen.append(logical)
        for logical in chosen:
            res = tpl.resources[logical]
            props = resolver.resolve(res.get("Properties", {}), f"resource {logical}")
            check = REGISTRY[res["Type"]].check
            if check is not None:
                check(logical, props)
        _outputs(resolver, tpl)
        return cls(tpl, stack, region, account, params, chosen)


def _plan_after_stages(tpl: Template, deps: dict[str, set[str]]) -> None:
    """A usage plan names stages by name; CloudFormation needs a DependsOn on the deployment
    that makes them, which templates often forget: the plan waits for them here."""
    for logical, res in tpl.resources.items():
        if res["Type"] != usage.USAGE_PLAN:
            continue
        apis = references(
            [
                s.get("ApiId")
                for s in (res.get("Properties") or {}).get("ApiStages") or []
                if isinstance(s, dict)
            ]
        )
        for other, ores in tpl.resources.items():
            makes_stage = ores["Type"] in ("AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage")
            if makes_stage and references((ores.get("Properties") or {}).get("RestApiId")) & apis:
                deps[logical].add(other)


def _outputs(resolver: Resolver, tpl: Template) -> list[dict[str, str]]:
    outputs = []
    for key, spec in tpl.outputs.items():
        if not isinstance(spec, dict) or "Value" not in spec:
            raise TemplateError(f"output {key} has no Value")
        cond = spec.get("Condition")
        if cond is not None and not resolver.condition(str(cond), f"output {key}"):
            continue
        value = resolver.resolve(spec["Value"], f"output {key}")
        if value is NO_VALUE:
            continue
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if isinstance(value, dict):
            raise TemplateError(f"output {key}: the Value is not a string")
        out = {"OutputKey": key, "OutputValue": str(value)}
        if spec.get("Description"):
            out["Description"] = str(resolver.resolve(spec["Description"], f"output {key}"))
        outputs.append(out)
    return outputs


def deploy(plan: Plan, admin_url: str, say: Callable[[str], None], fmt: str) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    tpl = plan.tpl
    ctx = Context(plan.stack, plan.region, plan.account, admin_url, tpl.path.parent.resolve(), say)
    used = {tpl.resources[n]["Type"] for n in plan.order}
    probes: list[tuple[str, str, dict[str, Any]]] = []
    for logical in plan.order:
        rtype = REGISTRY[tpl.resources[logical]["Type"]]
        if rtype.probes is not None:
            props = tpl.resources[logical].get("Properties", {})
            probes += [p for p in rtype.probes(props) if p not in probes]
    missing = unserved(ctx, probes)
    if missing:
        say(
            f"frontgate deploy: the node at {admin_url} does not serve "
            + ", ".join(missing)
            + ", which this template needs; nothing was created"
        )
        return 2
    swept = []
    # Sweep order: the APIs before the functions they call.
    families = sorted(FAMILIES, key=lambda f: _SWEEP_ORDER.index(f.service))
    for family in families:
        try:
            family.discover(ctx)
            swept.append(family)
        except (BotoCoreError, ClientError) as exc:
            if family.types & used:
                say(f"frontgate deploy: cannot list the node's {family.service} resources: {exc}")
                return 1
            # A node without this service has nothing of the stack's there.
    refs: dict[str, Any] = {}

    def attrs(logical: str, name: str) -> Any:
        return ctx.made[logical].attrs[name]

    resolver = Resolver(tpl, plan.parameters, refs, attrs)
    ctx.resolve = lambda value: resolver.resolve(value, "RouteKey")
    for logical in plan.order:
        res = tpl.resources[logical]
        if res["Type"] == "AWS::ApiGatewayV2::Route":
            props = res.get("Properties") or {}
            for target in references(props.get("Target")):
                ctx.route_keys.setdefault(target, []).append(props.get("RouteKey"))
    say(f"Deploying stack {plan.stack} to {admin_url} ({plan.region})")
    for logical in plan.order:
        rtype = tpl.resources[logical]["Type"]
        try:
            props = resolver.resolve(
                tpl.resources[logical].get("Properties", {}), f"resource {logical}"
            )
            made = REGISTRY[rtype].apply(ctx, logical, props)
        except TemplateError as exc:
            say(f"frontgate deploy: {exc}")
            return 2
        except (BotoCoreError, ClientError) as exc:
            say(f"frontgate deploy: {rtype} {logical} failed: {exc}")
            return 1
        ctx.made[logical] = made
        ctx.types[logical] = rtype
        refs[logical] = made.ref
        say(f"  {made.action:<9} {rtype} {logical} ({made.ref})")
    try:
        for family in swept:
            family.sweep(ctx)
    except (BotoCoreError, ClientError) as exc:
        say(f"frontgate deploy: deleting resources the template no longer has failed: {exc}")
        return 1
    print_outputs(plan.stack, _outputs(resolver, tpl), fmt)
    return 0


def print_outputs(stack: str, outputs: list[dict[str, str]], fmt: str) -> None:
    """The Outputs as ``aws cloudformation describe-stacks`` lists them."""
    if fmt == "json":
        print(json.dumps({"StackName": stack, "Outputs": outputs}, indent=2))
        return
    if not outputs:
        print(f"Stack {stack}: no Outputs")
        return
    rows = [("OutputKey", "OutputValue", "Description")] + [
        (o["OutputKey"], o["OutputValue"], o.get("Description", "")) for o in outputs
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    print(f"Outputs of stack {stack}:")
    for key, value, desc in rows:
        print(f"  {key:<{widths[0]}}  {value:<{widths[1]}}  {desc}".rstrip())
