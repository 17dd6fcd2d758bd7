"""``frontgate deploy TEMPLATE.yaml``: make on a running node what a CloudFormation template
declares, through its admin API (botocore clients, so a remote node works too), print the
stack's Outputs, and on a later run bring the same resources up to date in place (deleting
those the template no longer has).

Everything that can be checked without the node is checked first (resource types, parameters,
intrinsic functions, references, dependency cycles, required properties): a template that fails
creates nothing and exits 2. A failure of a call part-way leaves what was made so far (there is
no rollback); running again after fixing the template carries on from there."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from frontgate.cli.admin_client import node_options
from frontgate.cli.deploy.template import TemplateError


def add_deploy_command(sub: Any) -> None:
    p = sub.add_parser(
        "deploy",
        help="create or update on a node what a CloudFormation template declares",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("template", help="CloudFormation template (YAML or JSON)")
    p.add_argument("--stack-name", help="stack name (default: the template file's stem)")
    p.add_argument(
        "--parameter-overrides",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter values",
    )
    node_options(p, "region")
    p.add_argument("--output", choices=("text", "json"), default="text", help="Outputs format")
    p.set_defaults(func=cmd_deploy)


def _overrides(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise TemplateError(f"--parameter-overrides takes KEY=VALUE, not {pair!r}")
        out[key] = value
    return out


def cmd_deploy(args: argparse.Namespace) -> int:
    from frontgate.cli.admin_client import _node_info
    from frontgate.cli.deploy.run import Plan, deploy

    path = Path(args.template)
    stack = args.stack_name or path.stem
    try:
        if not re.fullmatch(r"[A-Za-z][-A-Za-z0-9]{0,127}", stack):
            raise TemplateError(
                f"stack name {stack!r} must start with a letter and hold only letters, digits "
                "and hyphens (use --stack-name)"
            )
        overrides = _overrides(args.parameter_overrides)
        from frontgate.cli.deploy.template import load

        tpl = load(path)
        Plan.check_types(tpl)
    except TemplateError as exc:
        print(f"frontgate deploy: {exc}; nothing was created", file=sys.stderr)
        return 2
    info = _node_info(args.admin_url)
    if info is None:
        print(f"frontgate deploy: no Frontgate node answers at {args.admin_url}", file=sys.stderr)
        return 1
    region = args.region or str(info.get("region") or "us-east-1")
    account = str(info.get("accountId") or "123456789012")
    try:
        plan = Plan.make(tpl, stack, region, account, overrides)
    except TemplateError as exc:
        print(f"frontgate deploy: {exc}; nothing was created", file=sys.stderr)
        return 2

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    return deploy(plan, args.admin_url, say, args.output)
